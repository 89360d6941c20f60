"""GET /paths: the way from what a learner knows to their goals, step by step, explained."""

from __future__ import annotations

from flask import Blueprint

from api import knowledge
from api.auth import authorized
from api.http import Encoded, operation
from api.schemas.paths import LearningPath, PathQuery
from api.services import paths
from kb.snapshot import Snapshot

bp = Blueprint("paths", __name__)


@operation(
    bp,
    "GET",
    "/paths",
    query=PathQuery,
    response=LearningPath,
    summary="Suggest a learning path to one or more goals",
    tags=["paths"],
)
def get_path(query: PathQuery) -> Encoded:
    """Steps in an order that puts every prerequisite first, each with why it is there (quoting
    the guide), resources chosen for it and estimated hours. Topics the learner knows, and what
    they imply, are skipped and listed. With `learner`, send that learner's bearer token: their
    known and done topics, goals, preferred kinds and budget apply unless the query overrides."""
    asked = paths.question(
        knowledge.session(),
        knowledge.snapshot(),
        goals=query.goal,
        known=query.known,
        prefer=query.prefer,
        max_hours=query.max_hours,
        learner=authorized(query.learner) if query.learner else None,
    )
    return knowledge.remembered(_rendered, asked)


def _rendered(snapshot: Snapshot, asked: paths.Question) -> Encoded:
    path = paths.answer(snapshot, asked)
    return Encoded(LearningPath.of(snapshot.catalog, path, dict(asked.states)))
