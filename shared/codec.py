"""Strict msgpack codec for the messages in :mod:`onduty.shared.messages`.

Decoding never hands out a raw dict: a frame becomes one message object or raises
:class:`ProtocolError` with the code that says what was wrong. Each message class is
compiled once into a decoder/encoder pair from its type hints. msgspec does the common work in C:
it decodes the frames of flat classes first (:mod:`onduty.shared.fast_decode`; what it refuses is
decoded here, for the typed error) and writes the messages it writes as this codec would
(:mod:`onduty.shared.fast_encode`).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, Union

import msgpack

from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.fast_decode import FastDecoder
from onduty.shared.fast_encode import FastEncoder
from onduty.shared.limits import MAX_INT, Limits
from onduty.shared.messages import ALL_MESSAGES, Message
from onduty.shared.types import Max, Omit

Decoder = Callable[[Any, str], Any]
Encoder = Callable[[Any], Any]

_MISSING = object()


def _wrong(path: str, expected: str, value: Any) -> ProtocolError:
    return ProtocolError(ErrorCode.WRONG_TYPE, f"{path}: expected {expected}, got {type(value).__name__}")


class _Compiler:
    """Turns type hints into decode/encode closures, enforcing ``Max`` and the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._classes: dict[type, tuple[Decoder, Encoder]] = {}

    def compile(self, hint: Any, bound: int | None = None) -> tuple[Decoder, Encoder]:
        origin = typing.get_origin(hint)
        if origin is typing.Annotated:
            base, *extra = typing.get_args(hint)
            found = next((e.n for e in extra if isinstance(e, Max)), bound)
            return self.compile(base, found)
        if origin in (Union, types.UnionType):
            return self._union(typing.get_args(hint), bound)
        if origin is list:
            return self._list(typing.get_args(hint)[0], bound or self.limits.max_array)
        if origin is dict:
            key, value = typing.get_args(hint)
            if key is not str:
                raise TypeError(f"only str keys are supported, not {key}")
            return self._dict(value, bound or self.limits.max_map)
        if isinstance(hint, type) and issubclass(hint, Enum):
            return self._enum(hint)
        if hint is str:
            return self._str(bound or self.limits.max_str)
        if hint is bool:
            return self._bool()
        if hint is int:
            return self._int()
        if hint is float:
            return self._float()
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self.dataclass(hint)
        raise TypeError(f"unsupported type in message schema: {hint!r}")

    def dataclass(self, cls: type) -> tuple[Decoder, Encoder]:
        if cls in self._classes:
            return self._classes[cls]
        # Placeholder first so that a class may refer to itself.
        holder: dict[str, tuple[Decoder, Encoder]] = {}
        self._classes[cls] = (lambda v, p: holder["c"][0](v, p), lambda v: holder["c"][1](v))
        hints = typing.get_type_hints(cls, include_extras=True)
        specs: list[tuple[str, Decoder, Encoder, Any]] = []
        omitted: list[tuple[str, Encoder]] = []
        for f in dataclasses.fields(cls):
            dec, enc = self.compile(hints[f.name])
            if _omitted(hints[f.name]):
                omitted.append((f.name, enc))
            if f.default is not dataclasses.MISSING:
                default: Any = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory
            else:
                default = _MISSING
            specs.append((f.name, dec, enc, default))
        known = {name for name, *_ in specs} | {"t"}
        factory_defaults = {
            f.name for f in dataclasses.fields(cls) if f.default_factory is not dataclasses.MISSING
        }

        def decode(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                raise _wrong(path, "map", value)
            kwargs: dict[str, Any] = {}
            present = 1 if "t" in value else 0
            for name, dec, _enc, default in specs:
                raw = value.get(name, _MISSING)
                if raw is _MISSING:
                    if default is _MISSING:
                        raise ProtocolError(ErrorCode.MISSING_FIELD, f"{path}.{name}")
                    kwargs[name] = default() if name in factory_defaults else default
                else:
                    present += 1
                    kwargs[name] = dec(raw, f"{path}.{name}")
            if len(value) > present:
                extra = sorted(str(k) for k in value if k not in known)
                raise ProtocolError(ErrorCode.UNKNOWN_FIELD, f"{path}: {', '.join(extra)}")
            return cls(**kwargs)

        always = [(name, enc) for name, _dec, enc, _d in specs if all(name != o for o, _ in omitted)]

        def encode(obj: Any) -> Any:
            body = {name: enc(getattr(obj, name)) for name, enc in always}
            for name, enc in omitted:
                if (value := getattr(obj, name)) is not None:
                    body[name] = enc(value)
            return body

        holder["c"] = (decode, encode)
        self._classes[cls] = holder["c"]
        return holder["c"]

    @staticmethod
    def _str(bound: int) -> tuple[Decoder, Encoder]:
        def decode(value: Any, path: str) -> str:
            if not isinstance(value, str):
                raise _wrong(path, "string", value)
            if len(value) > bound:
                raise ProtocolError(ErrorCode.TOO_LARGE, f"{path}: more than {bound} characters")
            return value

        return decode, _same

    @staticmethod
    def _bool() -> tuple[Decoder, Encoder]:
        def decode(value: Any, path: str) -> bool:
            if not isinstance(value, bool):
                raise _wrong(path, "boolean", value)
            return value

        return decode, _same

    @staticmethod
    def _int() -> tuple[Decoder, Encoder]:
        def decode(value: Any, path: str) -> int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise _wrong(path, "integer", value)
            if not 0 <= value <= MAX_INT:
                raise ProtocolError(ErrorCode.INVALID_VALUE, f"{path}: {value} is not in 0..{MAX_INT}")
            return value

        return decode, _same

    @staticmethod
    def _float() -> tuple[Decoder, Encoder]:
        def decode(value: Any, path: str) -> float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _wrong(path, "number", value)
            number = float(value) if -MAX_INT <= value <= MAX_INT else math.inf
            if not math.isfinite(number):
                raise ProtocolError(ErrorCode.INVALID_VALUE, f"{path}: not a finite number within +-{MAX_INT}")
            return number

        return decode, _same

    @staticmethod
    def _enum(cls: type[Enum]) -> tuple[Decoder, Encoder]:
        allowed = {member.value: member for member in cls}

        def decode(value: Any, path: str) -> Enum:
            if not isinstance(value, str):
                raise _wrong(path, "string", value)
            try:
                return allowed[value]
            except KeyError:
                raise ProtocolError(
                    ErrorCode.INVALID_VALUE, f"{path}: {value[:40]!r} is not one of {sorted(allowed)}"
                ) from None

        def encode(value: Any) -> Any:
            return value.value

        return decode, encode

    def _union(self, args: tuple[Any, ...], bound: int | None) -> tuple[Decoder, Encoder]:
        options = [a for a in args if a is not type(None)]
        if len(options) != 1:
            raise TypeError("only `X | None` unions are supported")
        inner_dec, inner_enc = self.compile(options[0], bound)

        def decode(value: Any, path: str) -> Any:
            return None if value is None else inner_dec(value, path)

        def encode(value: Any) -> Any:
            return None if value is None else inner_enc(value)

        return decode, encode

    def _list(self, item: Any, bound: int) -> tuple[Decoder, Encoder]:
        item_dec, item_enc = self.compile(item)

        def decode(value: Any, path: str) -> list[Any]:
            if not isinstance(value, list):
                raise _wrong(path, "array", value)
            if len(value) > bound:
                raise ProtocolError(ErrorCode.TOO_LARGE, f"{path}: more than {bound} items")
            return [item_dec(v, f"{path}[{i}]") for i, v in enumerate(value)]

        def encode(value: Any) -> Any:
            return [item_enc(v) for v in value]

        return decode, encode

    def _dict(self, item: Any, bound: int) -> tuple[Decoder, Encoder]:
        item_dec, item_enc = self.compile(item)
        key_dec, _ = self._str(self.limits.max_str)

        def decode(value: Any, path: str) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise _wrong(path, "map", value)
            if len(value) > bound:
                raise ProtocolError(ErrorCode.TOO_LARGE, f"{path}: more than {bound} entries")
            return {key_dec(k, f"{path} key"): item_dec(v, f"{path}.{k}") for k, v in value.items()}

        def encode(value: Any) -> Any:
            return {k: item_enc(v) for k, v in value.items()}

        return decode, encode


def _same(value: Any) -> Any:
    return value


def _omitted(hint: Any) -> bool:
    return typing.get_origin(hint) is typing.Annotated and any(isinstance(e, Omit) for e in hint.__metadata__)


def _too_deep(value: Any, depth: int) -> bool:
    """True if ``value`` (a container at nesting level ``depth``) holds containers beyond level 0.

    A plain loop: this runs on every frame, and most frames (``send``, ``ack``) hold no container at all."""
    if depth <= 0:
        return True
    for v in value.values() if isinstance(value, dict) else value:
        if isinstance(v, dict | list) and _too_deep(v, depth - 1):
            return True
    return False


class Codec:
    """Encodes any message; decodes only the ``accepted`` ones (what this side may receive)."""

    def __init__(
        self, accepted: Iterable[type[Message]] = ALL_MESSAGES, limits: Limits | None = None
    ) -> None:
        self.limits = limits or Limits()
        self._compiler = _Compiler(self.limits)
        self._decoders: dict[str, Decoder] = {}
        self._encoders: dict[type, Encoder] = {}
        for cls in ALL_MESSAGES:
            _dec, enc = self._compiler.dataclass(cls)
            self._encoders[cls] = enc
        accepted = list(accepted)
        for cls in accepted:
            self._decoders[cls.TYPE] = self._compiler.dataclass(cls)[0]
        self._fast = FastDecoder(accepted, self.limits)
        self._fast_encoder = FastEncoder(ALL_MESSAGES)
        self._packer = msgpack.Packer(use_bin_type=True)

    def encode(self, message: Message) -> bytes:
        fast = self._fast_encoder.encode(message)
        return fast if fast is not None else self.encode_strictly(message)

    def encode_strictly(self, message: Message) -> bytes:
        """:meth:`encode` without msgspec (for the classes it does not write, and for tests to compare)."""
        body = self._encoders[type(message)](message)
        body["t"] = message.TYPE
        packed: bytes = self._packer.pack(body)
        return packed

    def decode(self, frame: bytes) -> Message:
        self._refuse_oversized(frame)
        fast = self._fast.decode(frame)
        if fast is not None:
            return fast
        return self.decode_strictly(frame)

    def _refuse_oversized(self, frame: bytes) -> None:
        if len(frame) > self.limits.max_frame:
            raise ProtocolError(
                ErrorCode.TOO_LARGE, f"frame of {len(frame)} bytes > {self.limits.max_frame}",
                close=CloseCode.MESSAGE_TOO_BIG,
            )

    def decode_strictly(self, frame: bytes) -> Message:
        """:meth:`decode` without the msgspec shortcut (what it falls back to, and what tests compare it with)."""
        self._refuse_oversized(frame)
        lim = self.limits
        try:
            value = msgpack.unpackb(
                frame,
                raw=False,
                strict_map_key=True,
                max_str_len=lim.max_str * 4,
                max_bin_len=lim.max_bin,
                max_array_len=lim.max_array,
                max_map_len=lim.max_map,
                max_ext_len=0,
            )
        except ValueError as exc:
            # msgpack reports exceeded limits as ValueError("... exceeds max_... (n)")
            if "exceeds max" in str(exc):
                raise ProtocolError(ErrorCode.TOO_LARGE, str(exc)) from None
            raise ProtocolError(ErrorCode.MALFORMED_FRAME, "not a msgpack value") from None
        except Exception:
            raise ProtocolError(ErrorCode.MALFORMED_FRAME, "not a msgpack value") from None
        if not isinstance(value, dict):
            raise ProtocolError(ErrorCode.MALFORMED_FRAME, "a frame must be one msgpack map")
        kind = value.get("t")
        if not isinstance(kind, str):
            raise ProtocolError(ErrorCode.MALFORMED_FRAME, "missing message type 't'")
        try:
            too_deep = _too_deep(value, lim.max_depth)
        except RecursionError:
            too_deep = True
        if too_deep:
            raise ProtocolError(ErrorCode.MALFORMED_FRAME, f"nested deeper than {lim.max_depth}", ref=kind[:40])
        decoder = self._decoders.get(kind)
        if decoder is None:
            raise ProtocolError(ErrorCode.UNKNOWN_TYPE, kind[:40], ref=kind[:40])
        try:
            message: Message = decoder(value, kind)
        except ProtocolError as exc:
            exc.ref = kind
            raise
        except RecursionError:
            raise ProtocolError(ErrorCode.MALFORMED_FRAME, "nested too deep", ref=kind) from None
        return message


_DEFAULT = Codec()


def encode_message(message: Message) -> bytes:
    """Encode with default limits (convenience for tests and tools)."""
    return _DEFAULT.encode(message)


def decode_message(frame: bytes) -> Message:
    """Decode any message type with default limits (convenience for tests and tools)."""
    return _DEFAULT.decode(frame)
