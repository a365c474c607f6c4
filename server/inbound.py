"""Text and ids that come in from outside (HTTP bodies, forms, query strings, paths, command-line arguments).

One place decides what the server takes: text is valid Unicode (no lone surrogates, which JSON's
``"\\ud800"``, a ``raw_unicode_escape`` charset or a non-UTF-8 command line can produce and which the
database cannot store), has no NUL, and fits a length; a one-line text has no control characters at
all; an id is a whole number ``0 <= n <= 2**53 - 1`` (exact in JSON and in JavaScript) written in ASCII
digits. Everything else is one typed refusal, :class:`InvalidValue`, which the HTTP layer answers with
``400 {"code": "invalid_value", "detail": ...}`` and the command line with one line and exit status 2.

Pure: no I/O, no aiohttp, so the command line and every HTTP handler use the same checks.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from urllib.parse import parse_qsl

MAX_ID = 2**53 - 1
"""The largest id taken: every integer up to it is exact as a JSON/JavaScript number."""
MAX_TEXT = 8000
"""Default length limit of a text, in characters (after stripping)."""
MAX_LINE = 200
"""Default length limit of a one-line text (a title, a name, an id)."""

_DIGITS = re.compile(r"[0-9]{1,16}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class InvalidValue(ValueError):
    """A value from outside that the server does not take: the sender's fault, never our bug.

    ``field`` names what was refused (a JSON field, a form field, a path or query parameter, an
    argument); ``detail`` says what would be taken. ``str()`` of it is safe to print and log.
    """

    def __init__(self, field: str, detail: str) -> None:
        self.field, self.detail = printable(field, 64), detail
        super().__init__(f"{self.field}: {detail}")


def printable(value: str, limit: int = 200) -> str:
    """``value`` shortened and with lone surrogates escaped, safe for a log line or an error detail."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", value[:limit])


def text(value: object, field: str, *, max_len: int = MAX_TEXT, required: bool = True, strip: bool = True) -> str:
    """A multi-line text: a ``str`` of valid Unicode without NUL, 1 to ``max_len`` characters.

    With ``required=False`` an empty text is taken (and returned as ``""``). Line breaks and tabs are
    fine; other control characters are kept as the sender wrote them (they are escaped on output).
    """
    if not isinstance(value, str):
        raise InvalidValue(field, "must be a string")
    if _SURROGATE.search(value):
        raise InvalidValue(field, "is not valid Unicode (lone surrogate)")
    if "\x00" in value:
        raise InvalidValue(field, "must not contain NUL")
    if strip:
        value = value.strip()
    if (required and not value) or len(value) > max_len:
        raise InvalidValue(field, f"needs {1 if required else 0} to {max_len} characters")
    return value


def line(value: object, field: str, *, max_len: int = MAX_LINE, required: bool = True) -> str:
    """A one-line text (title, name, e-mail address, queue, chat id): :func:`text` without any control
    character (no line break, tab, NUL or DEL)."""
    checked = text(value, field, max_len=max_len, required=required)
    if _CONTROL.search(checked):
        raise InvalidValue(field, "must be one line without control characters")
    return checked


def ident(value: object, field: str) -> int:
    """An id: an ``int`` (not ``bool``) or a string of ASCII digits, ``0 <= n <= MAX_ID``.

    Strings such as ``"-1"``, ``"1.5"``, ``" 1"``, ``"1e3"``, ``"\\x00"`` or Unicode digits are refused.
    """
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise InvalidValue(field, f"must be a whole number from 0 to {MAX_ID}")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise InvalidValue(field, f"must be a whole number from 0 to {MAX_ID}")
    return value


def number(value: object, field: str, *, low: int, high: int) -> int:
    """A whole number in ``low..high`` given as ASCII digits (a query parameter, e.g. ``limit``)."""
    n = ident(value, field)
    if not low <= n <= high:
        raise InvalidValue(field, f"must be a whole number from {low} to {high}")
    return n


def decode(raw: bytes, field: str) -> str:
    """Bytes from outside as text: strict UTF-8 (whatever charset the sender claims)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidValue(field, f"is not UTF-8 (byte {exc.start})") from None


def form(raw: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body: strict UTF-8, also inside ``%xx`` escapes.

    The first value of a repeated name counts. Values are not checked further: pass each through
    :func:`text` or :func:`line`.
    """
    body = decode(raw, "form")
    try:
        pairs = parse_qsl(body, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise InvalidValue("form", "a %-escape is not UTF-8") from None
    except ValueError:
        raise InvalidValue("form", "not a form body") from None
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


def argument(*, one_line: bool = True, max_len: int = MAX_LINE) -> Callable[[str], str]:
    """An argparse ``type=`` that checks a command-line argument like any other text from outside
    (a non-UTF-8 argument arrives as lone surrogates); an empty argument is taken."""
    check = line if one_line else text

    def parse(value: str) -> str:
        try:
            return check(value, "argument", max_len=max_len, required=False)
        except InvalidValue as exc:
            raise argparse.ArgumentTypeError(f"{value[:60]!a} {exc.detail}") from None

    return parse
