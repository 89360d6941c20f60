"""Learners: create one, change or delete one, mark topics and resources, ask what is next.

Topics are named as a user would (slug, name or alias, `kb.snapshot.Snapshot.topics`). Each
function that changes something commits it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kb import learners, paths
from kb.catalog import TopicView
from kb.errors import NotFoundError
from kb.models import Learner, LearnerResource, LearnerTopic
from kb.snapshot import Snapshot
from kb.values import Kind, LearnerState


def create(
    session: Session,
    snapshot: Snapshot,
    *,
    name: str | None,
    known: list[str],
    goals: list[str],
    prefer: list[Kind],
    max_hours: float | None,
) -> tuple[Learner, str]:
    """The new learner and their token, shown only this once."""
    learner, token = learners.create(
        session,
        name=name,
        known=snapshot.topics(known, "known"),
        goals=snapshot.topics(goals, "goals"),
        prefer=list(prefer),
        max_hours=max_hours,
    )
    session.commit()
    return learner, token


def change(session: Session, snapshot: Snapshot, learner: Learner, **changes) -> Learner:
    """Change the fields given (name, goals, prefer, max_hours); the others stay."""
    if changes.get("goals") is not None:
        changes["goals"] = snapshot.topics(changes["goals"], "goals")
    learners.update(session, learner, **changes)
    session.commit()
    return learner


def delete(session: Session, learner: Learner) -> None:
    """The learner and their progress."""
    session.delete(learner)
    session.commit()


def mark_topic(
    session: Session, snapshot: Snapshot, learner: Learner, text: str, state: LearnerState
) -> LearnerTopic:
    slug = snapshot.catalog.find(text)
    if slug is None:
        raise NotFoundError(f"no topic {text!r}")
    row = learners.set_topic_state(session, learner, slug, state)
    session.commit()
    return row


def mark_resource(
    session: Session, snapshot: Snapshot, learner: Learner, resource_id: str, state: LearnerState
) -> LearnerResource:
    resource = snapshot.catalog.resources.get(int(resource_id)) if resource_id.isdigit() else None
    if resource is None:
        raise NotFoundError(f"no resource {resource_id!r}")
    row = learners.set_resource_state(session, learner, resource.id, state)
    session.commit()
    return row


@dataclass(frozen=True)
class Ready:
    """A topic the learner can start now."""

    topic: TopicView
    toward_goals: bool
    requires: list[str]


def next_topics(
    session: Session, snapshot: Snapshot, learner: Learner, limit: int
) -> tuple[list[str], list[Ready]]:
    """The learner's goals, and the topics not yet known or done whose prerequisites all are,
    those on the way to the goals first."""
    catalog, graph = snapshot.catalog, snapshot.graph
    goals = [g for g in learners.split(learner.goals) if g in catalog.topics]
    known = learners.progress(session, learner).known
    toward = paths.on_the_way(graph, goals)
    ready = paths.next_topics(catalog, graph, goals, known)[:limit]
    return goals, [
        Ready(view, view.slug in toward, sorted(graph.predecessors(view.slug))) for view in ready
    ]
