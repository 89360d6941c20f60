"""Text from outside (what a job printed, a guide's words) shown on a terminal as text only."""

from __future__ import annotations

import re

# C0 and C1 control characters but newline and tab: escapes that would move the cursor, retitle
# the window or hide what follows.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character shown as its code, e.g. "\\x1b", instead of acting.

    >>> printable("loss\\x1b[2J 0.5")
    'loss\\\\x1b[2J 0.5'
    """
    return _CONTROLS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
