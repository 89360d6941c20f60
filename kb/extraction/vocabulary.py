"""The topic vocabulary: topics with their aliases, and the TutorialBank `idNNN` tokens.

`kb/data/vocabulary.json` (rebuilt by `python -m kb.extraction.build_vocabulary` from TutorialBank's
tables and the curated `kb/data/curated_topics.json`) lists the concepts guides teach, each with
where it came from. A guide's discovered topics (`kb.extraction.topics`) extend it for that
guide.

Matching works on words, not characters: a text is cut into words once, and at each word the
longest run of words that is an alias wins, so finding topics costs a few dictionary lookups a
word, whatever the vocabulary's size. Words compare case-insensitively and singular to plural
("neural network", "Neural Networks"); hyphens and spaces are alike ("chain-rule"); short
all-capital aliases ("CNN", "ML", "R") match only in capitals, plural too ("CNNs").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Tokens stand in words and in URLs ("mnist_id98.py", "r-id98"), so "_" and "-" bound them too.
TOKEN = re.compile(r"(?<![A-Za-z0-9])id(\d{1,3})(s?)(?![A-Za-z0-9])")
_TOKEN_WORD = re.compile(r"id(\d{1,3})(s?)")
# A word: letters and digits (any script), with a language's "++" or "#" ("C++", "C#").
_WORD = re.compile(r"[^\W_]+(?:\+\+|#)?")
# After a topic's name: what introduces its parts.
_INTRODUCES = re.compile(
    r"\W{0,3}(?:e\.\s?g\.|(?:including|such as|for example|for instance|in particular|"
    r"especially)\b)",
    re.I,
)
# What may stand between the words of one name: spaces, hyphens, dashes.
_JOINER = re.compile(r"[\s\-\u2010\u2011\u2013]+")
_LONGEST_ALIAS_WORDS = 8


@dataclass(frozen=True)
class TopicEntry:
    slug: str
    name: str
    aliases: tuple[str, ...]
    tutorialbank: tuple[int, ...] = ()
    token_surface: str | None = None
    broader: tuple[str, ...] = ()
    origin: tuple[str, ...] = ("curated",)
    kind: str | None = None  # field, method, model, math, language, tool, dataset, concept...


@dataclass(frozen=True)
class TopicHit:
    slug: str
    start: int
    end: int


def word_key(word: str) -> str:
    """A word as names compare it: lower-case and singular."""
    word = word.lower().replace("isation", "ization")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def name_key(name: str) -> str:
    """A whole name as names compare it: "Convolutional Neural Networks" -> "convolutional
    neural network"."""
    return " ".join(word_key(word) for word in _WORD.findall(name))


def _exact(alias: str) -> bool:
    """Short all-capital aliases ("CNN", "ML", "R") match only as written."""
    return alias.isupper() and len(alias) <= 4


class Vocabulary:
    def __init__(self, entries: Iterable[TopicEntry], token_names: dict[int, str]):
        self.entries = {entry.slug: entry for entry in entries}
        self.token_names = token_names
        self.by_token = {n: e.slug for e in self.entries.values() for n in e.tutorialbank}
        self._loose: dict[str, str] = {}  # name_key -> slug
        self._exact: dict[str, str] = {}  # the alias as written -> slug
        for entry in self.entries.values():
            for alias in (entry.name, *entry.aliases):
                if _exact(alias):
                    self._exact.setdefault(alias, entry.slug)
                elif key := name_key(alias):
                    self._loose.setdefault(key, entry.slug)

    def extended(self, entries: Iterable[TopicEntry]) -> Vocabulary:
        """This vocabulary and more entries (a guide's discovered topics); the first entry that
        claims an alias keeps it."""
        return Vocabulary([*self.entries.values(), *entries], self.token_names)

    def slug_of(self, name: str) -> str | None:
        """The topic whose name or alias `name` is, if any."""
        if name in self._exact:
            return self._exact[name]
        return self._loose.get(name_key(name))

    def find(self, text: str) -> list[TopicHit]:
        """Topics named in `text` (aliases and `idNNN` tokens), in order, longest match first.
        A name hyphened to another word is part of another name ("keras-tqdm", "non-linear",
        "Python-based"), not a mention of its topic."""
        words = list(_WORD.finditer(text))
        keys = [word_key(match.group()) for match in words]
        hits: list[TopicHit] = []
        index = 0
        while index < len(words):
            found = self._longest(text, words, keys, index)
            if found is None:
                index += 1
                continue
            slug, length = found
            start, end = words[index].start(), words[index + length - 1].end()
            token = length == 1 and _TOKEN_WORD.fullmatch(words[index].group())
            if token or not _compounded(text, start, end):
                hits.append(TopicHit(slug, start, end))
            index += length
        return hits

    def slugs_in(self, text: str) -> list[str]:
        return list(dict.fromkeys(hit.slug for hit in self.find(text)))

    def narrowest_in(self, text: str) -> list[str]:
        """The topics `text` names, but for those it names only as the broader topic of
        another: "the MNIST dataset" names MNIST, not datasets. A broader topic that introduces
        its parts is named too: "high school math, including algebra and geometry"."""
        hits = self.find(text)
        slugs = list(dict.fromkeys(hit.slug for hit in hits))
        broader = {b for slug in slugs for b in self.entries[slug].broader}
        named = {h.slug for h in hits if h.slug not in broader or _INTRODUCES.match(text, h.end)}
        return [slug for slug in slugs if slug in named]

    def token_text(self, number: int, plural: bool) -> str | None:
        """The words an `idNNN` token replaced: the curated surface, else the table's name."""
        slug = self.by_token.get(number)
        entry = self.entries.get(slug) if slug else None
        words = (entry.token_surface if entry else None) or self.token_names.get(number)
        if words is None and entry is not None:
            words = entry.name.lower()
        if words is None:
            return None
        return words + ("s" if plural else "")

    def _longest(self, text: str, words, keys: list[str], index: int) -> tuple[str, int] | None:
        """The topic of the longest alias that starts at word `index`, and its length in words."""
        token = _TOKEN_WORD.fullmatch(words[index].group())
        if token and int(token[1]) in self.by_token:
            return self.by_token[int(token[1])], 1
        written = words[index].group()
        longest = None
        if written in self._exact or (
            written.endswith("s") and written[:-1] in self._exact and written[:-1].isupper()
        ):
            longest = (self._exact.get(written) or self._exact[written[:-1]], 1)
        phrase = keys[index]
        end = min(len(words), index + _LONGEST_ALIAS_WORDS)
        for following in range(index, end):
            if following > index:
                gap = text[words[following - 1].end() : words[following].start()]
                if not _JOINER.fullmatch(gap):
                    break
                phrase += " " + keys[following]
            slug = self._loose.get(phrase)
            if slug is not None and (longest is None or following - index + 1 > longest[1]):
                longest = (slug, following - index + 1)
        return longest


def _compounded(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is hyphened to a word before or after it; not a word that only
    says what the name is about ("NLP-related", "Python-based" still name their topic)."""
    after = text[end : end + 2]
    before = text[max(start - 2, 0) : start]
    if len(after) == 2 and after[0] == "-" and after[1].isalnum():
        return not _ABOUT_SUFFIX.match(text, end)
    return len(before) == 2 and before[1] == "-" and before[0].isalnum()


_ABOUT_SUFFIX = re.compile(
    r"-(?:related|based|driven|powered|oriented|centric|focused|specific|like|style|friendly|"
    r"aware|heavy|ready|first)\b",
    re.I,
)


def entries_of(raw: list[dict]) -> list[TopicEntry]:
    return [
        TopicEntry(
            slug=item["slug"],
            name=item["name"],
            aliases=tuple(item.get("aliases", ())),
            tutorialbank=tuple(item.get("tutorialbank", ())),
            token_surface=item.get("token_surface"),
            broader=tuple(item.get("broader", ())),
            origin=tuple(item.get("origin", ("curated",))),
            kind=item.get("kind"),
        )
        for item in raw
    ]


@cache
def default_vocabulary() -> Vocabulary:
    data = resources.files("kb").joinpath("data")
    raw = json.loads(data.joinpath("vocabulary.json").read_text("utf-8"))
    tokens = json.loads(data.joinpath("tutorialbank_tokens.json").read_text("utf-8"))
    return Vocabulary(entries_of(raw), {int(number): name for number, name in tokens.items()})
