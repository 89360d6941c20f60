"""Repair of text that lost its case, its non-ASCII letters or some phrases (the lynx corpus dump).

The damaged text is aligned with the other editions of the same post: both sides are reduced to a
"skeleton" of lower-case ASCII letters and digits, so "fran  ois" (ç lost) and "François" meet as
"franois", and an `idNNN` token matches whatever words the other edition has there. Where another
edition has the words, they are taken with their case and accents; otherwise tokens become the
topic table's words and each word takes the case it most often has in the other editions.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from kb.extraction.vocabulary import TOKEN, Vocabulary
from kb.urls import url_case_key

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\u2019-]*")
_TOKEN_GAP = "[a-z0-9]{1,60}?"
_URL_TOKEN_GAP = "[^/?#&=]{1,80}?"
_MIN_SKELETON = 4  # shorter phrases match by accident; they get word-by-word case instead


def is_case_damaged(text: str) -> bool:
    """True when a text has (almost) no capital letters: its case was lost."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 200 and sum(c.isupper() for c in letters) < len(letters) / 1000


def skeleton(text: str) -> tuple[str, list[int]]:
    """Lower-case ASCII letters and digits of `text`, with each one's index in `text`."""
    chars, positions = [], []
    for index, char in enumerate(text):
        if char.isascii() and char.isalnum():
            chars.append(char.lower())
            positions.append(index)
    return "".join(chars), positions


class Restorer:
    """Repairs damaged phrases and URLs from reference texts and links of other editions."""

    def __init__(self, texts: list[str], urls: list[str], vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.text = "\n".join(texts)
        self._skeleton, self._positions = skeleton(self.text)
        self._urls: dict[str, str] = {}
        for url in sorted(urls):
            self._urls.setdefault(url_case_key(url), url)
        # Topic names written with capitals ("CNN", "ImageNet") fill in words no edition has.
        self._word_case = {
            alias.lower(): alias
            for entry in vocabulary.entries.values()
            for alias in (entry.name, *entry.aliases)
            if " " not in alias and alias != alias.lower()
        } | _word_cases(texts)

    def phrase(self, damaged: str) -> tuple[str, bool]:
        """(repaired phrase, whether another edition had it) for a damaged phrase or sentence."""
        found = self._align(damaged)
        if found is not None:
            return found, True
        return self._by_words(damaged), False

    def url(self, damaged: str) -> tuple[str, bool]:
        """(repaired URL, whether its case is known): another edition's URL, or a flagged guess."""
        key = url_case_key(damaged)
        if key in self._urls:
            return self._urls[key], True
        if TOKEN.search(damaged):
            pattern = re.compile(_pattern(key, lambda *_: _URL_TOKEN_GAP, re.escape) + "$")
            for candidate_key, original in self._urls.items():
                if pattern.match(candidate_key):
                    return original, True
            damaged = TOKEN.sub(lambda m: self._token_words(m, "-"), damaged)
        parts = urlsplit(damaged)
        has_letters = any(c.isalpha() for c in parts.path + parts.query + parts.fragment)
        return damaged, not has_letters

    def _align(self, damaged: str) -> str | None:
        if not self._skeleton:  # no other edition to align with
            return None
        literal, _ = skeleton(TOKEN.sub("", damaged))
        if len(literal) < _MIN_SKELETON:
            return None
        pattern = re.compile(_pattern(damaged, lambda *_: _TOKEN_GAP, lambda p: skeleton(p)[0]))
        spans_sentences = bool(re.search(r"[.!?]\s", damaged))
        expected = [self._token_length(m) for m in TOKEN.finditer(damaged)]
        candidates = []
        position = 0
        while match := pattern.search(self._skeleton, position):
            start = self._positions[match.start()]
            end = self._positions[match.end() - 1] + 1
            found = self.text[start:end]
            # A phrase lies within one paragraph, and within one sentence unless it spans more.
            crosses = "\n" in found or (not spans_sentences and re.search(r"[.!?]\s", found))
            if _at_word_bounds(self.text, start, end) and not crosses:
                misfit = sum(abs(len(g) - n) for g, n in zip(match.groups(), expected, strict=True))
                candidates.append((misfit, len(found), start, found))
            position = match.start() + 1
        if not candidates:
            return None
        # A token stands for words about as long as its topic's name, not for the sentence
        # around them: the best fit wins, then the tightest.
        found = min(candidates)[-1]
        lead = re.match(r"\W*", damaged).group()
        trail = re.search(r"\W*$", damaged).group()
        return (lead.strip() + found + trail.rstrip()).strip()

    def _by_words(self, damaged: str) -> str:
        text = TOKEN.sub(lambda m: self._token_words(m, " "), damaged)
        text = _WORD.sub(lambda m: self._cased(m.group()), text)
        return text[:1].upper() + text[1:]

    def _token_length(self, match: re.Match[str]) -> int:
        words = self.vocabulary.token_text(int(match[1]), bool(match[2]))
        return len(skeleton(words)[0]) if words else 0

    def _cased(self, word: str) -> str:
        if word in self._word_case:
            return self._word_case[word]
        if word.endswith("s") and word[:-1] in self._word_case:  # "cnns": as "CNN", plus "s"
            return self._word_case[word[:-1]] + "s"
        return word

    def _token_words(self, match: re.Match[str], separator: str) -> str:
        words = self.vocabulary.token_text(int(match[1]), bool(match[2]))
        return match.group() if words is None else words.replace(" ", separator)


def _pattern(damaged: str, gap, literal) -> str:
    """A regex for `damaged` whose tokens match `gap(number, plural)` and the rest `literal`."""
    pieces = TOKEN.split(damaged)
    # TOKEN has two groups, so split() yields literal, number, plural, literal, ...
    parts = [literal(pieces[0])]
    for index in range(1, len(pieces), 3):
        gap_pattern = gap(int(pieces[index]), bool(pieces[index + 1]))
        parts.append(f"({gap_pattern})" + literal(pieces[index + 2]))
    return "".join(parts)


def _at_word_bounds(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _word_cases(texts: list[str]) -> dict[str, str]:
    """Each lower-case word's most frequent written form, not counting sentence starts."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for match in _WORD.finditer(text):
            before = text[max(0, match.start() - 8) : match.start()].rstrip(" \t")
            if before and before[-1] not in '.!?:\n"\u201c':
                forms[match.group().lower()][match.group()] += 1
    return {word: counts.most_common(1)[0][0] for word, counts in forms.items()}
