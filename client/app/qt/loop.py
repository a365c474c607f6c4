"""qasync's event loop: asyncio running inside Qt's event loop, the app's one loop."""

from __future__ import annotations

from qasync import QEventLoop  # untyped: pyproject.toml tells mypy to ignore its missing types

__all__ = ["QEventLoop"]
