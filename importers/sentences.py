"""Sentence boundaries, so a link or a statement keeps the sentence that holds it as evidence."""

import bisect
import re

# A sentence ends at . ! ? (optionally closed by quotes or brackets) followed by whitespace and
# something that can start a sentence. Abbreviations such as "e.g." are kept inside.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]\u201d\u2019]*\s+(?=[\"'(\[\u201c]?[A-Za-z0-9])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "dr.", "mr.", "ms.", "prof.", "approx.")
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS)) + 1
_INITIAL = re.compile(r"\b[a-z]\.$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of `text`."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        # Only the words just before the boundary matter: looking further back would make a
        # long run of initials ("a. b. c. ...") cost the square of its length.
        before = text[max(start, match.start() - _LONGEST_ABBREVIATION) : match.start()].lower()
        if before.endswith(_ABBREVIATIONS) or _INITIAL.search(before):
            continue
        spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


LONGEST_SENTENCE = 1000  # characters; past it, a sentence is cut around the offset
REACH = 100  # characters kept on each side of the offset then


class Sentences:
    """The sentences of one text, split once, so that finding the sentence of each of many
    offsets (the links of a paragraph) costs a lookup each, not another pass over the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = split_sentences(text)
        self.starts = [start for start, _ in self.spans]

    def at(self, offset: int) -> str:
        """The sentence that contains character `offset`, whitespace collapsed; past the last
        sentence, the last one. A sentence longer than `LONGEST_SENTENCE` (a text with no full
        stops) is cut to the words around the offset, so that what each of its links keeps of
        it stays bounded."""
        if not self.spans:
            start, end = 0, len(self.text)
        else:
            index = max(bisect.bisect_right(self.starts, offset) - 1, 0)
            start, end = self.spans[index]
            if offset >= end and index + 1 < len(self.spans):  # between two sentences: the next
                start, end = self.spans[index + 1]
        if end - start > LONGEST_SENTENCE:
            start, end = _around(self.text, max(start, offset - REACH), min(end, offset + REACH))
        return normalize_space(self.text[start:end])


def _around(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to whole words at both ends (a word's end found within a few chars)."""
    while start > 0 and not text[start - 1].isspace() and start > end - REACH * 3:
        start -= 1
    while end < len(text) and not text[end].isspace() and end < start + REACH * 3:
        end += 1
    return start, end


def sentence_at(text: str, offset: int) -> str:
    """The sentence of `text` that contains character `offset`, whitespace collapsed."""
    return Sentences(text).at(offset)


def normalize_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
