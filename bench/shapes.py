"""Guides of the worst shapes for the extraction, of any size: what a careless or hostile author
could import. Shared by bench/import.py (seconds and peak memory by size) and the tests.

- `long_line`: one line with no full stop, of topic names, requirement cues and asides;
- `links_paragraph`: one paragraph of nothing but links;
- `big_table`: a curriculum table whose every row has a Prerequisites cell;
- `deep_nesting`: lists nested as deep as the text allows, each item with a link.
"""

from __future__ import annotations

from collections.abc import Callable

# Words the extraction looks at: topics of the vocabulary, cues, enumerations, parentheses.
_PHRASES = (
    "you need linear algebra, calculus and Python for deep learning",
    "if you already know statistics",
    "start with NumPy (or pandas)",
    "X builds on probability",
    "no need to know C++",
    "machine learning requires some familiarity with optimization",
    "before reinforcement learning, learn Markov decision processes",
)


def long_line(size: int) -> str:
    """A line of `size` bytes or so, with no full stop, no newline."""
    words, length, index = [], 0, 0
    while length < size:
        phrase = _PHRASES[index % len(_PHRASES)] + f" and topic{index},"
        words.append(phrase)
        length += len(phrase) + 1
        index += 1
    return "# A long line\n\n" + " ".join(words) + "\n"


def links_paragraph(size: int) -> str:
    """One paragraph of links to distinct pages, `size` bytes or so."""
    links, length, index = [], 0, 0
    while length < size:
        link = f"[linear algebra notes {index}](https://example.org/notes/{index}) and"
        links.append(link)
        length += len(link) + 1
        index += 1
    return "# Links\n\n" + " ".join(links) + " more.\n"


def big_table(size: int) -> str:
    """A curriculum table of `size` bytes or so: course, prerequisites, link."""
    rows = ["# Curriculum\n", "| Course | Prerequisites | Link |", "|---|---|---|"]
    length, index = 0, 0
    while length < size:
        previous = f"Course {index - 1}" if index else "none"
        row = (
            f"| Course {index}: linear algebra part {index} | {previous}, calculus | "
            f"[notes](https://example.org/course/{index}) |"
        )
        rows.append(row)
        length += len(row) + 1
        index += 1
    return "\n".join(rows) + "\n"


def deep_nesting(size: int) -> str:
    """Nested list items, each one level deeper, each with a link, repeated to `size` bytes."""
    lines, length, index = ["# Nested", ""], 0, 0
    while length < size:
        depth = index % 200
        line = "  " * depth + f"- [statistics {index}](https://example.org/n/{index}) needs Python"
        lines.append(line)
        length += len(line) + 1
        index += 1
    return "\n".join(lines) + "\n"


SHAPES: dict[str, Callable[[int], str]] = {
    "line without a full stop": long_line,
    "paragraph of links": links_paragraph,
    "table": big_table,
    "deep nesting": deep_nesting,
}
