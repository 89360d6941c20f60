"""The knowledge base's version: a digest of the editions it was built from and of the sandbox
examples linked to them.

Every import stamps it (`api.services.imports.import_guides`), once, after the editions and the
examples' links are written, in the same transaction, so any process can tell with one small
query whether what it derived from the database (the learning graph, the search index) is still
current.
"""

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from kb.models import Edition, Example, ExampleTopic, KnowledgeBase, Topic

EMPTY = "empty"


def digest(facts) -> str:
    """Same editions (and examples), same version, whatever order they were imported in."""
    return hashlib.sha256("\n".join(sorted(facts)).encode()).hexdigest()[:16]


def stamp(session: Session) -> str:
    examples = session.execute(
        select(Example.name, Example.resource_id, Topic.slug)
        .outerjoin(ExampleTopic, ExampleTopic.example == Example.name)
        .outerjoin(Topic, Topic.id == ExampleTopic.topic_id)
    )
    facts = [*session.scalars(select(Edition.sha256)), *(f"example {e}" for e in examples)]
    version = digest(facts)
    row = session.get(KnowledgeBase, 1) or KnowledgeBase(id=1)
    row.version, row.changed_at = version, datetime.now(UTC)
    session.add(row)
    return version


def current(reader: Session | Connection) -> str:
    return reader.scalar(select(KnowledgeBase.version).where(KnowledgeBase.id == 1)) or EMPTY


def current_on(dbapi_connection) -> str:
    """The same read on a bare DB-API connection, for a check that runs on every request:
    SQLAlchemy's statement and result machinery cost many times the query itself."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT version FROM knowledge_base WHERE id = 1")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return (row[0] if row else None) or EMPTY
