"""Decoding the two frames every chat message costs (``send``, ``ack``): the strict codec against msgspec.

    python -m bench.codec_bench [--number 200000]

The strict codec (:mod:`onduty.shared.codec`) unpacks with msgpack and checks the map against the type hints of
the message dataclass. msgspec decodes msgpack straight into a typed ``Struct`` with the same limits (written out
here for these two messages: ``Max`` bounds, integers in 0..MAX_INT, unknown fields forbidden, ``t`` as the tag);
the rest of the server works with the message dataclasses, so the fair comparison includes building one from the
Struct. Prints microseconds per frame, best of seven.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from typing import Annotated, Any

import msgspec

from onduty.shared.codec import Codec
from onduty.shared.limits import MAX_INT, MAX_TEXT
from onduty.shared.messages import Ack, Message, Send

_Ident = Annotated[str, msgspec.Meta(max_length=64)]


class SendWire(msgspec.Struct, tag_field="t", tag="send", forbid_unknown_fields=True, frozen=True):
    chat_id: _Ident
    client_msg_id: _Ident
    text: Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]
    req: _Ident | None = None


class AckWire(msgspec.Struct, tag_field="t", tag="ack", forbid_unknown_fields=True, frozen=True):
    chat_id: _Ident
    seq: Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]
    req: _Ident | None = None


_DECODER = msgspec.msgpack.Decoder(SendWire | AckWire)


def msgspec_message(frame: bytes) -> Message:
    """msgspec's typed decoding, then the dataclass the server uses."""
    wire = _DECODER.decode(frame)
    if isinstance(wire, SendWire):
        return Send(chat_id=wire.chat_id, client_msg_id=wire.client_msg_id, text=wire.text, req=wire.req)
    return Ack(chat_id=wire.chat_id, seq=wire.seq, req=wire.req)


def best_us(fn: Callable[[], Any], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.codec_bench", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--number", type=int, default=200_000)
    number = parser.parse_args(argv).number
    codec = Codec()
    for message in (Send(chat_id="c" * 22, client_msg_id="m" * 22, text="x" * 100), Ack(chat_id="c" * 22, seq=1234)):
        frame = codec.encode(message)
        assert codec.decode(frame) == msgspec_message(frame) == message
        strict = best_us(lambda f=frame: codec.decode(f), number)
        typed = best_us(lambda f=frame: msgspec_message(f), number)
        struct = best_us(lambda f=frame: _DECODER.decode(f), number)
        encode = best_us(lambda m=message: codec.encode(m), number)
        print(f"{message.TYPE}: decode: strict codec {strict:.2f} us, msgspec + dataclass {typed:.2f} us "
              f"(msgspec Struct alone {struct:.2f} us); encode: strict codec {encode:.2f} us")


if __name__ == "__main__":
    main()
