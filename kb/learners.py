"""Learners and their progress. A learner proves who they are with a token (`kb.tokens`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb import tokens
from kb.errors import InputError, NotFoundError
from kb.models import Learner, LearnerResource, LearnerTopic, Resource, Topic
from kb.values import KNOWN_STATES, LearnerState


@dataclass(frozen=True)
class Progress:
    """A learner's states by topic slug and by resource id."""

    topics: dict[str, str]
    resources: dict[int, str]

    @property
    def known(self) -> frozenset[str]:
        return frozenset(s for s, state in self.topics.items() if state in KNOWN_STATES)

    @property
    def finished_resources(self) -> frozenset[int]:
        return frozenset(i for i, state in self.resources.items() if state in {"done", "skipped"})


def create(
    session: Session,
    *,
    name: str | None = None,
    known: list[str] = (),
    goals: list[str] = (),
    prefer: list[str] = (),
    max_hours: float | None = None,
) -> tuple[Learner, str]:
    """A new learner and their token, shown this once."""
    token = tokens.new()
    learner = Learner(
        id=secrets.token_hex(8),
        name=name,
        token_hash=tokens.digest(token),
        goals=",".join(_existing_topics(session, goals, "goals")),
        prefer=",".join(prefer),
        max_hours=max_hours,
        created_at=_now(),
    )
    session.add(learner)
    for slug in _existing_topics(session, known, "known"):
        set_topic_state(session, learner, slug, "known")
    session.flush()
    return learner, token


def get(session: Session, learner_id: str) -> Learner:
    learner = session.get(
        Learner,
        learner_id,
        options=[selectinload(Learner.topics).selectinload(LearnerTopic.topic)],
    )
    if learner is None:
        raise NotFoundError(f"no learner {learner_id!r}")
    return learner


def holder(session: Session, token: str) -> Learner | None:
    """The learner a token belongs to, or None."""
    return session.scalar(select(Learner).where(Learner.token_hash == tokens.digest(token)))


def update(session: Session, learner: Learner, **changes) -> Learner:
    """Change name, goals, prefer or max_hours; what is not given stays."""
    if "goals" in changes:
        learner.goals = ",".join(_existing_topics(session, changes.pop("goals"), "goals"))
    if "prefer" in changes:
        learner.prefer = ",".join(changes.pop("prefer"))
    for field, value in changes.items():
        setattr(learner, field, value)
    session.flush()
    return learner


def set_topic_state(
    session: Session, learner: Learner, slug: str, state: LearnerState
) -> LearnerTopic:
    topic = session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        raise NotFoundError(f"no topic {slug!r}")
    row = session.get(LearnerTopic, (learner.id, topic.id)) or LearnerTopic(
        learner_id=learner.id, topic_id=topic.id, topic=topic
    )
    row.state, row.updated_at = state, _now()
    session.add(row)
    return row


def set_resource_state(
    session: Session, learner: Learner, resource_id: int, state: LearnerState
) -> LearnerResource:
    if session.get(Resource, resource_id) is None:
        raise NotFoundError(f"no resource {resource_id}")
    row = session.get(LearnerResource, (learner.id, resource_id)) or LearnerResource(
        learner_id=learner.id, resource_id=resource_id
    )
    row.state, row.updated_at = state, _now()
    session.add(row)
    return row


def progress(session: Session, learner: Learner) -> Progress:
    topics = session.execute(
        select(Topic.slug, LearnerTopic.state)
        .join(LearnerTopic, LearnerTopic.topic_id == Topic.id)
        .where(LearnerTopic.learner_id == learner.id)
    )
    resources = session.execute(
        select(LearnerResource.resource_id, LearnerResource.state).where(
            LearnerResource.learner_id == learner.id
        )
    )
    return Progress(dict(topics.tuples().all()), dict(resources.tuples().all()))


def split(value: str) -> list[str]:
    return [part for part in value.split(",") if part]


def _existing_topics(session: Session, slugs, what: str) -> list[str]:
    slugs = list(dict.fromkeys(slugs))
    found = set(session.scalars(select(Topic.slug).where(Topic.slug.in_(slugs))))
    missing = [s for s in slugs if s not in found]
    if missing:
        raise InputError(what, f"unknown topic(s): {', '.join(missing)}")
    return slugs


def _now() -> datetime:
    return datetime.now(UTC)
