"""The knowledge base's version: a digest of the editions it was built from.

Every import that adds an edition stamps a new version in the same transaction, so any process
can tell with one small query whether what it derived from the database (the learning graph, the
search index) is still current.
"""

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from kb.models import Edition, KnowledgeBase

EMPTY = "empty"


def digest(edition_sha256s) -> str:
    """Same editions, same version, whatever order they were imported in."""
    return hashlib.sha256("\n".join(sorted(edition_sha256s)).encode()).hexdigest()[:16]


def stamp(session: Session) -> str:
    version = digest(session.scalars(select(Edition.sha256)))
    row = session.get(KnowledgeBase, 1) or KnowledgeBase(id=1)
    row.version, row.changed_at = version, datetime.now(UTC)
    session.add(row)
    return version


def current(reader: Session | Connection) -> str:
    return reader.scalar(select(KnowledgeBase.version).where(KnowledgeBase.id == 1)) or EMPTY
