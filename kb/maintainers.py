"""Maintainers: people who curate the knowledge base and may run their own sandbox scripts. Each
has a key, shown once, prefixed `kbm_` so that it is told apart from a learner's token at a
glance; revoking a key keeps its maintainer in the records."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import tokens
from kb.errors import InputError, NotFoundError
from kb.models import Maintainer

KEY_PREFIX = "kbm_"
NAME_LENGTH = 100


def add(session: Session, name: str) -> tuple[Maintainer, str]:
    """A new maintainer and their key, shown this once."""
    name = name.strip()
    if not name or len(name) > NAME_LENGTH:
        raise InputError("NAME", f"a maintainer's name has 1 to {NAME_LENGTH} characters")
    if session.scalar(select(Maintainer).where(Maintainer.name == name)) is not None:
        raise InputError("NAME", f"there is already a maintainer {name!r}")
    key = tokens.new(KEY_PREFIX)
    maintainer = Maintainer(
        id=secrets.token_hex(8),
        name=name,
        key_hash=tokens.digest(key),
        created_at=datetime.now(UTC),
    )
    session.add(maintainer)
    session.flush()
    return maintainer, key


def listing(session: Session) -> list[Maintainer]:
    return list(session.scalars(select(Maintainer).order_by(Maintainer.name)))


def revoke(session: Session, name: str) -> Maintainer:
    maintainer = session.scalar(select(Maintainer).where(Maintainer.name == name))
    if maintainer is None:
        raise NotFoundError(f"no maintainer {name!r}")
    if maintainer.revoked_at is None:
        maintainer.revoked_at = datetime.now(UTC)
        session.flush()
    return maintainer


def holder(session: Session, key: str) -> Maintainer | None:
    """The maintainer whose key this is, unless it was revoked."""
    return session.scalar(
        select(Maintainer).where(
            Maintainer.key_hash == tokens.digest(key), Maintainer.revoked_at.is_(None)
        )
    )
