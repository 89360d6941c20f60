"""api.terminal.printable: what comes from outside is shown on a terminal, never obeyed."""

import pytest

from api.terminal import printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("loss\x1b[2J 0.5", "loss\\x1b[2J 0.5"),  # an escape sequence
        ("title\x1b]0;owned\x07", "title\\x1b]0;owned\\x07"),
        ("accuracy \u202e0.1", "accuracy \\u202e0.1"),  # a bidirectional override
        ("a\u2066b\u2069", "a\\u2066b\\u2069"),  # isolates
        ("zero\u200bwidth\u2060joined", "zero\\u200bwidth\\u2060joined"),
        ("soft\xadhyphen, line\u2028break", "soft\\xadhyphen, line\\u2028break"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("lines\nand\ttabs", "lines\nand\ttabs"),  # kept
        ("میخواهم", "میخواهم"),
        (
            "zero\u200cwidth non-joiner, emoji \U0001f469\u200d\U0001f4bb",
            "zero\u200cwidth non-joiner, emoji \U0001f469\u200d\U0001f4bb",
        ),  # joiners kept
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown
