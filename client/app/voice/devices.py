"""The workstation's microphone and speaker for a call, through QtMultimedia.

Why QtMultimedia and not PyAV's devices: PyAV (which aiortc uses for codecs) reaches devices through FFmpeg's
libavdevice, whose PyAV builds can capture on Windows (dshow) but have no audio output device there, and name
devices differently on each platform. QtMultimedia plays and records on Windows (WASAPI), macOS (Core Audio)
and Linux (PulseAudio / PipeWire) with one API, lists the devices by name for Settings, and follows the system
default. Audio is 16-bit mono at 48 kHz both ways (Qt converts to what the device takes).

Both devices work in push mode on the one Qt/asyncio loop: the microphone's bytes are buffered and taken 20 ms at a
time by aiortc (:class:`MicrophoneSource`), the other side's audio is written to the speaker as it comes
(:class:`SpeakerSink`); no thread of our own.
"""

from __future__ import annotations

import logging

from onduty.client.app.qt.multimedia import QAudioDevice, QAudioFormat, QAudioSink, QAudioSource, QMediaDevices
from onduty.client.desk.settings import Settings
from onduty.client.voice.audio import SAMPLE_RATE, PacedSource
from onduty.client.voice.desk import NoAudioDevice

log = logging.getLogger(__name__)

MAX_BUFFERED_S = 0.2
"""Microphone audio kept when aiortc falls behind; older audio is dropped (latency over completeness)."""


def audio_format() -> QAudioFormat:
    f = QAudioFormat()
    f.setSampleRate(SAMPLE_RATE)
    f.setChannelCount(1)
    f.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    return f


def pick(devices: list[QAudioDevice], default: QAudioDevice, wanted: str) -> QAudioDevice | None:
    """The device named ``wanted`` (its description, as Settings shows it), else the system default; None when
    there is no device at all."""
    if wanted:
        for device in devices:
            if device.description() == wanted:
                return device
        log.info("audio device %r is not there; using the default", wanted)
    if not default.isNull():
        return default
    return devices[0] if devices else None


def input_names() -> list[str]:
    return [d.description() for d in QMediaDevices.audioInputs()]


def output_names() -> list[str]:
    return [d.description() for d in QMediaDevices.audioOutputs()]


class MicrophoneSource(PacedSource):
    """The microphone as an aiortc track: Qt pushes bytes in, aiortc takes 20 ms frames (silence while short)."""

    def __init__(self, device: QAudioDevice) -> None:
        super().__init__()
        self._buffer = bytearray()
        self._source = QAudioSource(device, audio_format())
        self._io = self._source.start()
        self._io.readyRead.connect(self._read)

    def _read(self) -> None:
        self._buffer += bytes(self._io.readAll().data())
        excess = len(self._buffer) - int(MAX_BUFFERED_S * SAMPLE_RATE) * 2
        if excess > 0:
            del self._buffer[:excess]

    def pcm(self, samples: int) -> bytes:
        wanted = samples * 2
        data = bytes(self._buffer[:wanted])
        del self._buffer[:wanted]
        return data + bytes(wanted - len(data))

    def stop(self) -> None:
        self._source.stop()
        super().stop()


class SpeakerSink:
    """The other side's audio to the speaker."""

    def __init__(self, device: QAudioDevice) -> None:
        self._sink = QAudioSink(device, audio_format())
        self._sink.setBufferSize(int(0.1 * SAMPLE_RATE) * 2)
        self._io = self._sink.start()

    def write(self, pcm: bytes) -> None:
        self._io.write(pcm)

    def close(self) -> None:
        self._sink.stop()


class QtMedia:
    """The devices chosen in Settings (``microphone`` / ``speaker``, empty: the system's default)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def open(self) -> tuple[PacedSource, SpeakerSink]:
        mic = pick(QMediaDevices.audioInputs(), QMediaDevices.defaultAudioInput(), self.settings.microphone)
        if mic is None:
            raise NoAudioDevice("No microphone found: plug one in (or choose one in Settings) and call again. "
                                "The chat goes on.")
        speaker = pick(QMediaDevices.audioOutputs(), QMediaDevices.defaultAudioOutput(), self.settings.speaker)
        if speaker is None:
            raise NoAudioDevice("No speaker or headset found: plug one in (or choose one in Settings) and call "
                                "again. The chat goes on.")
        return MicrophoneSource(mic), SpeakerSink(speaker)
