"""Sampling profiles of the OnDuty server with py-spy: every thread (the SQLite writer too), no tracing overhead.

``python -m bench --profile py-spy`` attaches ``py-spy record`` to the server for the length of the run and writes
its collapsed stacks (py-spy pauses the server for each sample, so a profiled run's figures are for shares, not
speed; without the pause, ``--nonblocking``, many stacks come out torn). :func:`summarize` turns them into the
functions that hold the most samples, by own time (the frame on top of the stack) and by total time (anywhere on
the stack).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

_LINE = re.compile(r" \(([^:()]*):\d+\)$")
"""py-spy names a frame ``function (path/file.py:line)``: the line number is dropped to group a function's samples."""


def _py_spy() -> str | None:
    found = Path(sys.executable).parent / "py-spy"
    return str(found) if found.exists() else shutil.which("py-spy")


@contextlib.contextmanager
def recording(pid: int, raw: Path, rate: int = 250) -> Iterator[None]:
    """Sample process ``pid`` while the block runs; the collapsed stacks go to ``raw``."""
    binary = _py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed (pip install -e '.[bench]')")
    argv = [binary, "record", "--pid", str(pid), "--format", "raw", "--output", str(raw), "--rate", str(rate),
            "--threads"]
    spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait()


def _frame(name: str) -> str:
    match = _LINE.search(name)
    if match is None:
        return name
    return f"{name[:match.start()]} ({Path(match.group(1)).name})"


def summarize(raw: Path, top: int = 40) -> str:
    """The hottest functions of a py-spy raw profile, as text (own samples, then total samples)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        samples += count
        threads[frames[0]] += count
        names = [_frame(f) for f in frames[1:]]
        if names:
            own[names[-1]] += count
        for name in set(names):
            total[name] += count

    def block(title: str, counter: Counter[str]) -> list[str]:
        return [title, *(f"{n / samples:7.1%} {n:8d}  {name}" for name, n in counter.most_common(top)), ""]

    lines = [f"{samples} samples (py-spy, all threads, idle excluded)", ""]
    lines += block("threads:", threads)
    lines += block("own time:", own)
    lines += block("total time:", total)
    return "\n".join(lines)
