"""OnDuty wire protocol: typed messages, the msgpack codec, limits and error codes.

Shared by the server and the clients. Imports no asyncio, aiohttp or Qt.
"""

from onduty.shared.codec import Codec, decode_message, encode_message
from onduty.shared.errors import CloseCode, ErrorCode, OnDutyError, ProtocolError
from onduty.shared.limits import PROTOCOL_VERSION, Limits

__all__ = [
    "PROTOCOL_VERSION",
    "CloseCode",
    "Codec",
    "ErrorCode",
    "Limits",
    "OnDutyError",
    "ProtocolError",
    "decode_message",
    "encode_message",
]
