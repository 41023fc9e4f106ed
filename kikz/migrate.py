"""Schema migrations (Alembic) and first-start preparation of a database."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

from kikz.settings import Settings

MIGRATIONS_DIR = Path(str(resources.files("kikz") / "migrations"))


def alembic_config(url: str, engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False), engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False), engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def prepare(settings: Settings, engine: Engine) -> dict[str, int] | None:
    """Migrate to the newest schema, add reference data and, on an empty catalogue, the demo content."""
    from kikz.catalog.vocabularies import ensure_reference_data
    from kikz.db import make_sessionmaker, transaction
    from kikz.storage import FileStore

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        ensure_reference_data(session)
    if not settings.demo_data:
        return None
    if "municipality" in inspect(engine).get_table_names():
        with transaction(factory) as session:
            from sqlalchemy import func, select

            from kikz.tenancy.models import Municipality

            if session.scalar(select(func.count()).select_from(Municipality)):
                return None
            from kikz.demo import load_demo

            summary = load_demo(session, store=FileStore(settings.files_dir), settings=settings)
            return dict(vars(summary)) if hasattr(summary, "__dict__") else None
    return None


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def stamp(engine: Engine, revision: str = "head") -> None:
    """Mark a database whose schema was built from the models as being at ``revision``."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False), engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.stamp(cfg, revision)
