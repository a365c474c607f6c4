"""A shortcut in front of the strict codec: msgspec's typed decoding for flat messages.

A message class is *flat* when each of its fields is a string (with its ``Max`` bound), an integer,
a float, a boolean, a string enum, or one of these or nil. Most frames are of such a class (``send``,
``ack``, ``typing``, ``sent``). For them, msgspec checks a frame in C against a ``Struct`` made here from
the class's type hints (types, bounds, the ``t`` tag, missing and unknown fields), then builds the
message dataclass itself, also in C.

It is only a shortcut. The schema stays the dataclasses in :mod:`onduty.shared.messages`, and the
strict codec stays the authority: whenever msgspec refuses a frame, :class:`~onduty.shared.codec.Codec`
decodes it again strictly, which gives the typed error docs/protocol.md names. So the shortcut must
accept nothing the strict codec refuses, and must build exactly what it would build;
tests/shared/test_fast_decode.py checks both with hypothesis. Where the two could differ, the shortcut
is not taken:

- A map longer than ``Limits.max_map``: the strict unpacker refuses it (``too_large``); msgspec would
  take the last of duplicated keys, so a frame whose map header says more entries goes the strict way.
- A string bound above ``Limits.max_str``: the shortcut uses the lower one (the strict unpacker
  refuses a string beyond ``4 * max_str`` bytes before any field is read).
- ``Limits.max_depth`` below 1 (the strict codec then refuses every frame).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Union

import msgspec

from onduty.shared.limits import MAX_INT, Limits
from onduty.shared.messages import Message
from onduty.shared.types import Max

_FIXMAP, _MAP16 = 0x80, 0xDE


class FastDecoder:
    """Decodes the frames of the flat classes among ``classes``; :meth:`decode` gives None for anything else."""

    def __init__(self, classes: Iterable[type[Message]], limits: Limits) -> None:
        self._max_map = limits.max_map
        self._builders: dict[type, msgspec.msgpack.Decoder[Any]] = {}
        shapes: list[type] = []
        if limits.max_depth >= 1:
            for cls in classes:
                shape = shape_of(cls, limits)  # type: ignore[arg-type]  # a class is hashable; typeshed's Hashable check trips over dataclass eq
                if shape is not None:
                    shapes.append(shape)
                    self._builders[shape] = _builder(cls)  # type: ignore[arg-type]  # as above
        self.classes = frozenset(b.type for b in self._builders.values())
        """The classes the shortcut decodes."""
        self._check: msgspec.msgpack.Decoder[Any] | None = (
            msgspec.msgpack.Decoder(Union[tuple(shapes)]) if shapes else None  # noqa: UP007 (a runtime union)
        )

    def decode(self, frame: bytes) -> Message | None:
        """The message in ``frame``, or None when the strict codec must decide (it may still be valid)."""
        if self._check is None or not frame:
            return None
        head = frame[0]
        if head & 0xF0 == _FIXMAP:
            entries = head & 0x0F
        elif head == _MAP16 and len(frame) >= 3:
            entries = int.from_bytes(frame[1:3], "big")
        else:
            return None
        if entries > self._max_map:
            return None
        try:
            shape = self._check.decode(frame)
            message: Message = self._builders[type(shape)].decode(frame)
        except msgspec.DecodeError:  # ValidationError included
            return None
        return message


@functools.cache
def _builder(cls: type[Message]) -> msgspec.msgpack.Decoder[Any]:
    return msgspec.msgpack.Decoder(cls)


@functools.cache  # made once per class and limits (every server connection kind has a codec; tests make many)
def shape_of(cls: type[Message], limits: Limits) -> type | None:
    """A msgspec ``Struct`` that accepts exactly the frames of ``cls`` the strict codec accepts; None when
    ``cls`` is not flat."""
    hints = typing.get_type_hints(cls, include_extras=True)
    required: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    optional: list[tuple[str, Any] | tuple[str, Any, Any]] = []  # after the required ones, as a Struct needs
    for f in dataclasses.fields(cls):
        hint = _flat(hints[f.name], None, limits)
        if hint is None or f.default_factory is not dataclasses.MISSING:
            return None
        if f.default is dataclasses.MISSING:
            required.append((f.name, hint))
        else:
            optional.append((f.name, hint, f.default))
    if len(required) + len(optional) + 1 > limits.max_map:
        return None
    return msgspec.defstruct(f"{cls.__name__}Shape", required + optional, tag_field="t", tag=cls.TYPE,
                             forbid_unknown_fields=True)


def _flat(hint: Any, bound: int | None, limits: Limits) -> Any:
    """The msgspec type checking what the strict codec checks for ``hint``; None if not a flat field."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        base, *extra = typing.get_args(hint)
        found = next((e.n for e in extra if isinstance(e, Max)), bound)
        return _flat(base, found, limits)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(options) != 1:
            return None
        inner = _flat(options[0], bound, limits)
        return None if inner is None else inner | None
    if hint is str:
        return Annotated[str, msgspec.Meta(max_length=min(bound or limits.max_str, limits.max_str))]
    if hint is bool:
        return bool
    if hint is int:
        return Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]
    if hint is float:
        return Annotated[float, msgspec.Meta(ge=-MAX_INT, le=MAX_INT)]
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint
    return None
