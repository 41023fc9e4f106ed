"""Test fixtures: every test gets a real, fresh database (an SQLite file, or PostgreSQL).

Set ``KIKZ_TEST_POSTGRES_URL`` (e.g. postgresql://postgres@127.0.0.1:5432/test) to run the whole suite on
PostgreSQL, each test in a schema of its own; ``KIKZ_REQUIRE_SERVICES=1`` (set by .ci/run) turns an
unreachable service into a failure instead of a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from kikz.db import make_engine, make_sessionmaker
from kikz.models import Base
from kikz.settings import Settings

POSTGRES_URL = os.environ.get("KIKZ_TEST_POSTGRES_URL", "")
REQUIRE_SERVICES = os.environ.get("KIKZ_REQUIRE_SERVICES", "") == "1"


def service_unavailable(what: str, exc: Exception) -> None:
    """Fail in CI, skip on a developer machine without the service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (KIKZ_REQUIRE_SERVICES=1) but not reachable: {exc}")
    pytest.skip(f"{what} not reachable: {exc}")


@pytest.fixture
def pg_schema() -> Iterator[str | None]:
    if not POSTGRES_URL:
        yield None
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        service_unavailable("PostgreSQL", exc)
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def database_url(pg_schema: str | None) -> str:
    if pg_schema is None:
        return ""
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{pg_schema}"


@pytest.fixture
def settings(tmp_path: Path, pg_schema: str | None) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=database_url(pg_schema),
        demo_data=False,
        embedded_worker=False,
        base_url="http://testserver",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    from kikz.catalog.vocabularies import ensure_reference_data

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine).begin() as session:
        ensure_reference_data(session)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and checking data; commit when the app (another session) must see it."""
    with session_factory() as session:
        yield session
        session.rollback()


@pytest.fixture
def app(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    from kikz.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        yield client
