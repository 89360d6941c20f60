"""maintainers; jobs with an owner, a GPU share, a script's claims and a log; event origins

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "maintainer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintainer")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_maintainer_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_maintainer_name")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claims", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("log", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("learner_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("maintainer_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("gpu_share", sa.Float(), nullable=False, server_default="0"))
        batch_op.create_index(
            "ix_job_learner_id_created_at", ["learner_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_job_maintainer_id"), ["maintainer_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_job_learner_id_learner"),
            "learner",
            ["learner_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_job_maintainer_id_maintainer"),
            "maintainer",
            ["maintainer_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint("one_owner", "learner_id IS NULL OR maintainer_id IS NULL")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.alter_column("gpu_share", server_default=None)

    # Events stored before this revision: the host's notes, else what the job printed.
    with op.batch_alter_table("job_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=10), nullable=False, server_default="runner")
        )
    op.execute(
        "UPDATE job_event SET origin = 'script' "
        "WHERE job_id IN (SELECT id FROM job WHERE script IS NOT NULL)"
    )
    op.execute("UPDATE job_event SET origin = 'system' WHERE kind = 'requeued'")
    op.execute(
        "UPDATE job_event SET origin = 'system' WHERE kind = 'error' AND "
        "CAST(data AS TEXT) LIKE '%\"worker_lost\"%'"
    )
    with op.batch_alter_table("job_event", schema=None) as batch_op:
        batch_op.alter_column("origin", server_default=None)
        batch_op.create_check_constraint("origin", "origin IN ('system', 'runner', 'script')")


def downgrade() -> None:
    with op.batch_alter_table("job_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_job_event_origin"), type_="check")
        batch_op.drop_column("origin")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_job_one_owner"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_job_maintainer_id_maintainer"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_job_learner_id_learner"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_job_maintainer_id"))
        batch_op.drop_index("ix_job_learner_id_created_at")
        batch_op.drop_column("gpu_share")
        batch_op.drop_column("maintainer_id")
        batch_op.drop_column("learner_id")
        batch_op.drop_column("log")
        batch_op.drop_column("claims")
    op.drop_table("maintainer")
