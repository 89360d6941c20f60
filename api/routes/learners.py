"""Learners: create one, mark topics and resources, ask what to learn next.

Everything about a learner needs their bearer token (see api.auth).
"""

from __future__ import annotations

from flask import Blueprint, request

from api import knowledge
from api.auth import authorized
from api.http import limiter, operation
from api.schemas.common import TopicRef
from api.schemas.learners import (
    CreatedLearner,
    LearnerChange,
    LearnerOut,
    NewLearner,
    NextQuery,
    NextTopic,
    NextTopics,
    ResourceState,
    StateChange,
    TopicState,
)
from api.services import learners
from kb import learners as kb_learners
from kb.models import Learner

bp = Blueprint("learners", __name__)


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
    learner, token = learners.create(
        knowledge.session(),
        knowledge.snapshot(),
        name=body.name,
        known=body.known,
        goals=body.goals,
        prefer=body.prefer,
        max_hours=body.max_hours,
    )
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
    changes = body.model_dump(exclude_unset=True)
    learner = authorized(learner_id)
    return _learner(learners.change(knowledge.session(), knowledge.snapshot(), learner, **changes))


@operation(
    bp,
    "DELETE",
    "/learners/<learner_id>",
    roles=["learner"],
    summary="Delete a learner and their progress",
    tags=["learners"],
)
def delete_learner(learner_id: str):
    learners.delete(knowledge.session(), authorized(learner_id))


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
    row = learners.mark_topic(knowledge.session(), knowledge.snapshot(), learner, slug, body.state)
    return TopicState(
        slug=row.topic.slug, name=row.topic.name, state=row.state, updated_at=row.updated_at
    )


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
    learner, snapshot = authorized(learner_id), knowledge.snapshot()
    row = learners.mark_resource(knowledge.session(), snapshot, learner, resource_id, body.state)
    title = snapshot.catalog.resources[row.resource_id].title
    return ResourceState(
        id=row.resource_id, title=title, state=row.state, updated_at=row.updated_at
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
    snapshot = knowledge.snapshot()
    goals, ready = learners.next_topics(
        knowledge.session(), snapshot, authorized(learner_id), query.limit
    )
    return NextTopics(
        goals=[TopicRef.of(snapshot.catalog, g) for g in goals],
        items=[
            NextTopic(
                topic=TopicRef.of(snapshot.catalog, r.topic.slug),
                toward_goals=r.toward_goals,
                requires=r.requires,
            )
            for r in ready
        ],
    )


def _learner(learner: Learner) -> LearnerOut:
    catalog = knowledge.snapshot().catalog
    return LearnerOut(
        id=learner.id,
        name=learner.name,
        goals=[
            TopicRef.of(catalog, g) for g in kb_learners.split(learner.goals) if g in catalog.topics
        ],
        prefer=kb_learners.split(learner.prefer),
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
