"""The pure routing core: events in, decisions out. No I/O, no asyncio, injected time."""

from onduty.server.core.model import RouterConfig
from onduty.server.core.router import Router

__all__ = ["Router", "RouterConfig"]
