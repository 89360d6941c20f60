"""Write imported documents into the knowledge base, in the caller's transaction.

An import adds editions, then rebuilds every source that gained one from all of that source's
editions (`importers.merge`), so the graph does not depend on the order of import. Inputs already
imported (same sha256) change nothing. The caller commits, or rolls back on any error.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, selectinload

from importers.merge import EditionDoc, Merged, merge
from importers.registry import decode, parse_text
from kb import db
from kb.extraction import prerequisites
from kb.extraction.relevance import Relevance
from kb.extraction.topics import Discovered, identity_key
from kb.extraction.vocabulary import Vocabulary, default_vocabulary
from kb.models import (
    Edition,
    Mention,
    Prerequisite,
    PrerequisiteEvidence,
    Resource,
    ResourceTopic,
    Section,
    Source,
    Topic,
    TopicAlias,
)
from kb.resources import MentionView, describe_all
from kb.sources import group_editions


@dataclass(frozen=True)
class ImportInput:
    origin: str  # the path or URL as given
    data: bytes
    format: str | None = None  # None: detected from the content
    charset: str | None = None  # the encoding the server declared, if any


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)  # origins of new editions
    unchanged: list[str] = field(default_factory=list)  # origins already imported
    sources: list[int] = field(default_factory=list)
    rejected: list[prerequisites.Rejected] = field(default_factory=list)


def import_inputs(
    session: Session,
    inputs: Iterable[ImportInput],
    vocabulary: Vocabulary | None = None,
    on_parsed: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the inputs into `session`'s transaction; `on_parsed(origin)` follows progress.
    Imports run one at a time: a second waits for the first to end (`db.serialize`). The
    knowledge base's version is the caller's to stamp."""
    db.serialize(session, "import")
    vocabulary = vocabulary or default_vocabulary()
    report = ImportReport()
    known = set(session.scalars(select(Edition.sha256)))
    fresh = []  # (input, sha256, text, document)
    for item in inputs:
        sha = hashlib.sha256(item.data).hexdigest()
        if sha in known:  # imported before, so already known to be valid: nothing to parse
            report.unchanged.append(item.origin)
        else:
            known.add(sha)
            text = decode(item.data, item.origin, item.charset)  # InputError on bad input
            fresh.append((item, sha, text, parse_text(text, item.origin, item.format)))
        if on_parsed:
            on_parsed(item.origin)
    if not fresh:
        return report
    sources = _assign_sources(session, [document for *_, document in fresh])
    for (item, sha, text, document), source in zip(fresh, sources, strict=True):
        session.add(
            Edition(
                source=source,
                format=document.format,
                origin=item.origin,
                sha256=sha,
                title=document.title,
                author=document.author,
                published=document.date,
                content=text,
            )
        )
        report.added.append(item.origin)
    session.flush()
    parsed = {sha: document for _, sha, _, document in fresh}
    for source in dict.fromkeys(sources):
        report.rejected += rebuild_source(session, source, vocabulary, parsed)
        report.sources.append(source.id)
    return report


def _assign_sources(session: Session, documents) -> list[Source]:
    existing: dict[int, list[str]] = defaultdict(list)
    for source_id, content in session.execute(select(Edition.source_id, Edition.content)):
        existing[source_id].append(content)
    owners = group_editions(existing, [_text(d) for d in documents])
    created: dict[int, Source] = {}
    result = []
    for owner, document in zip(owners, documents, strict=True):
        if owner >= 0:
            result.append(session.get(Source, owner))
            continue
        if owner not in created:
            created[owner] = Source(
                title=document.title or "Untitled guide", author=document.author
            )
            session.add(created[owner])
        result.append(created[owner])
    return result


def _text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def rebuild_source(session: Session, source: Source, vocabulary: Vocabulary, parsed=None):
    """Replace everything derived from the source's editions by a fresh merge of them all.

    `parsed` maps sha256 to the documents this import already parsed; other editions are parsed
    again from the text stored with them."""
    parsed = parsed or {}
    editions = list(source.editions)
    ids = [e.id for e in editions]
    docs = [
        EditionDoc(
            e.id, e.sha256, parsed.get(e.sha256) or parse_text(e.content, e.origin, e.format)
        )
        for e in editions
    ]
    merged = merge(docs, vocabulary)
    vocabulary = merged.vocabulary  # with the topics these editions introduce
    source.title, source.author = merged.title, merged.author
    touched = set(session.scalars(select(Mention.resource_id).where(Mention.edition_id.in_(ids))))
    session.execute(delete(Mention).where(Mention.edition_id.in_(ids)))
    session.execute(delete(PrerequisiteEvidence).where(PrerequisiteEvidence.edition_id.in_(ids)))
    session.execute(delete(Section).where(Section.edition_id.in_(ids)))
    session.flush()
    wanted = set(merged.topics) | {t for s in merged.sections for t in s.topics}
    topics = _ensure_topics(session, wanted, vocabulary, merged.discovered)
    sections = _write_sections(session, merged, topics)
    touched |= _write_mentions(session, merged, sections, topics)
    session.flush()
    _refresh_resources(session, touched)
    return _write_prerequisites(session, merged, topics)


def _ensure_topics(
    session: Session,
    wanted: set[str],
    vocabulary: Vocabulary,
    discovered: dict[str, Discovered],
) -> dict[str, Topic]:
    """All topics by the slugs these editions use, creating the wanted ones that are missing,
    with their aliases. A topic another guide discovered under another spelling is the same one
    (its name or an alias has the same key): this one's spelling becomes an alias of it."""
    rows = list(session.scalars(select(Topic).options(selectinload(Topic.aliases))))
    topics = {t.slug: t for t in rows}
    by_key = {
        identity_key(name): t for t in rows for name in (t.name, *(a.alias for a in t.aliases))
    }
    taken = {a.alias.casefold() for t in rows for a in t.aliases}
    for slug in sorted(wanted - set(topics)):
        entry = vocabulary.entries[slug]
        found = discovered.get(slug)
        topic = by_key.get(identity_key(entry.name)) if found else None
        if topic is None:
            topic = Topic(slug=slug, name=entry.name[:200], origin="vocabulary", confidence=1.0)
            if found is not None:
                topic.origin, topic.confidence = "discovered", found.confidence
                topic.reason = f"{found.reason}: {found.evidence}"[:500]
            session.add(topic)
        names = [entry.name, *entry.aliases, *(f"id{n}" for n in entry.tutorialbank)]
        for alias in names:
            folded = alias.casefold()
            if folded not in taken and folded != topic.name.casefold():
                taken.add(folded)
                topic.aliases.append(TopicAlias(alias=alias[:200]))
        topics[slug] = topic
    session.flush()
    return topics


def _write_sections(session, merged: Merged, topics) -> dict[tuple[int, int], Section]:
    rows = {}
    for facts in merged.sections:
        row = Section(
            edition_id=facts.edition,
            position=facts.position,
            level=facts.level,
            title=facts.title[:500],
            topic_id=topics[facts.topics[0]].id if facts.topics else None,
        )
        session.add(row)
        rows[(facts.edition, facts.position)] = row
    session.flush()
    return rows


def _write_mentions(session, merged: Merged, sections, topics) -> set[int]:
    """Insert the mentions, and a placeholder for each resource not yet known, in bulk: a
    guide may hold tens of thousands of links, and an ORM object each costs more than the
    rest of the import. Returns the ids of the resources mentioned."""
    keys = {m.url_key for m in merged.mentions}
    resource_ids = _resource_ids(session, keys)
    missing = sorted(keys - set(resource_ids))
    if missing:
        # Placeholder facts; _refresh_resources decides them from all the mentions.
        placeholder = {
            "kind": "other",
            "kind_rule": "default",
            "kind_confidence": 0.0,
            "access": "unknown",
            "url_case_uncertain": False,
        }
        _insert_all(
            session,
            Resource,
            [{"url_key": k, "url": k, "title": k[:500], **placeholder} for k in missing],
        )
        resource_ids |= _resource_ids(session, set(missing))
    rows = []
    for facts in merged.mentions:
        section = sections.get((facts.edition, facts.section))
        rows.append(
            {
                "resource_id": resource_ids[facts.url_key],
                "edition_id": facts.edition,
                "section_id": section.id if section else None,
                "position": facts.position,
                "anchor": facts.anchor[:1000],
                "context": facts.context[:4000],
                "url": facts.url,
                "url_case_uncertain": facts.url_case_uncertain,
                "anchor_inferred": facts.anchor_inferred,
                "topics": [
                    {"topic": topics[t.slug].slug, "relevance": t.relevance, "rule": t.rule}
                    for t in facts.topics
                ],
            }
        )
    _insert_all(session, Mention, rows)
    return set(resource_ids.values())


def _insert_all(session: Session, model, rows: list[dict]) -> None:
    """One executemany below the ORM, whose bulk path costs as much again as the rows' own
    work: a guide may hold tens of thousands of links."""
    if rows:
        session.connection().execute(insert(model.__table__), rows)


# Values per IN list: far below what SQLite and PostgreSQL accept in one statement.
_CHUNK = 5000


def _chunks(values) -> Iterable[list]:
    ordered = sorted(values)
    return (ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK))


def _resource_ids(session: Session, keys: set[str]) -> dict[str, int]:
    found = {}
    for chunk in _chunks(keys):
        query = select(Resource.url_key, Resource.id).where(Resource.url_key.in_(chunk))
        found.update(session.execute(query).all())
    return found


_MENTION_VIEW = select(
    Mention.resource_id,
    Mention.anchor,
    Mention.context,
    Mention.url,
    Mention.url_case_uncertain,
    Mention.anchor_inferred,
    Section.title.label("section_title"),
    Mention.topics,
).outerjoin(Section, Mention.section_id == Section.id)


def _refresh_resources(session: Session, ids: set[int]) -> None:
    """Decide each resource's facts anew from all its mentions, in bulk; a resource no longer
    mentioned is deleted."""
    keys: dict[int, str] = {}
    views: dict[int, list[MentionView]] = defaultdict(list)
    for chunk in _chunks(ids):
        session.execute(delete(ResourceTopic).where(ResourceTopic.resource_id.in_(chunk)))
        query = select(Resource.id, Resource.url_key).where(Resource.id.in_(chunk))
        keys.update(session.execute(query).all())
        mentions = _MENTION_VIEW.where(Mention.resource_id.in_(chunk)).order_by(
            Mention.resource_id, Mention.edition_id, Mention.position
        )
        for row in session.execute(mentions):
            views[row.resource_id].append(_view(row))
    for chunk in _chunks(set(keys) - set(views)):
        session.execute(delete(Resource).where(Resource.id.in_(chunk)))
    kept = sorted(views)
    if not kept:
        return
    described = describe_all([(keys[i], views[i]) for i in kept])
    topic_ids = {slug: id_ for slug, id_ in session.execute(select(Topic.slug, Topic.id))}
    resources = Resource.__table__
    facts_of = (
        "url",
        "url_case_uncertain",
        "title",
        "kind",
        "kind_rule",
        "kind_confidence",
        "access",
    )
    session.connection().execute(
        update(resources)
        .where(resources.c.id == bindparam("resource_id"))
        .values({name: bindparam(name) for name in facts_of}),
        [
            {
                "resource_id": i,
                **{name: getattr(facts, name) for name in facts_of},
                "title": facts.title[:500],
            }
            for i, facts in zip(kept, described, strict=True)
        ],
    )
    taught = [
        {"resource_id": i, "topic_id": topic_ids[t.slug], "relevance": t.relevance, "rule": t.rule}
        for i, facts in zip(kept, described, strict=True)
        for t in facts.topics
    ]
    _insert_all(session, ResourceTopic, taught)


def _view(row) -> MentionView:
    return MentionView(
        anchor=row.anchor,
        context=row.context,
        url=row.url,
        url_case_uncertain=row.url_case_uncertain,
        anchor_inferred=row.anchor_inferred,
        section_title=row.section_title,
        topics=tuple(Relevance(t["topic"], t["relevance"], t["rule"]) for t in row.topics or ()),
    )


# A stated relation outranks one from structure, which outranks one suggested by order.
_ORIGIN_RANK = {"stated": 3, "structure": 2, "suggested-order": 1}


def _write_prerequisites(session: Session, merged: Merged, topics) -> list[prerequisites.Rejected]:
    # Prerequisites no edition supports any more go; the rest are the other sources'.
    orphans = select(Prerequisite.id).where(~Prerequisite.evidence.any())
    session.execute(delete(Prerequisite).where(Prerequisite.id.in_(orphans)))
    rows = {t.slug: t for t in topics.values()}
    slugs = {t.id: t.slug for t in rows.values()}
    existing = {
        (slugs[p.topic_id], slugs[p.requires_id]): p for p in session.scalars(select(Prerequisite))
    }
    grouped: dict[tuple[str, str], list[prerequisites.Statement]] = defaultdict(list)
    for statement in merged.statements:
        edge = (topics[statement.topic].slug, topics[statement.requires].slug)
        if edge[0] != edge[1]:  # two spellings of one topic
            grouped[edge].append(statement)

    def best(statements: list[prerequisites.Statement]) -> list[prerequisites.Statement]:
        rank = max(_ORIGIN_RANK[s.origin] for s in statements)
        return [s for s in statements if _ORIGIN_RANK[s.origin] == rank]

    def priority(edge):
        chosen = best(grouped[edge])
        return (-_ORIGIN_RANK[chosen[0].origin], -len({s.edition for s in chosen}), edge)

    kept, rejected = prerequisites.acyclic(existing, sorted(grouped, key=priority))
    for edge in kept:
        chosen = best(grouped[edge])
        row = existing.get(edge)
        if row is None:
            row = Prerequisite(topic_id=rows[edge[0]].id, requires_id=rows[edge[1]].id)
            session.add(row)
        if _ORIGIN_RANK.get(row.origin, 0) <= _ORIGIN_RANK[chosen[0].origin]:
            rules = sorted(chosen, key=lambda s: (s.rule, s.reason))
            row.origin = chosen[0].origin
            row.rule = rules[0].rule
            row.reason = rules[0].reason
            editions = len({s.edition for s in chosen})
            base = max(s.confidence for s in chosen)
            row.confidence = round(min(0.95, base + 0.05 * (editions - 1)), 2)
        for edition, sentence in sorted({(s.edition, s.sentence[:2000]) for s in chosen}):
            row.evidence.append(PrerequisiteEvidence(edition_id=edition, sentence=sentence))
    session.flush()
    return rejected
