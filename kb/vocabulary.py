"""The topic vocabulary: curated topics with their aliases, and the TutorialBank `idNNN` tokens.

`kb/data/topics.json` lists the concepts guides teach. Matching is case-insensitive and tolerant of
plurals and of hyphen-versus-space ("chain rule", "chain-rule"); short all-capital aliases ("CNN",
"ML") match only in capitals so that ordinary words are not taken for them.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

# Tokens stand in words and in URLs ("mnist_id98.py", "r-id98"), so "_" and "-" bound them too.
TOKEN = re.compile(r"(?<![A-Za-z0-9])id(\d{1,3})(s?)(?![A-Za-z0-9])")


@dataclass(frozen=True)
class TopicEntry:
    slug: str
    name: str
    aliases: tuple[str, ...]
    tutorialbank: tuple[int, ...] = ()
    token_surface: str | None = None


@dataclass(frozen=True)
class TopicHit:
    slug: str
    start: int
    end: int


class Vocabulary:
    def __init__(self, entries: list[TopicEntry], token_names: dict[int, str]):
        self.entries = {entry.slug: entry for entry in entries}
        self.token_names = token_names
        self.by_token = {n: e.slug for e in entries for n in e.tutorialbank}
        insensitive, sensitive = [], []
        for entry in entries:
            for alias in (entry.name, *entry.aliases):
                group = sensitive if alias.isupper() and len(alias) <= 4 else insensitive
                group.append((alias, entry.slug))
        self._slug_of = {_key(alias).lower(): slug for alias, slug in insensitive}
        self._slug_of.update({_key(alias): slug for alias, slug in sensitive})
        self._insensitive = _alternation([a for a, _ in insensitive], re.I)
        self._sensitive = _alternation([a for a, _ in sensitive], 0)

    def find(self, text: str) -> list[TopicHit]:
        """Topics named in `text` (aliases and `idNNN` tokens), in order, longest match first."""
        hits = [
            TopicHit(self._slug_of[_key(m["alias"]).lower()], m.start(), m.end())
            for m in self._insensitive.finditer(text)
        ]
        hits += [
            TopicHit(self._slug_of[_key(m["alias"])], m.start(), m.end())
            for m in self._sensitive.finditer(text)
        ]
        hits += [
            TopicHit(self.by_token[int(m[1])], m.start(), m.end())
            for m in TOKEN.finditer(text)
            if int(m[1]) in self.by_token
        ]
        return _without_overlaps(hits)

    def slugs_in(self, text: str) -> list[str]:
        return list(dict.fromkeys(hit.slug for hit in self.find(text)))

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


def _key(alias: str) -> str:
    return re.sub(r"[\s-]+", " ", alias)


def _alternation(aliases: list[str], flags: int) -> re.Pattern[str]:
    if not aliases:
        return re.compile(r"(?!)")  # matches nothing, not the empty string
    ordered = sorted(set(aliases), key=lambda a: (-len(a), a))
    body = "|".join(
        re.escape(a).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+") for a in ordered
    )
    return re.compile(rf"(?<![\w-])(?P<alias>{body})(?:e?s)?(?![\w-])", flags)


def _without_overlaps(hits: list[TopicHit]) -> list[TopicHit]:
    kept: list[TopicHit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def load_token_names(path: Path) -> dict[int, str]:
    """TutorialBank's table (id, name, url; no header): id -> lower-cased topic name."""
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {int(row[0]): row[1].strip().lower() for row in csv.reader(handle) if row}


@cache
def default_vocabulary() -> Vocabulary:
    from kb.config import tutorialbank_csv

    raw = json.loads(resources.files("kb").joinpath("data/topics.json").read_text("utf-8"))
    entries = [
        TopicEntry(
            slug=item["slug"],
            name=item["name"],
            aliases=tuple(item.get("aliases", ())),
            tutorialbank=tuple(item.get("tutorialbank", ())),
            token_surface=item.get("token_surface"),
        )
        for item in raw
    ]
    return Vocabulary(entries, load_token_names(tutorialbank_csv()))
