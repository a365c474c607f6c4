"""Whether a Qt object still exists on the C++ side (shiboken6), for callbacks that outlive their widget."""

from __future__ import annotations

from shiboken6 import isValid

__all__ = ["isValid"]
