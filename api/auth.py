"""Learners prove who they are with `Authorization: Bearer <token>`, the secret returned once at
creation. No token, or one nobody holds: 401. Another learner's token: 403, which says nothing
about whether the learner asked for exists."""

from __future__ import annotations

from flask import request

from api import knowledge
from api.problems import ProblemError
from kb import learners
from kb.models import Learner

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="learners"'}


def authorized(learner_id: str) -> Learner:
    """The learner, if the request carries their token; else 401 or 403."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401, "send the learner's token: Authorization: Bearer <token>", headers=CHALLENGE
        )
    holder = learners.holder(knowledge.session(), token.strip())
    if holder is None:
        raise ProblemError(401, "this token belongs to no learner", headers=CHALLENGE)
    if holder.id != learner_id:
        raise ProblemError(403, "this token belongs to another learner")
    return holder
