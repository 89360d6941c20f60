"""Learners: create one, mark topics and resources, ask what to learn next.

Everything about a learner needs their bearer token (see api.auth).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Blueprint, request
from pydantic import BaseModel, Field

from api import knowledge
from api.auth import authorized
from api.http import limiter, operation
from api.problems import ProblemError
from api.routes.paths import Kind, learning_graph_of, resolve_topics
from api.schemas import TopicRef
from kb import learners, paths
from kb.models import Learner

bp = Blueprint("learners", __name__)

State = Literal["known", "learning", "done", "skipped"]
NEXT_DEFAULT = 10


class NewLearner(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    known: list[str] = Field(default=[], max_length=200, description="topics already known")
    goals: list[str] = Field(default=[], max_length=10, description="topics to reach")
    prefer: list[Kind] = Field(default=[], description="resource kinds, most wanted first")
    max_hours: float | None = Field(default=None, gt=0, le=100_000)


class LearnerChange(BaseModel):
    """Only the fields given change."""

    name: str | None = Field(default=None, max_length=200)
    goals: list[str] | None = Field(default=None, max_length=10)
    prefer: list[Kind] | None = None
    max_hours: float | None = Field(default=None, gt=0, le=100_000)


class StateChange(BaseModel):
    state: State


class TopicState(BaseModel):
    slug: str
    name: str
    state: State
    updated_at: datetime


class ResourceState(BaseModel):
    id: int
    title: str
    state: State
    updated_at: datetime


class LearnerOut(BaseModel):
    id: str
    name: str | None
    goals: list[TopicRef]
    prefer: list[str]
    max_hours: float | None
    created_at: datetime
    topics: list[TopicState]
    resources: list[ResourceState]


class CreatedLearner(LearnerOut):
    token: str = Field(description="the learner's secret; shown only this once")


class NextTopic(BaseModel):
    topic: TopicRef
    toward_goals: bool = Field(description="on the way to one of the learner's goals")
    requires: list[str] = Field(description="its prerequisites, all known or done")


class NextTopics(BaseModel):
    goals: list[TopicRef]
    items: list[NextTopic]


class NextQuery(BaseModel):
    limit: int = Field(default=NEXT_DEFAULT, ge=1, le=200)


@operation(
    bp,
    "POST",
    "/learners",
    body=NewLearner,
    response=CreatedLearner,
    status=201,
    summary="Create a learner",
    tags=["learners"],
)
@limiter.limit("30 per minute;300 per day")
def create_learner(body: NewLearner):
    """Returns the learner with a secret `token`, needed by every other learner operation."""
    catalog = knowledge.catalog()
    session = knowledge.session()
    learner, token = learners.create(
        session,
        name=body.name,
        known=resolve_topics(catalog, body.known, "known"),
        goals=resolve_topics(catalog, body.goals, "goals"),
        prefer=list(body.prefer),
        max_hours=body.max_hours,
    )
    session.commit()
    shown = CreatedLearner(**_learner(learner).model_dump(), token=token)
    return shown, 201, {"Location": f"{request.root_path}/api/v1/learners/{learner.id}"}


@operation(
    bp,
    "GET",
    "/learners/<learner_id>",
    response=LearnerOut,
    roles=["learner"],
    summary="A learner's goals and progress",
    tags=["learners"],
)
def get_learner(learner_id: str) -> LearnerOut:
    return _learner(authorized(learner_id))


@operation(
    bp,
    "PATCH",
    "/learners/<learner_id>",
    body=LearnerChange,
    response=LearnerOut,
    roles=["learner"],
    summary="Change a learner's name, goals, preferred kinds or time budget",
    tags=["learners"],
)
def change_learner(learner_id: str, body: LearnerChange) -> LearnerOut:
    learner = authorized(learner_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("goals") is not None:
        changes["goals"] = resolve_topics(knowledge.catalog(), changes["goals"], "goals")
    learners.update(knowledge.session(), learner, **changes)
    knowledge.session().commit()
    return _learner(learner)


@operation(
    bp,
    "DELETE",
    "/learners/<learner_id>",
    roles=["learner"],
    summary="Delete a learner and their progress",
    tags=["learners"],
)
def delete_learner(learner_id: str):
    session = knowledge.session()
    session.delete(authorized(learner_id))
    session.commit()


@operation(
    bp,
    "PUT",
    "/learners/<learner_id>/topics/<slug>",
    body=StateChange,
    response=TopicState,
    roles=["learner"],
    summary="Mark a topic known, learning, done or skipped",
    tags=["learners"],
)
def put_topic_state(learner_id: str, slug: str, body: StateChange) -> TopicState:
    learner = authorized(learner_id)
    found = knowledge.catalog().find(slug)
    if found is None:
        raise ProblemError(404, f"no topic {slug!r}")
    row = learners.set_topic_state(knowledge.session(), learner, found, body.state)
    knowledge.session().commit()
    return TopicState(slug=found, name=row.topic.name, state=row.state, updated_at=row.updated_at)


@operation(
    bp,
    "PUT",
    "/learners/<learner_id>/resources/<resource_id>",
    body=StateChange,
    response=ResourceState,
    roles=["learner"],
    summary="Mark a resource known, learning, done or skipped",
    tags=["learners"],
)
def put_resource_state(learner_id: str, resource_id: str, body: StateChange) -> ResourceState:
    learner = authorized(learner_id)
    resource = (
        knowledge.catalog().resources.get(int(resource_id)) if resource_id.isdigit() else None
    )
    if resource is None:
        raise ProblemError(404, f"no resource {resource_id!r}")
    row = learners.set_resource_state(knowledge.session(), learner, resource.id, body.state)
    knowledge.session().commit()
    return ResourceState(
        id=resource.id, title=resource.title, state=row.state, updated_at=row.updated_at
    )


@operation(
    bp,
    "GET",
    "/learners/<learner_id>/next",
    query=NextQuery,
    response=NextTopics,
    roles=["learner"],
    summary="Topics the learner can start now",
    tags=["learners"],
)
def next_topics(learner_id: str, query: NextQuery) -> NextTopics:
    """Topics not yet known or done whose prerequisites all are, those on the way to the
    learner's goals first."""
    learner = authorized(learner_id)
    catalog = knowledge.catalog()
    graph = knowledge.derived("learning-graph", learning_graph_of)
    goals = [g for g in learners.split(learner.goals) if g in catalog.topics]
    progress = learners.progress(knowledge.session(), learner)
    toward = paths.on_the_way(graph, goals)
    ready = paths.next_topics(catalog, graph, goals, progress.known)[: query.limit]
    return NextTopics(
        goals=[TopicRef.of(catalog, g) for g in goals],
        items=[
            NextTopic(
                topic=TopicRef.of(catalog, t.slug),
                toward_goals=t.slug in toward,
                requires=sorted(graph.predecessors(t.slug)),
            )
            for t in ready
        ],
    )


def _learner(learner: Learner) -> LearnerOut:
    catalog = knowledge.catalog()
    return LearnerOut(
        id=learner.id,
        name=learner.name,
        goals=[
            TopicRef.of(catalog, g) for g in learners.split(learner.goals) if g in catalog.topics
        ],
        prefer=learners.split(learner.prefer),
        max_hours=learner.max_hours,
        created_at=learner.created_at,
        topics=[
            TopicState(slug=t.topic.slug, name=t.topic.name, state=t.state, updated_at=t.updated_at)
            for t in learner.topics
        ],
        resources=[
            ResourceState(
                id=r.resource_id, title=r.resource.title, state=r.state, updated_at=r.updated_at
            )
            for r in learner.resources
        ],
    )
