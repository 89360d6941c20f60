"""Everything one source's editions say, together: repaired, deduplicated, with provenance.

`merge` is a pure function of the set of editions (never of the order they were imported in):
editions are visited in a canonical order, damaged text is repaired against the others, resources
that link-less editions only name are attached to the links the other editions have, and the
prerequisites the editions state are collected with their sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from importers.document import ParsedDocument
from importers.sentences import normalize_space, sentence_at, split_sentences
from kb import prerequisites
from kb.extraction.vocabulary import Vocabulary
from kb.repair import Restorer, is_case_damaged, skeleton
from kb.urls import is_web_url, normalize_url

_MIN_NAME_WORDS = 2  # a one-word name ("Keras") is too common to count as naming a resource
_MIN_NAME_CHARS = 8
_FOLLOWING_SECTIONS = 3  # "start with X" speaks of the next few sections, not the whole guide


@dataclass(frozen=True)
class EditionDoc:
    id: int
    sha256: str
    document: ParsedDocument


@dataclass(frozen=True)
class SectionFacts:
    edition: int
    position: int
    level: int
    title: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class MentionFacts:
    url_key: str
    edition: int
    section: int | None  # position of the section in its edition
    position: int
    anchor: str
    context: str
    url: str | None
    url_case_uncertain: bool = False
    anchor_inferred: bool = False


@dataclass
class Merged:
    title: str
    author: str | None
    main_topic: str | None
    sections: list[SectionFacts] = field(default_factory=list)
    mentions: list[MentionFacts] = field(default_factory=list)
    statements: list[prerequisites.Statement] = field(default_factory=list)
    topics: set[str] = field(default_factory=set)


def merge(editions: list[EditionDoc], vocabulary: Vocabulary) -> Merged:
    editions = sorted(editions, key=lambda e: e.sha256)
    damaged = {e.id for e in editions if is_case_damaged(_all_text(e.document))}
    references = [e.document for e in editions if e.id not in damaged]
    restorer = Restorer(
        [_all_text(d) for d in references],
        [link.url for d in references for link in d.links],
        vocabulary,
    )
    title, author = _title_and_author(editions, damaged, restorer)
    main = next(iter(vocabulary.slugs_in(title)), None)
    levels = {skeleton(s.title)[0]: s.level for d in references for s in d.sections}
    merged = Merged(title=title, author=author, main_topic=main)
    for edition in editions:
        repair = _Repair(restorer if edition.id in damaged else None)
        merged.sections += _sections(edition, repair, levels, vocabulary)
        merged.mentions += _linked_mentions(edition, repair)
        merged.statements += _stated(edition, merged, repair, vocabulary)
        merged.topics.update(vocabulary.slugs_in(_all_text(edition.document)))
    merged.mentions += _named_mentions(editions, merged.mentions)
    merged.statements += _suggested(editions, merged, vocabulary)
    merged.topics.update(s.topic for s in merged.statements)
    merged.topics.update(s.requires for s in merged.statements)
    return merged


class _Repair:
    """Repairs the text of a damaged edition; leaves a sound edition's text as it is."""

    def __init__(self, restorer: Restorer | None):
        self.restorer = restorer

    def phrase(self, text: str) -> str:
        return self.restorer.phrase(text)[0] if self.restorer else text

    def url(self, url: str) -> tuple[str, bool]:
        return self.restorer.url(url) if self.restorer else (url, True)


def _all_text(document: ParsedDocument) -> str:
    parts = [document.title or ""] + [s.title for s in document.sections]
    return "\n".join(parts + [p.text for p in document.paragraphs])


def _title_and_author(editions, damaged, restorer) -> tuple[str, str | None]:
    """The title most editions share (in its best-cased form), and the most common author."""
    titles = Counter(
        normalize_space(e.document.title).lower() for e in editions if e.document.title
    )
    if not titles:
        return "Untitled guide", None
    common = min(titles, key=lambda t: (-titles[t], t))
    cased = [
        e.document.title
        for e in editions
        if e.id not in damaged and e.document.title and e.document.title.lower() == common
    ]
    title = sorted(cased)[0] if cased else restorer.phrase(common)[0]
    authors = Counter(e.document.author for e in editions if e.document.author)
    author = min(authors, key=lambda a: (-authors[a], a)) if authors else None
    return title, author


def _sections(edition: EditionDoc, repair: _Repair, levels, vocabulary) -> list[SectionFacts]:
    """The edition's sections; a damaged edition takes each heading's level from a sound edition
    with the same heading, since a text dump prints every heading at the same level."""
    return [
        SectionFacts(
            edition.id,
            section.position,
            levels.get(skeleton(section.title)[0], section.level)
            if repair.restorer
            else section.level,
            title := repair.phrase(section.title),
            tuple(vocabulary.slugs_in(title)),
        )
        for section in edition.document.sections
    ]


def _linked_mentions(edition: EditionDoc, repair: _Repair) -> list[MentionFacts]:
    inferred = edition.document.format == "lynx"
    mentions = []
    for position, link in enumerate(edition.document.links):
        url, certain = repair.url(link.url)
        if not is_web_url(url):
            continue
        mentions.append(
            MentionFacts(
                url_key=normalize_url(url),
                edition=edition.id,
                section=link.section,
                position=position,
                anchor=repair.phrase(link.anchor),
                context=repair.phrase(link.context),
                url=url,
                url_case_uncertain=not certain,
                anchor_inferred=inferred,
            )
        )
    return mentions


def _named_mentions(editions: list[EditionDoc], linked: list[MentionFacts]) -> list[MentionFacts]:
    """Mentions by name in editions without links, attached to the resources others link.

    Where names of several resources match the same words, the resource whose linked mention's
    sentence is most like this sentence wins ("Neural Networks Demystified by Stephen Welch -
    video series" goes to the video the published post links there)."""
    names: dict[str, list[tuple[re.Pattern[str], MentionFacts]]] = {}
    for mention in linked:
        words = re.findall(r"[^\W_]+", mention.anchor.lower())
        if len(words) >= _MIN_NAME_WORDS and len(skeleton(mention.anchor)[0]) >= _MIN_NAME_CHARS:
            pattern = re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)", re.I)
            names.setdefault(pattern.pattern, []).append((pattern, mention))
    found: list[MentionFacts] = []
    for edition in editions:
        if edition.document.links:
            continue
        position = 0
        for paragraph in edition.document.paragraphs:
            for start, anchor, mention in _best_matches(paragraph.text, names):
                found.append(
                    MentionFacts(
                        url_key=mention.url_key,
                        edition=edition.id,
                        section=paragraph.section,
                        position=position,
                        anchor=anchor,
                        context=sentence_at(paragraph.text, start),
                        url=None,
                    )
                )
                position += 1
    return found


def _best_matches(text: str, names):
    candidates = []
    for entries in names.values():
        match = entries[0][0].search(text)
        if match is None:
            continue
        sentence = sentence_at(text, match.start())
        for _, mention in entries:
            score = _similarity(sentence, mention.context)
            candidates.append(
                (-(match.end() - match.start()), -score, mention.url_key, match, mention)
            )
    taken: list[tuple[int, int]] = []
    seen: set[str] = set()
    for _, _, key, match, mention in sorted(candidates, key=lambda c: c[:3]):
        overlaps = any(match.start() < e and s < match.end() for s, e in taken)
        if overlaps or key in seen:
            continue
        taken.append((match.start(), match.end()))
        seen.add(key)
        yield match.start(), match.group(), mention


def _similarity(a: str, b: str) -> float:
    words_a, words_b = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    return len(words_a & words_b) / (len(words_a | words_b) or 1)


def _stated(edition: EditionDoc, merged: Merged, repair: _Repair, vocabulary):
    document = edition.document
    sections = [s for s in merged.sections if s.edition == edition.id]
    default = (merged.main_topic,) if merged.main_topic else ()
    sentences = []
    for paragraph in document.paragraphs:
        index = paragraph.section
        context = sections[index].topics if index is not None else ()
        following = _following_topics(sections, index)
        for start, end in split_sentences(paragraph.text):
            text = normalize_space(paragraph.text[start:end])
            sentences.append(
                prerequisites.SentenceInContext(text, edition.id, context, following, default)
            )
    found = prerequisites.stated(sentences, vocabulary)
    # Evidence is quoted in its repaired form; a sound edition's sentences are kept as they are.
    return [replace(s, sentence=repair.phrase(s.sentence)) for s in found]


def _following_topics(sections: list[SectionFacts], index: int | None) -> tuple[str, ...]:
    """The topics "start with X" advice in this section leads to: its subsections' when it has
    some ("Frameworks": Keras, TensorFlow...), else the next sections' at its level."""
    if index is None:
        return ()
    level = sections[index].level
    rest = sections[index + 1 :]
    if rest and rest[0].level > level:
        level = rest[0].level
    following = []
    for section in rest:
        if section.level < level or len(following) == _FOLLOWING_SECTIONS:
            break
        if section.level == level:
            following.append(section)
    return tuple(dict.fromkeys(t for section in following for t in section.topics))


def _suggested(editions: list[EditionDoc], merged: Merged, vocabulary):
    """Order edges from the edition with the richest outline (most heading levels, sections)."""

    def outline(edition: EditionDoc):
        levels = {s.level for s in edition.document.sections}
        return (len(levels), len(edition.document.sections), edition.sha256)

    if not editions:
        return []
    primary = max(editions, key=outline)
    sections = [s for s in merged.sections if s.edition == primary.id]
    return prerequisites.suggested_order(
        [(s.level, s.topics) for s in sections], primary.id, [s.title for s in sections], vocabulary
    )
