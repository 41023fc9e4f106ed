"""Migrations build exactly the schema the models describe, and can be rolled back."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from kikz import migrate
from kikz.db import make_engine
from kikz.models import Base
from kikz.settings import Settings


def test_upgrade_matches_models_and_downgrade_cleans_up(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert migrate.current_revision(engine) is not None
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_entry (at, actor_label, action, entity_type, entity_id) "
                    "VALUES (CURRENT_TIMESTAMP, 'test', 'probe', 'x', '1')"
                )
            )
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entry"))
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert "dataset" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
