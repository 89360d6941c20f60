"""Which topics a mentioned resource teaches, on evidence, each with a relevance and its rule.

A resource teaches a topic when the guide says so, not because it sits in a section:

- `anchor` (0.9): the link's own text names the topic ("Linear Algebra for Deep Learning");
- `url` (0.7): the words of its URL's path name it (".../intro-to-reinforcement-learning");
- `sentence` (0.6): the sentence that recommends it names the topic: one that is about the
  link (a list item, a table row, a short line) or that says what it teaches ("a great
  introduction to X", "for X, see ...");
- `section list` (0.5): it is an item of a list of material under the topic's heading (the
  item mostly the link itself, not a remark that happens to hold one).

An aside in running prose, a quotation, a footnote or a person ("Douglas R. Hofstadter") teaches
nothing of the section's topic. A resource's relevance to a topic is the best of its mentions'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from importers.document import Paragraph
from kb.extraction.vocabulary import Vocabulary

ANCHOR, URL, SENTENCE, SECTION_LIST = 0.9, 0.7, 0.6, 0.5
LIST_ITEM_WORDS = 30  # an item or cell this short is about its link
LINK_SHARE = 0.4  # or its link's text is at least this share of it
# What a sentence says when it tells what a resource teaches.
_TEACHES = re.compile(
    r"\b(?:introduction|intro|guide|tutorial|course|lectures?|book|overview|primer|crash course)"
    r"\s+(?:to|on|in|for|about)\b|\b(?:explains?|covers?|teach(?:es)?|introduces?|learn(?:ing)?"
    r"|understand(?:ing)?|about)\b|^\W*for\b",
    re.I,
)
# A name with an initial ("Douglas R. Hofstadter", "J. Schmidhuber"), or a title before it.
_PERSON = re.compile(
    r"^(?:(?:Dr|Prof)\.?\s+)?[A-Z][a-z]*\.?(?:\s+[A-Z]\.)*(?:\s+[A-Z][a-z'\-]+){1,2}$"
)
_INITIAL = re.compile(r"(?:^|\s)[A-Z]\.(?:\s|$)|^(?:Dr|Prof)\b")
_PERSON_SITES = re.compile(r"(?:twitter\.com|x\.com|linkedin\.com/in|facebook\.com)/", re.I)


@dataclass(frozen=True)
class Relevance:
    slug: str
    relevance: float
    rule: str


def of_mention(
    *,
    anchor: str,
    url: str | None,
    sentence: str,
    block: Paragraph | None,
    section_topics: tuple[str, ...],
    vocabulary: Vocabulary,
) -> list[Relevance]:
    """The topics one mention says its resource teaches, best rule first per topic."""
    found: dict[str, Relevance] = {}

    def add(slugs, relevance: float, rule: str) -> None:
        for slug in slugs:
            if slug not in found or found[slug].relevance < relevance:
                found[slug] = Relevance(slug, relevance, rule)

    named = vocabulary.slugs_in(anchor)
    add(named, ANCHOR, "anchor")
    if url:
        add(vocabulary.slugs_in(_path_words(url)), URL, "url")
    if not named and _is_person(anchor, url, sentence):
        return list(found.values())
    kind = block.kind if block is not None else "paragraph"
    about_the_link = kind in ("item", "cell") and _mostly_the_link(anchor, block)
    if kind not in ("quote", "footnote"):
        if about_the_link or _TEACHES.search(sentence):
            add(vocabulary.slugs_in(sentence), SENTENCE, "sentence")
        if about_the_link:
            add(section_topics, SECTION_LIST, "section list")
    return sorted(found.values(), key=lambda r: (-r.relevance, r.slug))


def _mostly_the_link(anchor: str, block: Paragraph | None) -> bool:
    if block is None:
        return False
    words = len(block.text.split())
    return words <= LIST_ITEM_WORDS or len(anchor) >= LINK_SHARE * len(block.text)


def _is_person(anchor: str, url: str | None, sentence: str) -> bool:
    """A link to someone: their profile on a social site, or their name as its text, told by
    an initial or a title ("Douglas R. Hofstadter") or by the sentence ("a post by Jane Doe")."""
    if url and _PERSON_SITES.search(url):
        return True
    name = anchor.strip()
    if not _PERSON.match(name):
        return False
    return bool(_INITIAL.search(name)) or f"by {name}" in sentence


def _path_words(url: str) -> str:
    """The words of a URL's path: ".../intro-to-reinforcement_learning.html" -> "intro to
    reinforcement learning html"."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return ""
    return re.sub(r"[/\-_.+%]+", " ", path)
