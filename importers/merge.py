"""Everything one source's editions say, together: repaired, deduplicated, with provenance.

`merge` is a pure function of the set of editions (never of the order they were imported in):
editions are visited in a canonical order, damaged text is repaired against the others, resources
that link-less editions only name are attached to the links the other editions have, and the
prerequisites the editions state are collected with their sentences.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from importers.document import ParsedDocument
from importers.sentences import Sentences, normalize_space, split_sentences
from kb.extraction import prerequisites, relevance, topics
from kb.extraction.relevance import Relevance
from kb.extraction.topics import (
    PREREQUISITE_COLUMN,
    PREREQUISITE_HEADING,
    SUBJECT_COLUMN,
    Discovered,
)
from kb.extraction.vocabulary import Vocabulary
from kb.repair import Restorer, is_case_damaged, skeleton
from kb.urls import is_web_url, normalize_url

_MIN_NAME_WORDS = 2  # a one-word name ("Keras") is too common to count as naming a resource
_MIN_NAME_CHARS = 8
_FOLLOWING_SECTIONS = 3  # "start with X" speaks of the next few sections, not the whole guide
_OPENING_PARAGRAPHS = 3  # where a guide says what it is about, when its title does not
_TITLE_SHARE = 0.8  # a sentence this much of which is a link's text is that work's title


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
    topics: tuple[Relevance, ...] = ()  # what this mention says its resource teaches


@dataclass
class Merged:
    title: str
    author: str | None
    subject: tuple[str, ...]  # what the whole guide teaches
    vocabulary: Vocabulary  # the base vocabulary and the topics these editions introduce
    discovered: dict[str, Discovered] = field(default_factory=dict)  # by slug
    sections: list[SectionFacts] = field(default_factory=list)
    mentions: list[MentionFacts] = field(default_factory=list)
    statements: list[prerequisites.Statement] = field(default_factory=list)
    negations: list[prerequisites.Negation] = field(default_factory=list)
    topics: set[str] = field(default_factory=set)


def merge(editions: list[EditionDoc], vocabulary: Vocabulary) -> Merged:
    editions = sorted(editions, key=lambda e: e.sha256)
    damaged = {e.id for e in editions if is_case_damaged(_all_text(e.document))}
    references = [e.document for e in editions if e.id not in damaged]
    discovered = _discovered(references, vocabulary)
    vocabulary = vocabulary.extended(topics.entry(d) for d in discovered.values())
    restorer = Restorer(
        [_all_text(d) for d in references],
        [link.url for d in references for link in d.links],
        vocabulary,
    )
    title, author = _title_and_author(editions, damaged, restorer)
    levels = {skeleton(s.title)[0]: s.level for d in references for s in d.sections}
    merged = Merged(title, author, _subject(title, references, vocabulary), vocabulary, discovered)
    for edition in editions:
        repair = _Repair(restorer if edition.id in damaged else None)
        sections = _sections(edition, repair, levels, vocabulary)
        merged.sections += sections
        merged.mentions += _linked_mentions(edition, repair, sections, vocabulary)
        found, denied = _statements(edition, merged, repair, vocabulary)
        merged.statements += found
        merged.negations += denied
        merged.topics.update(vocabulary.slugs_in(_all_text(edition.document)))
    merged.mentions += _named_mentions(editions, merged, vocabulary)
    merged.statements += _stages(editions, merged, vocabulary)
    # What the guide denies anywhere is not stored from another of its sentences either.
    denied = {(n.topic, n.requires) for n in merged.negations}
    merged.statements = [s for s in merged.statements if (s.topic, s.requires) not in denied]
    merged.topics.update(s.topic for s in merged.statements)
    merged.topics.update(s.requires for s in merged.statements)
    merged.topics.update(t.slug for m in merged.mentions for t in m.topics)
    return merged


def _subject(title: str, documents: list[ParsedDocument], vocabulary) -> tuple[str, ...]:
    """What the guide teaches: the first topic its title names, else the first its opening
    paragraphs name."""
    openings = [title] + [p.text for d in documents for p in d.paragraphs[:_OPENING_PARAGRAPHS]]
    return next(((found[0],) for text in openings if (found := vocabulary.slugs_in(text))), ())


def _discovered(documents: list[ParsedDocument], vocabulary: Vocabulary) -> dict[str, Discovered]:
    """The topics the sound editions introduce, once each (by key): the surest finding, then
    the first name in alphabetical order, so that the order of editions does not matter."""
    best: dict[str, Discovered] = {}
    for document in documents:
        for found in topics.discover(document, vocabulary):
            known = best.get(found.key)
            if known is None or (-found.confidence, found.name) < (-known.confidence, known.name):
                best[found.key] = found
    by_slug = {}
    for found in best.values():
        entry = topics.entry(found)
        if entry.slug not in vocabulary.entries:
            by_slug.setdefault(entry.slug, found)
    return by_slug


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


def _linked_mentions(
    edition: EditionDoc, repair: _Repair, sections: list[SectionFacts], vocabulary: Vocabulary
) -> list[MentionFacts]:
    inferred = edition.document.format == "lynx"
    paragraphs = edition.document.paragraphs
    links = edition.document.links
    links_in = Counter(link.paragraph for link in links if is_web_url(link.url))
    mentions = []
    for position, link in enumerate(links):
        url, certain = repair.url(link.url)
        if not is_web_url(url):
            continue
        anchor, context = repair.phrase(link.anchor), repair.phrase(link.context)
        block = paragraphs[link.paragraph] if link.paragraph < len(paragraphs) else None
        mentions.append(
            MentionFacts(
                url_key=normalize_url(url),
                edition=edition.id,
                section=link.section,
                position=position,
                anchor=anchor,
                context=context,
                url=url,
                url_case_uncertain=not certain,
                anchor_inferred=inferred,
                topics=tuple(
                    relevance.of_mention(
                        anchor=anchor,
                        url=url,
                        sentence=context,
                        block=block,
                        section_topics=_section_topics(sections, link.section),
                        vocabulary=vocabulary,
                        alone=links_in[link.paragraph] == 1,
                    )
                ),
            )
        )
    return mentions


def _section_topics(sections: list[SectionFacts], index: int | None) -> tuple[str, ...]:
    return sections[index].topics if index is not None and index < len(sections) else ()


def _named_mentions(
    editions: list[EditionDoc], merged: Merged, vocabulary: Vocabulary
) -> list[MentionFacts]:
    """Mentions by name in editions without links, attached to the resources others link.

    Where names of several resources match the same words, the resource whose linked mention's
    sentence is most like this sentence wins ("Neural Networks Demystified by Stephen Welch -
    video series" goes to the video the published post links there)."""
    unlinked = [edition for edition in editions if not edition.document.links]
    names: dict[str, list[tuple[re.Pattern[str], MentionFacts]]] = {}
    for mention in merged.mentions if unlinked else ():
        words = re.findall(r"[^\W_]+", mention.anchor.lower())
        if len(words) >= _MIN_NAME_WORDS and len(skeleton(mention.anchor)[0]) >= _MIN_NAME_CHARS:
            pattern = re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)", re.I)
            names.setdefault(pattern.pattern, []).append((pattern, mention))
    found: list[MentionFacts] = []
    for edition in unlinked:
        sections = [s for s in merged.sections if s.edition == edition.id]
        position = 0
        for paragraph in edition.document.paragraphs:
            sentences = Sentences(paragraph.text)
            for start, anchor, mention in _best_matches(paragraph.text, names, sentences):
                context = sentences.at(start)
                taught = relevance.of_mention(
                    anchor=anchor,
                    url=None,
                    sentence=context,
                    block=paragraph,
                    section_topics=_section_topics(sections, paragraph.section),
                    vocabulary=vocabulary,
                )
                found.append(
                    MentionFacts(
                        url_key=mention.url_key,
                        edition=edition.id,
                        section=paragraph.section,
                        position=position,
                        anchor=anchor,
                        context=context,
                        url=None,
                        topics=tuple(taught),
                    )
                )
                position += 1
    return found


def _best_matches(text: str, names, sentences: Sentences):
    candidates = []
    for entries in names.values():
        match = entries[0][0].search(text)
        if match is None:
            continue
        sentence = sentences.at(match.start())
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


def _statements(edition: EditionDoc, merged: Merged, repair: _Repair, vocabulary):
    """What the edition's sentences and structure say requires what, and what they deny."""
    document = edition.document
    sections = [s for s in merged.sections if s.edition == edition.id]
    topics_of = _nearest_topics(sections)
    following = {}
    requirements = {s.position for s in sections if PREREQUISITE_HEADING.search(s.title)}
    links = defaultdict(list)
    for mention in merged.mentions:
        if mention.edition == edition.id and mention.url is not None:
            links[mention.context].extend(t.slug for t in mention.topics if t.relevance >= 0.7)
    sentences = []
    structure: list[prerequisites.Statement] = []
    listed = _listed(document, vocabulary)
    anchors = defaultdict(list)  # by paragraph and sentence: each sentence reads its own links
    for link in document.links:
        anchors[(link.paragraph, link.context)].append(normalize_space(link.anchor))
    asked: dict[int, str] = {}  # the question an item of each depth asks, if any
    for position, paragraph in enumerate(document.paragraphs):
        index = paragraph.section
        if index not in following:
            following[index] = _following_topics(sections, index)
        in_requirements = index in requirements
        context = prerequisites.Context(
            edition=edition.id,
            section=_parent_topics(sections, topics_of, index)
            if in_requirements
            else topics_of.get(index, ()),
            following=following[index],
            subject=merged.subject,
            requirements=in_requirements,
            listed=listed.get(position, ()),
        )
        for start, end in split_sentences(paragraph.text):
            text = normalize_space(paragraph.text[start:end])
            if _not_the_author_s(text, anchors.get((position, text), ())):
                continue
            recommended = tuple(dict.fromkeys(links.get(text, ())))
            # The list after a paragraph ending in ":" is what its last sentence introduces.
            introduces = context.listed if text.endswith(":") else ()
            sentences.append((text, replace(context, recommended=recommended, listed=introduces)))
        if paragraph.kind == "item":
            question = asked.get(paragraph.depth - 1)
            if question is not None:
                structure += prerequisites.from_answer(
                    question, normalize_space(paragraph.text), context, vocabulary
                )
            asked = {d: q for d, q in asked.items() if d < paragraph.depth}
            asked[paragraph.depth] = normalize_space(paragraph.text)
        if in_requirements:
            structure += prerequisites.from_requirements_block(
                normalize_space(paragraph.text), context, vocabulary
            )
    found, negations = prerequisites.stated(sentences, vocabulary)
    found += structure + _from_tables(document, edition.id, vocabulary)
    anchors_of = defaultdict(list)
    for link in document.links:
        anchors_of[link.section].append(link.anchor)
    for index, section in enumerate(sections):
        context = prerequisites.Context(edition.id, subject=merged.subject)
        found += prerequisites.from_heading(section.title, context, vocabulary, ())
        found += prerequisites.from_library_section(
            section.title, anchors_of[index], context, vocabulary
        )
        negations += prerequisites.denied_by_heading(section.title, context, vocabulary)
    # Evidence is quoted in its repaired form; a sound edition's sentences are kept as they are.
    found = [replace(s, sentence=repair.phrase(s.sentence)) for s in found]
    return found, negations


def _not_the_author_s(sentence: str, anchors: Sequence[str]) -> bool:
    """A question asks rather than states ("Can I learn ML without a CS degree?"), and a
    sentence that is mostly a link's text is another work's title ("What you need to know about
    data mining"): neither says what requires what."""
    if sentence.rstrip(" \"'*_)\u201d").endswith("?"):
        return True
    return any(
        len(anchor) >= _TITLE_SHARE * len(sentence) for anchor in anchors if anchor in sentence
    )


def _listed(document: ParsedDocument, vocabulary) -> dict[int, tuple[str, ...]]:
    """For each paragraph ending with a colon, what the list right after it names."""
    listed: dict[int, tuple[str, ...]] = {}
    paragraphs = document.paragraphs
    introducing = None
    for position, paragraph in enumerate(paragraphs):
        if paragraph.kind == "item" and introducing is not None:
            found = vocabulary.slugs_in(paragraph.text)
            listed[introducing] = tuple(dict.fromkeys([*listed.get(introducing, ()), *found]))
            continue
        introducing = position if paragraph.text.rstrip().endswith(":") else None
    return listed


def _nearest_topics(sections: list[SectionFacts]) -> dict[int, tuple[str, ...]]:
    """Each section's topics, or those of the nearest section above it that has any."""
    nearest: dict[int, tuple[str, ...]] = {}
    stack: list[SectionFacts] = []
    for index, section in enumerate(sections):
        while stack and stack[-1].level >= section.level:
            stack.pop()
        stack.append(section)
        nearest[index] = next((s.topics for s in reversed(stack) if s.topics), ())
    return nearest


def _parent_topics(sections, topics_of, index: int) -> tuple[str, ...]:
    """What a Prerequisites section's items are required by: the topics of the section above
    it (the guide's subject when there is none)."""
    level = sections[index].level
    for above in range(index - 1, -1, -1):
        if sections[above].level < level:
            return topics_of.get(above, ())
    return ()


def _from_tables(document: ParsedDocument, edition: int, vocabulary) -> list:
    """Statements of the tables whose rows have a subject and a Prerequisites cell."""
    rows: dict[int, dict[str, str]] = defaultdict(dict)
    order: dict[int, list[str]] = defaultdict(list)
    for paragraph in document.paragraphs:
        if paragraph.kind == "cell" and paragraph.row is not None:
            column = paragraph.column or ""
            rows[paragraph.row][column] = paragraph.text
            order[paragraph.row].append(column)
    parsed = []
    for row, cells in rows.items():
        columns = order[row]
        requirement = next((c for c in columns if PREREQUISITE_COLUMN.search(c)), None)
        if requirement is None:
            continue
        subject_column = next((c for c in columns if SUBJECT_COLUMN.match(c)), columns[0])
        subject = re.sub(r"\s*\(.*$", "", cells[subject_column])
        named = vocabulary.slugs_in(subject.split(":", 1)[-1]) or vocabulary.slugs_in(subject)
        parsed.append(prerequisites.Row(subject, tuple(named), cells[requirement]))
    return prerequisites.from_table(parsed, edition, vocabulary)


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


def _stages(editions: list[EditionDoc], merged: Merged, vocabulary):
    """Stage edges from the edition with the richest outline (most heading levels, sections)."""

    def outline(edition: EditionDoc):
        levels = {s.level for s in edition.document.sections}
        return (len(levels), len(edition.document.sections), edition.sha256)

    if not editions:
        return []
    primary = max(editions, key=outline)
    sections = [s for s in merged.sections if s.edition == primary.id]
    return prerequisites.stages(
        [(s.level, s.title, s.topics) for s in sections], primary.id, vocabulary
    )
