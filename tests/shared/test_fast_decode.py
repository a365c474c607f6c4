"""The msgspec shortcut in front of the strict codec decodes exactly what the strict codec decodes.

The property: for any frame, ``Codec.decode`` (shortcut first) and ``Codec.decode_strictly`` end the same
way, with an equal message of the same class or with the same typed error. Frames are built from the
flat classes' own field names with values of every msgpack kind (right and wrong types, strings at and
past their bounds, huge and negative integers, NaN and infinities, binary, nested containers),
duplicated keys, unknown keys and wrong tags, under the default limits and under tight ones.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from enum import StrEnum
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onduty.shared.codec import Codec
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.fast_decode import FastDecoder
from onduty.shared.limits import MAX_INT, Limits
from onduty.shared.messages import (
    AGENT_MESSAGES,
    ALL_MESSAGES,
    REQUESTOR_MESSAGES,
    SERVER_MESSAGES,
    Ack,
    ChatMessage,
    Message,
    Send,
    Sent,
    SetPresence,
)
from onduty.shared.types import Presence

TIGHT = Limits(max_str=12, max_map=5, max_array=3, max_depth=2)
CODECS = {"default": Codec(ALL_MESSAGES), "tight": Codec(ALL_MESSAGES, TIGHT)}
FLAT = sorted(FastDecoder(ALL_MESSAGES, Limits()).classes, key=lambda c: c.TYPE)

_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(-(2**63), 2**64 - 1), st.sampled_from([0, 1, MAX_INT, MAX_INT + 1, -1]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([float(MAX_INT), -float(MAX_INT), 2.0**53 + 2]),
    st.text(max_size=20), st.text(alphabet="a\U0001f600", min_size=10, max_size=70), st.binary(max_size=4),
)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                             max_size=3), max_leaves=6)


def _right_value(hint: Any) -> st.SearchStrategy[Any]:
    """Values of the field's own type, and just outside it (so that many frames are valid and take the shortcut)."""
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _right_value(typing.get_args(hint)[0])
    if origin is not None:  # X | None
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return st.none() | _right_value(inner)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return st.sampled_from([m.value for m in hint] + ["nope"])
    return {
        str: st.text(max_size=14) | st.text(alphabet="a\U0001f600", min_size=10, max_size=70),  # around the bounds
        bool: st.booleans(),
        int: st.integers(-2, 20) | st.sampled_from([MAX_INT, MAX_INT + 1]),
        float: st.floats(-5, 5) | st.integers(-5, 5) | st.sampled_from([2.0 * MAX_INT, -2.0 * MAX_INT, math.nan]),
    }[hint]


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    """A msgpack map written pair by pair (so keys may repeat), mostly close to a valid frame of a flat class."""
    cls = draw(st.sampled_from(FLAT))
    hints = typing.get_type_hints(cls, include_extras=True)
    pairs: list[tuple[Any, Any]] = [("t", draw(st.sampled_from([cls.TYPE] * 6 + ["send", "ack", "nope", 7])))]
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING and draw(st.booleans()):
            continue  # an optional field left out
        if draw(st.integers(0, 19)) == 0:
            continue  # a required field missing now and then
        pairs.append((f.name, draw(_right_value(hints[f.name]) if draw(st.integers(0, 9)) else _values)))
    if draw(st.integers(0, 3)) == 0:  # an unknown key, a repeated one or a second tag
        keys = ["t", "zzz", 5, b"k", *(f.name for f in dataclasses.fields(cls))]
        pairs += draw(st.lists(st.tuples(st.sampled_from(keys), _values | _right_value(str)), min_size=1, max_size=2))
    order = draw(st.permutations(range(len(pairs))))
    body = b"".join(msgpack.packb(pairs[i][0]) + msgpack.packb(pairs[i][1]) for i in order)
    n = len(pairs)
    head = bytes([0x80 | n]) if n < 16 else b"\xde" + n.to_bytes(2, "big")
    return head + body + draw(st.sampled_from([b""] * 9 + [b"\xc0"]))


def _outcome(decode: typing.Callable[[bytes], Message], frame: bytes) -> tuple[Any, ...]:
    try:
        message = decode(frame)
    except ProtocolError as exc:
        return ("error", exc.code, exc.detail, exc.ref, exc.close)
    return ("message", type(message), message)


@pytest.mark.parametrize("limits", CODECS, ids=str)
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames())
def test_the_shortcut_ends_every_frame_as_the_strict_codec_does(limits: str, frame: bytes) -> None:
    codec = CODECS[limits]
    fast, strict = _outcome(codec.decode, frame), _outcome(codec.decode_strictly, frame)
    assert fast == strict
    if fast[0] == "message":  # equal, and every float field a float (an integer on the wire becomes one)
        for f in dataclasses.fields(fast[2]):
            value = getattr(fast[2], f.name)
            assert type(value) is type(getattr(strict[2], f.name))
            assert not (isinstance(value, float) and math.isnan(value))


def test_the_frames_of_a_chat_message_take_the_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    """``send`` and ``ack`` (server), ``sent`` (client) are decoded by msgspec alone: with the strict path
    broken they still decode."""
    server, client = Codec(AGENT_MESSAGES), Codec(SERVER_MESSAGES)
    for codec in (server, client, Codec(REQUESTOR_MESSAGES)):
        monkeypatch.setattr(codec, "decode_strictly", _broken)
    send = Send(chat_id="c1", client_msg_id="k1", text="héllo \U0001f600", req="4")
    assert server.decode(server.encode(send)) == send
    assert server.decode(server.encode(Ack(chat_id="c1", seq=MAX_INT))) == Ack(chat_id="c1", seq=MAX_INT)
    assert server.decode(server.encode(SetPresence(Presence.AWAY))) == SetPresence(Presence.AWAY)
    sent = client.decode(msgpack.packb({"t": "sent", "chat_id": "c1", "client_msg_id": "k1", "seq": 3, "at": 5}))
    assert sent == Sent(chat_id="c1", client_msg_id="k1", seq=3, at=5.0) and type(sent.at) is float


def test_refused_and_nested_frames_go_the_strict_way() -> None:
    codec = Codec(ALL_MESSAGES)
    assert ChatMessage not in FLAT  # a nested field (file): strict only
    for bad, code in [
        ({"t": "ack", "chat_id": "c1", "seq": True}, ErrorCode.WRONG_TYPE),
        ({"t": "ack", "chat_id": "c1", "seq": MAX_INT + 1}, ErrorCode.INVALID_VALUE),
        ({"t": "ack", "chat_id": "c1"}, ErrorCode.MISSING_FIELD),
        ({"t": "ack", "chat_id": "c1", "seq": 1, "x": 1}, ErrorCode.UNKNOWN_FIELD),
        ({"t": "send", "chat_id": "c" * 65, "client_msg_id": "k", "text": ""}, ErrorCode.TOO_LARGE),
        ({"t": "no_such_type"}, ErrorCode.UNKNOWN_TYPE),
    ]:
        with pytest.raises(ProtocolError) as caught:
            codec.decode(msgpack.packb(bad))
        assert caught.value.code is code, bad


def test_a_map_header_beyond_max_map_is_left_to_the_strict_codec() -> None:
    """The strict unpacker refuses a map longer than max_map, even if its keys repeat (msgspec keeps the last)."""
    limits = Limits(max_map=3)
    pairs = [("t", "ack"), ("chat_id", "c1"), ("seq", 1), ("seq", 2)]
    frame = bytes([0x80 | len(pairs)]) + b"".join(msgpack.packb(k) + msgpack.packb(v) for k, v in pairs)
    assert FastDecoder([Ack], limits).decode(frame) is None
    with pytest.raises(ProtocolError) as caught:
        Codec(ALL_MESSAGES, limits).decode(frame)
    assert caught.value.code is ErrorCode.TOO_LARGE
    assert FastDecoder([Ack], Limits()).decode(frame) == Ack(chat_id="c1", seq=2)  # the strict codec's answer too


def _broken(frame: bytes) -> Message:
    raise AssertionError("the strict path was taken")
