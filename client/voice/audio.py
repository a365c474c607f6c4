"""Audio for a call without any sound card: a paced 20 ms source, a generated tone, a sink that measures.

Tracks give aiortc 16-bit mono frames at 48 kHz (what Opus carries), paced by the media clock as a microphone
would be. A muted source sends silence (the other side keeps hearing a stream, and the timer goes on).
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from array import array
from typing import Protocol

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, AudioResampler

SAMPLE_RATE = 48000
PTIME_S = 0.02
SAMPLES = int(SAMPLE_RATE * PTIME_S)
"""Samples of one 20 ms frame."""
TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)


class PacedSource(MediaStreamTrack):
    """A live audio track that produces one 20 ms frame every 20 ms of real time from :meth:`pcm`."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.muted = False
        """Send silence instead of :meth:`pcm` (mute)."""
        self._start: float | None = None
        self._pts = 0

    def pcm(self, samples: int) -> bytes:
        """``samples`` 16-bit little-endian mono samples (``2 * samples`` bytes)."""
        raise NotImplementedError

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += SAMPLES
            wait = self._start + self._pts / SAMPLE_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # the media clock: a frame is due every 20 ms
        data = self.pcm(SAMPLES)
        return pcm_frame(bytes(len(data)) if self.muted else data, self._pts)


class ToneSource(PacedSource):
    """A sine tone (440 Hz by default): the agent's voice in tests and in the Settings' sound check."""

    def __init__(self, hz: float = 440.0, level: float = 0.3) -> None:
        super().__init__()
        self._step = 2 * math.pi * hz / SAMPLE_RATE
        self._amplitude = int(32767 * level)
        self._n = 0

    def pcm(self, samples: int) -> bytes:
        a, step, n = self._amplitude, self._step, self._n
        out = array("h", (int(a * math.sin(step * (n + i))) for i in range(samples)))
        self._n = (n + samples) % SAMPLE_RATE
        return out.tobytes()


def pcm_frame(data: bytes, pts: int) -> AudioFrame:
    frame = AudioFrame(format="s16", layout="mono", samples=len(data) // 2)
    frame.planes[0].update(data)
    frame.pts = pts
    frame.sample_rate = SAMPLE_RATE
    frame.time_base = TIME_BASE
    return frame


class AudioSink(Protocol):
    """Where the other side's audio goes: a speaker, or a meter in tests."""

    def write(self, pcm: bytes) -> None:
        """16-bit mono samples at 48 kHz, in order."""

    def close(self) -> None: ...


class Mono48k:
    """Turns whatever aiortc decodes (Opus: 48 kHz stereo) into 16-bit mono 48 kHz bytes."""

    def __init__(self) -> None:
        self._resampler = AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)

    def __call__(self, frame: AudioFrame) -> bytes:
        return b"".join(bytes(out.planes[0])[: out.samples * 2] for out in self._resampler.resample(frame))


def rms(pcm: bytes) -> float:
    """Root mean square of 16-bit samples, 0 (silence) to 1 (full scale)."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768


class EnergyMeter:
    """A sink that keeps what a test (or the Settings' level meter) wants to know of the audio heard."""

    LOUD = 0.01
    """RMS above which a frame counts as sound (silence and comfort noise are far below)."""

    def __init__(self) -> None:
        self.frames = 0
        self.loud_frames = 0
        self.peak = 0.0
        self.last = 0.0
        self.closed = False
        self.heard = asyncio.Event()
        """Set once ``loud_frames`` reached ``wanted``."""
        self.wanted = 10

    def write(self, pcm: bytes) -> None:
        level = rms(pcm)
        self.frames += 1
        self.last = level
        self.peak = max(self.peak, level)
        if level > self.LOUD:
            self.loud_frames += 1
            if self.loud_frames >= self.wanted:
                self.heard.set()

    def close(self) -> None:
        self.closed = True
