"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from kb import db
from kb.models import Base


def test_models_and_migrations_do_not_drift(template):
    _, url = template
    command.check(db.alembic_config(url))  # raises when autogenerate would emit operations


def test_migrations_go_down_and_up_again(database_url):
    config = db.alembic_config(database_url)
    command.downgrade(config, "base")
    engine = db.make_engine(database_url)
    try:
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert set(Base.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
