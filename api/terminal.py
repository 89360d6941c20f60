"""Text from outside (what a job printed, a guide's words) shown on a terminal as text only."""

from __future__ import annotations

import re

# C0 and C1 control characters but newline and tab: escapes that would move the cursor, retitle
# the window or hide what follows. And the invisible characters that reorder or hide text: the
# bidirectional marks, embeddings, overrides and isolates, the zero-width space and word joiner,
# the soft hyphen, line and paragraph separators, the byte-order mark, tag characters (not the
# joiners, which words of some scripts need).
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u200b\u200e\u200f\u2028-\u202e\u2060"
    "\u2066-\u2069\ufeff\U000e0000-\U000e007f]"
)


def printable(text: str) -> str:
    """`text` with every control character shown as its code, e.g. "\\x1b", instead of acting.

    >>> printable("loss\\x1b[2J 0.5")
    'loss\\\\x1b[2J 0.5'
    >>> printable("accuracy \\u202e0.1")
    'accuracy \\\\u202e0.1'
    """
    return _CONTROLS.sub(_code, text)


def _code(match: re.Match[str]) -> str:
    number = ord(match.group())
    if number < 0x100:
        return f"\\x{number:02x}"
    return f"\\u{number:04x}" if number < 0x10000 else f"\\U{number:08x}"
