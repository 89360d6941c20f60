"""Plain-text guides: paragraphs separated by blank lines, bare URLs as links, no headings.

Scraped copies often end with a `|||` separator followed by a truncated repeat of the start of
the article; that repeat is dropped.
"""

from __future__ import annotations

import re

from importers.document import Link, Paragraph, ParsedDocument
from importers.sentences import Sentences, normalize_space
from kb.errors import InputError

_BARE_URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")
_SEPARATOR = "|||"
_TITLE_MAX = 120


class TextImporter:
    format = "text"

    def detect(self, text: str) -> float:
        # The fallback for any readable text: every other importer needs signs of its format.
        return 0.3

    def parse(self, text: str, origin: str) -> ParsedDocument:
        blocks = [normalize_space(b) for b in re.split(r"\n\s*\n", _drop_repeat(text))]
        blocks = [b for b in blocks if b]
        if not blocks:
            raise InputError(origin, "the text has no paragraphs")
        title = None
        if len(blocks) > 1 and len(blocks[0]) <= _TITLE_MAX and not blocks[0].endswith("."):
            title, blocks = blocks[0], blocks[1:]
        paragraphs = tuple(Paragraph(text=b, section=None) for b in blocks)
        links = tuple(
            Link(m.group(), m.group(), sentences.at(m.start()), None, index)
            for index, p in enumerate(paragraphs)
            for sentences in [Sentences(p.text)]
            for m in _BARE_URL.finditer(p.text)
        )
        return ParsedDocument(format=self.format, title=title, paragraphs=paragraphs, links=links)


def _drop_repeat(text: str) -> str:
    """Cut at a `|||` separator when what follows repeats the article's beginning."""
    head, sep, tail = text.partition(_SEPARATOR)
    if not sep:
        return text
    probe = normalize_space(tail)[:40]
    return head if probe and probe[:20] in normalize_space(head) else text
