"""the closed value lists of kb.values checked by the database: kinds, access, edition formats,
topic and prerequisite origins, learners' states

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

from kb.values import one_of

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The lists as they were when this revision was written (kb.values holds today's): a later
# change to a list is a revision of its own.
EDITION_FORMATS = ("jekyll-markdown", "lynx", "html", "markdown", "text")
TOPIC_ORIGINS = ("vocabulary", "discovered")
PREREQUISITE_ORIGINS = ("stated", "structure", "suggested-order", "curated", "inferred")
KINDS = (
    "video",
    "course",
    "lecture notes",
    "book",
    "tutorial",
    "article",
    "paper",
    "code repository",
    "notebook",
    "library",
    "dataset",
    "interactive demo",
    "documentation",
    "social post",
    "link collection",
    "other",
)
ACCESS = ("free", "paid", "unknown")
LEARNER_STATES = ("known", "learning", "done", "skipped")
# table -> (constraint name, column, values); the names follow the models' naming convention.
CHECKS = {
    "edition": [("format", "format", EDITION_FORMATS)],
    "topic": [("origin", "origin", TOPIC_ORIGINS)],
    "prerequisite": [("origin", "origin", PREREQUISITE_ORIGINS)],
    "resource": [("kind", "kind", KINDS), ("access", "access", ACCESS)],
    "learner_topic": [("state", "state", LEARNER_STATES)],
    "learner_resource": [("state", "state", LEARNER_STATES)],
}


def upgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, values in checks:
                batch_op.create_check_constraint(name, one_of(column, values))


def downgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _column, _values in checks:
                batch_op.drop_constraint(batch_op.f(f"ck_{table}_{name}"), type_="check")
