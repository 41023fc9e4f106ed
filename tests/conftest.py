"""Test fixtures: every test gets a real, fresh database (an SQLite file, or PostgreSQL with ``--postgres``).

Set ``KIKZ_TEST_POSTGRES_URL`` (e.g. postgresql://postgres@127.0.0.1:5432/test) to run the whole suite on
PostgreSQL; ``KIKZ_REQUIRE_SERVICES=1`` (set by .ci/run) turns an unreachable service into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from kikz.db import make_engine, make_sessionmaker
from kikz.models import Base
from kikz.settings import Settings

POSTGRES_URL = os.environ.get("KIKZ_TEST_POSTGRES_URL", "")
REQUIRE_SERVICES = os.environ.get("KIKZ_REQUIRE_SERVICES", "") == "1"
_SCHEMAS: dict[int, str] = {}


def _postgres_engine() -> Engine:
    """A fresh schema in the test database, so parallel and repeated runs never see each other's rows."""
    admin = make_engine(POSTGRES_URL)
    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        if REQUIRE_SERVICES:
            raise RuntimeError(f"PostgreSQL at {POSTGRES_URL} is required in CI but not reachable: {exc}") from exc
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    finally:
        admin.dispose()
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    _SCHEMAS[id(engine)] = schema
    return engine


def _drop_postgres_schema(engine: Engine) -> None:
    schema = _SCHEMAS.pop(id(engine))
    engine.dispose()
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=POSTGRES_URL,
        demo_data=False,
        base_url="http://testserver",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = _postgres_engine() if POSTGRES_URL else make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    from kikz.catalog.vocabularies import ensure_reference_data

    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        ensure_reference_data(session)
    yield engine
    if POSTGRES_URL:
        _drop_postgres_schema(engine)
    else:
        engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose changes the test commits itself when it needs them visible elsewhere."""
    with session_factory() as session:
        yield session
        session.rollback()
