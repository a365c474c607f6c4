"""server/inbound.py: the one check of text and ids from outside (pure, no server)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onduty.server import inbound
from onduty.server.inbound import MAX_ID, InvalidValue

ANY = st.text(st.characters(exclude_categories=()), max_size=30)


@settings(max_examples=200, deadline=None)
@given(value=ANY, one_line=st.booleans())
def test_what_is_taken_is_storable_text(value: str, one_line: bool) -> None:
    try:
        got = (inbound.line if one_line else inbound.text)(value, "f", max_len=20, required=False)
    except InvalidValue as exc:
        str(exc).encode("utf-8")  # the refusal itself is printable
        return
    got.encode("utf-8")
    assert "\x00" not in got and len(got) <= 20 and got == value.strip()
    assert not one_line or all(c >= " " and c != "\x7f" for c in got)


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.integers(), st.booleans(), st.floats(), ANY, st.integers().map(str)))
def test_an_id_is_a_whole_number_in_range_or_refused(value: object) -> None:
    try:
        got = inbound.ident(value, "id")
    except InvalidValue:
        return
    assert type(got) is int and 0 <= got <= MAX_ID
    assert got == value or (isinstance(value, str) and value.isascii() and value.isdigit())


@pytest.mark.parametrize("value", ["-1", "1.5", " 1", "1 ", "+1", "1e3", "\u0661", "\x00", "", str(MAX_ID + 1),
                                   True, 1.0, None, MAX_ID + 1, -1])
def test_bad_ids(value: object) -> None:
    with pytest.raises(InvalidValue):
        inbound.ident(value, "id")


def test_good_ids_and_forms() -> None:
    assert [inbound.ident(v, "id") for v in ("0", "007", str(MAX_ID), 5)] == [0, 7, MAX_ID, 5]
    assert inbound.form(b"text=Gr%C3%BC%C3%9Fe&text=second&x=") == {"text": "Grüße", "x": ""}
    for raw in (b"text=\xff", b"text=%ff", b"text=%ED%A0%80"):
        with pytest.raises(InvalidValue):
            inbound.form(raw)
    assert inbound.printable("a\ud800b") == "a\\ud800b"
