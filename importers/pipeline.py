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

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from importers.merge import EditionDoc, Merged, merge
from importers.registry import decode, parse_text
from kb import db, version
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
from kb.resources import MentionView, describe
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
    Imports run one at a time: a second waits for the first to end (`db.serialize`)."""
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
    version.stamp(session)
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
    keys = {m.url_key for m in merged.mentions}
    resources = {
        r.url_key: r for r in session.scalars(select(Resource).where(Resource.url_key.in_(keys)))
    }
    for key in sorted(keys - set(resources)):
        # Placeholder facts; _refresh_resources decides them from all the mentions.
        resources[key] = Resource(
            url_key=key,
            url=key,
            title=key,
            kind="other",
            kind_rule="default",
            kind_confidence=0.0,
            access="unknown",
        )
        session.add(resources[key])
    session.flush()
    for facts in merged.mentions:
        section = (
            sections.get((facts.edition, facts.section)) if facts.section is not None else None
        )
        session.add(
            Mention(
                resource_id=resources[facts.url_key].id,
                edition_id=facts.edition,
                section_id=section.id if section else None,
                position=facts.position,
                anchor=facts.anchor[:1000],
                context=facts.context[:4000],
                url=facts.url,
                url_case_uncertain=facts.url_case_uncertain,
                anchor_inferred=facts.anchor_inferred,
                topics=[
                    {"topic": topics[t.slug].slug, "relevance": t.relevance, "rule": t.rule}
                    for t in facts.topics
                ],
            )
        )
    return {r.id for r in resources.values()}


def _refresh_resources(session: Session, ids: set[int]) -> None:
    rows = session.scalars(
        select(Resource)
        .where(Resource.id.in_(ids))
        .options(selectinload(Resource.mentions).selectinload(Mention.section))
    )
    topic_ids = {slug: id_ for slug, id_ in session.execute(select(Topic.slug, Topic.id))}
    session.execute(delete(ResourceTopic).where(ResourceTopic.resource_id.in_(ids)))
    for resource in rows.all():
        if not resource.mentions:
            session.delete(resource)
            continue
        views = [
            MentionView(
                anchor=m.anchor,
                context=m.context,
                url=m.url,
                url_case_uncertain=m.url_case_uncertain,
                anchor_inferred=m.anchor_inferred,
                section_title=m.section.title if m.section else None,
                topics=tuple(
                    Relevance(t["topic"], t["relevance"], t["rule"]) for t in m.topics or ()
                ),
            )
            for m in resource.mentions
        ]
        facts = describe(resource.url_key, views)
        resource.url = facts.url
        resource.url_case_uncertain = facts.url_case_uncertain
        resource.title = facts.title[:500]
        resource.kind = facts.kind
        resource.kind_rule = facts.kind_rule
        resource.kind_confidence = facts.kind_confidence
        resource.access = facts.access
        for taught in facts.topics:
            session.add(
                ResourceTopic(
                    resource_id=resource.id,
                    topic_id=topic_ids[taught.slug],
                    relevance=taught.relevance,
                    rule=taught.rule,
                )
            )
    session.flush()


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
