"""msgspec's encoder for the messages it writes the same as the strict codec: most of them.

:class:`~onduty.shared.codec.Codec` writes a message as one msgpack map of its fields and ``t``, leaving
out the fields marked ``Omit`` while they are None; nested values are maps of all their fields, enums
their values. msgspec writes a dataclass, an enum, a list or a map the same way in C. So for each
message class whose nested types (at any depth) carry no ``Omit`` field, a ``Struct`` made here holds
the message's values with the ``Omit`` fields as defaults of None (``omit_defaults``) and ``t`` as its
tag, and msgspec writes it. The other classes (none today) are written by the strict encoder.

The bytes may differ from the strict encoder's (``t`` comes first, the ``Omit`` fields last); the map
is the same, and key order does not matter (docs/protocol.md). tests/shared/test_fast_decode.py checks
that both encoders give the same map.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Annotated, Any, Union

import msgspec

from onduty.shared.messages import Message
from onduty.shared.types import Omit

Values = Callable[[Any], tuple[Any, ...]]


class FastEncoder:
    """Encodes messages of the classes :func:`shape_of` accepts; :meth:`encode` gives None for others."""

    def __init__(self, classes: Iterable[type[Message]]) -> None:
        self._encoder = msgspec.msgpack.Encoder()
        self._shapes: dict[type, tuple[Callable[..., Any], Values]] = {}
        for cls in classes:
            made = shape_of(cls)  # type: ignore[arg-type]  # a class is hashable; typeshed's Hashable check trips over dataclass eq
            if made is not None:
                self._shapes[cls] = made

    def encode(self, message: Message) -> bytes | None:
        entry = self._shapes.get(type(message))
        if entry is None:
            return None
        shape, values = entry
        return self._encoder.encode(shape(*values(message)))


@functools.cache  # made once per class (every server connection kind has a codec; tests make many)
def shape_of(cls: type[Message]) -> tuple[Callable[..., Any], Values] | None:
    """A Struct taking ``cls``'s values positionally (fields that are always written first, then the
    ``Omit`` ones) and the function reading them from a message; None when msgspec would write ``cls``
    differently from the strict encoder."""
    hints = typing.get_type_hints(cls, include_extras=True)
    always: list[str] = []
    omitted: list[str] = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        (omitted if _omit(hint) else always).append(f.name)
        if not _plain(_strip(hint), set()):
            return None
    names = always + omitted
    shape = msgspec.defstruct(f"{cls.__name__}Written", [*always, *((n, Any, None) for n in omitted)],
                              tag_field="t", tag=cls.TYPE, omit_defaults=True)
    values: Values = operator.attrgetter(*names) if len(names) > 1 else (lambda m: (getattr(m, names[0]),))
    return shape, values


def _omit(hint: Any) -> bool:
    return typing.get_origin(hint) is Annotated and any(isinstance(e, Omit) for e in hint.__metadata__)


def _strip(hint: Any) -> Any:
    """``hint`` without the top level's ``Annotated`` (where ``Omit`` is allowed)."""
    return typing.get_args(hint)[0] if typing.get_origin(hint) is Annotated else hint


def _plain(hint: Any, seen: set[type]) -> bool:
    """Whether msgspec writes a value of ``hint`` as the strict encoder does (no ``Omit`` field in it)."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        return not _omit(hint) and _plain(typing.get_args(hint)[0], seen)
    if origin in (Union, types.UnionType, list, dict):
        return all(_plain(a, seen) for a in typing.get_args(hint))
    if hint in (str, int, float, bool, type(None)) or (isinstance(hint, type) and issubclass(hint, Enum)):
        return True
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if hint in seen:
            return True
        seen.add(hint)
        nested = typing.get_type_hints(hint, include_extras=True)
        return all(_plain(nested[f.name], seen) for f in dataclasses.fields(hint))
    return False
