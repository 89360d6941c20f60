"""Sentence boundaries, so a link or a statement keeps the sentence that holds it as evidence."""

import re

# A sentence ends at . ! ? (optionally closed by quotes or brackets) followed by whitespace and
# something that can start a sentence. Abbreviations such as "e.g." are kept inside.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]\u201d\u2019]*\s+(?=[\"'(\[\u201c]?[A-Za-z0-9])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "dr.", "mr.", "ms.", "prof.", "approx.")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of `text`."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()].lower()
        if before.endswith(_ABBREVIATIONS) or re.search(r"\b[a-z]\.$", before):
            continue
        spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def sentence_at(text: str, offset: int) -> str:
    """The sentence of `text` that contains character `offset`, whitespace collapsed."""
    for start, end in split_sentences(text):
        if start <= offset < end or end == len(text):
            return normalize_space(text[start:end])
    return normalize_space(text)


def normalize_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
