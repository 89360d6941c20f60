"""Text from outside (what a job printed, a guide's words) shown on a terminal as text only."""

from __future__ import annotations

import re

# C0 and C1 control characters but newline and tab: escapes that would move the cursor, retitle
# the window or hide what follows. And the invisible characters that reorder or hide text: the
# bidirectional marks, embeddings, overrides and isolates, the zero-width space, the byte-order
# mark (not the joiners, which words of some scripts need).
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
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
    return f"\\x{number:02x}" if number < 0x100 else f"\\u{number:04x}"
