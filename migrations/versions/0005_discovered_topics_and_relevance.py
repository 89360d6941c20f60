"""topics discovered in guides, with a confidence and a reason; what each mention says its
resource teaches; how relevant a resource is to each of its topics, and by which rule

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Topics and links made before come from the vocabulary and from the anchor; the next
    # import of their guide decides them again.
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=12), nullable=False, server_default="vocabulary")
        )
        batch_op.add_column(
            sa.Column("confidence", sa.Float(), nullable=False, server_default="1.0")
        )
        batch_op.add_column(sa.Column("reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.alter_column("origin", server_default=None)
        batch_op.alter_column("confidence", server_default=None)
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topics", sa.JSON(), nullable=True))
    with op.batch_alter_table("resource_topic", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("relevance", sa.Float(), nullable=False, server_default="1.0")
        )
        batch_op.add_column(
            sa.Column("rule", sa.String(length=40), nullable=False, server_default="anchor")
        )
    with op.batch_alter_table("resource_topic", schema=None) as batch_op:
        batch_op.alter_column("relevance", server_default=None)
        batch_op.alter_column("rule", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("resource_topic", schema=None) as batch_op:
        batch_op.drop_column("rule")
        batch_op.drop_column("relevance")
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_column("topics")
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_column("reason")
        batch_op.drop_column("confidence")
        batch_op.drop_column("origin")
