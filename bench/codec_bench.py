"""Decoding the two frames every chat message costs (``send``, ``ack``), with and without the msgspec shortcut.

    python -m bench.codec_bench [--number 200000]

:class:`~onduty.shared.codec.Codec` first tries msgspec's typed decoding (:mod:`onduty.shared.fast_decode`:
a ``Struct`` made from the message's type hints checks the frame, then msgspec builds the message
dataclass); ``decode_strictly`` is the hand-written path it falls back to (msgpack, then the checks
compiled from the same hints). Also printed: the shortcut's check alone (the Struct, no dataclass built)
and the encoder. Microseconds per frame, best of seven.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from typing import Any

import msgspec

from onduty.shared.codec import Codec
from onduty.shared.fast_decode import shape_of
from onduty.shared.limits import Limits
from onduty.shared.messages import Ack, Send


def best_us(fn: Callable[[], Any], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.codec_bench", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--number", type=int, default=200_000)
    number = parser.parse_args(argv).number
    codec = Codec()
    for message in (Send(chat_id="c" * 22, client_msg_id="m" * 22, text="x" * 100), Ack(chat_id="c" * 22, seq=1234)):
        frame = codec.encode(message)
        assert codec.decode(frame) == codec.decode_strictly(frame) == message
        check: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(shape_of(type(message), Limits()))
        fast = best_us(lambda f=frame: codec.decode(f), number)
        strict = best_us(lambda f=frame: codec.decode_strictly(f), number)
        struct = best_us(lambda f=frame, c=check: c.decode(f), number)
        encode = best_us(lambda m=message: codec.encode(m), number)
        print(f"{message.TYPE}: decode: codec {fast:.2f} us, strict path alone {strict:.2f} us "
              f"(the shortcut's check alone {struct:.2f} us); encode: {encode:.2f} us")


if __name__ == "__main__":
    main()
