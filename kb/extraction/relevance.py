"""Which topics a mentioned resource teaches, on evidence, each with a relevance and its rule.

A resource teaches a topic when the guide says so, not because it sits in a section:

- `anchor` (0.9): the link's own text names the topic ("Linear Algebra for Deep Learning");
  0.55 where the guide names the work in passing rather than offers it ("the title alludes
  to The Unreasonable Effectiveness of Mathematics");
- `url` (0.7): the words of its URL's path name it (".../intro-to-reinforcement-learning");
- `sentence` (0.6): the sentence that recommends it names the topic: one that is about the
  link (a list item, a table row, a short line) or that says what it teaches ("a great
  introduction to X", "for X, see ...");
- `section list` (0.5): it is an item of a list of material under the topic's heading (the
  item mostly the link itself, or about its only link, not a remark that holds several), or a
  citation of the work it links ("Deep learning." Nature, 2015. [pdf]).

An aside in running prose, a quotation, a footnote or a person ("Douglas R. Hofstadter") teaches
nothing of the section's topic. A resource's relevance to a topic is the best of its mentions'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from importers.document import Paragraph
from kb.extraction.vocabulary import Vocabulary

ANCHOR, URL, SENTENCE, SECTION_LIST, IN_PASSING = 0.9, 0.7, 0.6, 0.5, 0.55
LIST_ITEM_WORDS = 30  # an item or cell this short is about its link
LONGEST_ITEM_WORDS = 90  # and one this short, about its only link
LINK_SHARE = 0.4  # or its link's text is at least this share of it
# What a sentence says when it tells what a resource teaches.
_TEACHES = re.compile(
    r"\b(?:introduction|intro|guide|tutorial|course|lectures?|book|overview|primer|crash course)"
    r"\s+(?:to|on|in|for|about)\b|\b(?:explains?|covers?|teach(?:es)?|introduces?|learn(?:ing)?"
    r"|understand(?:ing)?|about|recommend\w*|suggest\w*|see|read|check out|start with|watch)\b"
    r"|^\W*for\b",
    re.I,
)
# A name with an initial ("Douglas R. Hofstadter", "J. Schmidhuber"), or a title before it.
_PERSON = re.compile(
    r"^(?:(?:Dr|Prof)\.?\s+)?[A-Z][a-z]*\.?(?:\s+[A-Z]\.)*(?:\s+[A-Z][a-z'\-]+){1,2}$"
)
_QUOTED_TITLE = re.compile(r"[\"\u201c][^\"\u201d]{8,300}[\"\u201d]")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
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
    alone: bool = False,
) -> list[Relevance]:
    """The topics one mention says its resource teaches, best rule first per topic. `alone`:
    the only link of its block, which a list item or cell then is about (a citation with its
    "[pdf]" link)."""
    found: dict[str, Relevance] = {}

    def add(slugs, relevance: float, rule: str) -> None:
        for slug in slugs:
            if slug not in found or found[slug].relevance < relevance:
                found[slug] = Relevance(slug, relevance, rule)

    kind = block.kind if block is not None else "paragraph"
    listed = kind in ("item", "cell")
    about_the_link = listed and (_mostly_the_link(anchor, block) or (alone and not _long(block)))
    about_the_link = about_the_link or (alone and _is_citation(block))
    # What the sentence says of the link, not what the link's own title says.
    said = sentence.replace(anchor, " ") if anchor else sentence
    recommended = about_the_link or bool(_TEACHES.search(said))
    named = vocabulary.slugs_in(anchor)
    # A title named in passing ("the title alludes to X"), not offered to learn from, says
    # what the work is about more than what it teaches.
    add(named, ANCHOR if recommended else IN_PASSING, "anchor")
    if url:
        add(vocabulary.slugs_in(_path_words(url)), URL, "url")
    if not named and _is_person(anchor, url, sentence):
        return list(found.values())
    if kind not in ("quote", "footnote"):
        if about_the_link:  # the whole item is about it: a citation's title is in it too
            add(_named_in_block(block.text, vocabulary), SENTENCE, "sentence")
        elif recommended:
            add(vocabulary.slugs_in(sentence), SENTENCE, "sentence")
        if about_the_link:
            add(section_topics, SECTION_LIST, "section list")
    return sorted(found.values(), key=lambda r: (-r.relevance, r.slug))


def _is_citation(block: Paragraph | None) -> bool:
    """A reference to a work: its quoted title and its year ("Deep learning." Nature, 2015)."""
    return block is not None and bool(_QUOTED_TITLE.search(block.text) and _YEAR.search(block.text))


def _long(block: Paragraph) -> bool:
    """An item or cell long enough to be prose rather than what its one link is."""
    return _word_count(block.text) > LONGEST_ITEM_WORDS


def _mostly_the_link(anchor: str, block: Paragraph | None) -> bool:
    if block is None:
        return False
    return len(anchor) >= LINK_SHARE * len(block.text) or _word_count(block.text) <= LIST_ITEM_WORDS


# A block's words are read once, not once per link of it: an item may hold thousands of links.
@lru_cache(maxsize=16)
def _word_count(text: str) -> int:
    return len(text.split())


@lru_cache(maxsize=16)
def _named_in_block(text: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    return tuple(vocabulary.slugs_in(text))


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
