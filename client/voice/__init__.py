"""Voice calls on the agent's side without Qt: aiortc's peer connection, audio sources and sinks.

- :mod:`.audio`: paced 20 ms sources (a generated tone), sinks (a level meter), RMS
- :mod:`.peer`: one call's WebRTC connection (offer, answer, candidates, mute, media state)
"""

from onduty.client.voice.audio import SAMPLE_RATE, SAMPLES, AudioSink, EnergyMeter, PacedSource, ToneSource, rms
from onduty.client.voice.peer import CallPeer, MediaState

__all__ = [
    "SAMPLES",
    "SAMPLE_RATE",
    "AudioSink",
    "CallPeer",
    "EnergyMeter",
    "MediaState",
    "PacedSource",
    "ToneSource",
    "rms",
]
