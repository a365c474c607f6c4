"""Qt's audio devices (``PySide6.QtMultimedia``, in PySide6-Addons): the names the app uses, as in core.py."""

from __future__ import annotations

from PySide6.QtMultimedia import QAudio, QAudioDevice, QAudioFormat, QAudioSink, QAudioSource, QMediaDevices

__all__ = ["QAudio", "QAudioDevice", "QAudioFormat", "QAudioSink", "QAudioSource", "QMediaDevices"]
