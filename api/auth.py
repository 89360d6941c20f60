"""Who is asking: `Authorization: Bearer <secret>`, a learner's token (returned once at their
creation) or a maintainer's key (`kb maintainers add`). No secret, or one nobody holds: 401.
Someone known who may not do this (another learner's token, a learner where a maintainer is
needed): 403, which says nothing about whether what was asked for exists."""

from __future__ import annotations

from collections.abc import Sequence

from flask import g, request

from api import knowledge
from kb import identities, learners
from kb.errors import NotAllowed, Unauthenticated
from kb.identities import Identity
from kb.models import Learner
from kb.values import Role

CHALLENGE = 'Bearer realm="kb"'
ROLE_NAMES = {"learner": "a learner's token", "maintainer": "a maintainer's key"}


def caller() -> Identity | None:
    """The request's identity, if it sends a known secret (looked up once per request)."""
    if "kb_identity" not in g:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        secret = secret.strip()
        known = scheme.lower() == "bearer" and secret
        g.kb_identity = identities.of_secret(knowledge.session(), secret) if known else None
    return g.kb_identity


def required(roles: Sequence[Role]) -> Identity:
    """The caller, if they hold one of `roles`; else 401 (unknown) or 403 (another role)."""
    wanted = " or ".join(ROLE_NAMES[role] for role in roles)
    found = caller()
    if found is None:
        message = f"send {wanted}: Authorization: Bearer <secret>"
        raise Unauthenticated(message, challenge=CHALLENGE)
    if found.role not in roles:
        raise NotAllowed(f"this needs {wanted}")
    return found


def authorized(learner_id: str) -> Learner:
    """The learner, if the request carries their own token; else 401 or 403."""
    found = required(["learner"])
    if found.id != learner_id:
        raise NotAllowed("this token belongs to another learner")
    return learners.get(knowledge.session(), learner_id)
