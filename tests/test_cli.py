"""The kikz command line drives the same services (users, roles, tokens, import, export)."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import cli
from kikz.catalog.models import Dataset
from kikz.settings import Settings
from kikz.tenancy.models import User
from kikz.tenancy.service import resolve_api_token
from tests import factories as f

DATA = Path(__file__).parent / "data" / "dcat"


@pytest.fixture
def run(settings: Settings, engine, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> str:
        result = runner.invoke(cli.main, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    invoke.runner = runner  # type: ignore[attr-defined]
    return invoke


def test_user_lifecycle(run, session: Session) -> None:  # type: ignore[no-untyped-def]
    f.city(session, "offenbach")
    session.commit()
    run(
        "user",
        "create",
        "--email",
        "Anna@Offenbach.de",
        "--name",
        "Anna",
        "--password",
        "ein-langes-passwort",
    )
    run("user", "grant", "--email", "anna@offenbach.de", "--city", "offenbach", "--role", "data_steward")
    token = run("user", "token", "--email", "anna@offenbach.de").strip()
    session.expire_all()
    user = session.scalar(select(User).where(User.email == "anna@offenbach.de"))
    assert user is not None and [m.role.value for m in user.memberships] == ["data_steward"]
    assert resolve_api_token(session, token) is not None


def test_errors_are_reported_without_traceback(run) -> None:  # type: ignore[no-untyped-def]
    result = run.runner.invoke(
        cli.main, ["user", "grant", "--email", "x@y.de", "--city", "nirgendwo", "--role", "staff"]
    )
    assert result.exit_code == 2
    assert "Fehler:" in result.output and "Traceback" not in result.output


def test_import_and_export_dcat(run, session: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f.city(session, "giessen")
    session.commit()
    source = DATA / "dcat-ap-de-3.ttl"
    first = run("import", "dcat", str(source), "--city", "giessen")
    again = run("import", "dcat", str(source), "--city", "giessen")
    assert '"created": 0' in again and '"updated": 0' in again and '"created": 0' not in first
    out = tmp_path / "giessen.ttl"
    run("export", "dcat", "--city", "giessen", "--out", str(out))
    graph = rdflib.Graph().parse(out, format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    exported = len(set(graph.subjects(rdflib.RDF.type, dcat.Dataset)))
    assert exported == session.query(Dataset).count() > 0
