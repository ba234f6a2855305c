"""Plain text: what may be stored as a name, and how text is shown on a terminal.

Control characters (NUL, ESC, BEL, newlines, DEL, C1) and the bidirectional overrides
have no place in a name: NUL breaks CSV readers, ESC sequences rewrite a terminal when
`employees list` prints them, a right-to-left override makes "txt.exe" read as "exe.txt".
"""

from __future__ import annotations

import unicodedata

# Bidirectional embeddings, overrides and isolates, and the Unicode line/paragraph separators.
_INVISIBLE_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def is_control(ch: str) -> bool:
    """A character that steers a display or a parser instead of being read."""
    return unicodedata.category(ch) == "Cc" or ch in _INVISIBLE_CONTROLS


def control_characters(text: str) -> list[str]:
    """The control characters in `text`, as escapes (e.g. ['\\\\x00', '\\\\x1b'])."""
    return [escape(ch) for ch in dict.fromkeys(text) if is_control(ch)]


def escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep: str = "") -> str:
    """`text` with every control character (except those in `keep`) written as a visible
    escape, so printing a stored name can never move the cursor or clear the screen."""
    if not any(is_control(ch) and ch not in keep for ch in text):
        return text
    return "".join(escape(ch) if is_control(ch) and ch not in keep else ch for ch in text)


def department_matches(department: str, wanted: str | None) -> bool:
    """The one department filter (CLI --department and the log page): `wanted` anywhere in
    the department, ignoring case (casefold, so "ärzte" finds "Ärzte"); empty matches all."""
    wanted = (wanted or "").strip().casefold()
    return not wanted or wanted in (department or "").casefold()
