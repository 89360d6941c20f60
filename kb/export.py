"""The knowledge base as one JSON document, deterministic: the same database gives the same bytes.

Lists are sorted by stable keys (slugs, canonical URLs, edition ids and positions), never by the
order rows happened to be written in.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb.models import Edition, Mention, Prerequisite, Resource, ResourceTopic, Source, Topic


def export(session: Session) -> dict:
    sources = session.scalars(select(Source).options(selectinload(Source.editions)))
    topics = session.scalars(select(Topic).options(selectinload(Topic.aliases)))
    prerequisites = session.scalars(
        select(Prerequisite).options(
            selectinload(Prerequisite.topic),
            selectinload(Prerequisite.requires),
            selectinload(Prerequisite.evidence),
        )
    )
    resources = session.scalars(
        select(Resource).options(
            selectinload(Resource.taught).selectinload(ResourceTopic.topic),
            selectinload(Resource.mentions).selectinload(Mention.section),
        )
    )
    return {
        "sources": sorted((_source(s) for s in sources), key=lambda s: s["id"]),
        "topics": sorted(
            (
                {
                    "slug": t.slug,
                    "name": t.name,
                    "aliases": sorted(a.alias for a in t.aliases),
                    "origin": t.origin,
                    "confidence": t.confidence,
                    "reason": t.reason,
                }
                for t in topics
            ),
            key=lambda t: t["slug"],
        ),
        "prerequisites": sorted(
            (_prerequisite(p) for p in prerequisites), key=lambda p: (p["topic"], p["requires"])
        ),
        "resources": sorted((_resource(r) for r in resources), key=lambda r: r["url_key"]),
    }


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _source(source: Source) -> dict:
    return {
        "id": source.id,
        "title": source.title,
        "author": source.author,
        "editions": [_edition(e) for e in sorted(source.editions, key=lambda e: e.id)],
    }


def _edition(edition: Edition) -> dict:
    return {
        "id": edition.id,
        "format": edition.format,
        "origin": edition.origin,
        "sha256": edition.sha256,
        "title": edition.title,
    }


def _prerequisite(prerequisite: Prerequisite) -> dict:
    return {
        "topic": prerequisite.topic.slug,
        "requires": prerequisite.requires.slug,
        "origin": prerequisite.origin,
        "rule": prerequisite.rule,
        "reason": prerequisite.reason,
        "confidence": prerequisite.confidence,
        "evidence": [
            {"edition": e.edition_id, "sentence": e.sentence}
            for e in sorted(prerequisite.evidence, key=lambda e: (e.edition_id, e.sentence))
        ],
    }


def _resource(resource: Resource) -> dict:
    return {
        "url": resource.url,
        "url_key": resource.url_key,
        "title": resource.title,
        "kind": resource.kind,
        "kind_rule": resource.kind_rule,
        "kind_confidence": resource.kind_confidence,
        "access": resource.access,
        "url_case_uncertain": resource.url_case_uncertain,
        "topics": sorted(
            (
                {"topic": link.topic.slug, "relevance": link.relevance, "rule": link.rule}
                for link in resource.taught
            ),
            key=lambda link: link["topic"],
        ),
        "mentions": [
            {
                "edition": m.edition_id,
                "section": m.section.title if m.section else None,
                "anchor": m.anchor,
                "context": m.context,
                "linked": m.url is not None,
            }
            for m in sorted(resource.mentions, key=lambda m: (m.edition_id, m.position))
        ],
    }
