"""The personal-data scan over the whole demo catalogue agrees with the demo's own classification.

Every stored file of every demo dataset is scanned. A dataset the demo publishes as öffentlich without
personal data must not be proposed stricter (a false alarm makes the product look wrong); a dataset the
demo marks as containing personal data must be detected as personal (recall must not drop).

    .venv/bin/python -m tests.test_demo_scan      # prints the per-dataset table
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.catalog.tabular import TABULAR_FORMATS
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.demo import load_demo
from kikz.governance.scan import scan_distribution
from kikz.models import Base
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.types import ProtectionClass
from tests.conftest import POSTGRES_URL, database_url, service_unavailable


@dataclass
class Row:
    """One demo dataset: what the demo says and what the scan of its tabular files proposes."""

    name: str
    title: str
    demo_class: ProtectionClass | None
    demo_personal: bool | None
    proposed: ProtectionClass | None
    proposed_personal: bool
    files: int
    reasons: list[str]

    def line(self) -> str:
        demo = f"{self.demo_class.value if self.demo_class else '-':18} {self.demo_personal!s:5}"
        scan = f"{self.proposed.value if self.proposed else '-':18} {self.proposed_personal!s:5}"
        return f"{self.name[:44]:44} {demo} | {scan} {'; '.join(self.reasons)[:140]}"


def scan_demo(session: Session, store: FileStore) -> list[Row]:
    """Scan every stored tabular distribution; per dataset the strictest proposal of its files."""
    rows = []
    for dataset in session.scalars(select(Dataset).order_by(Dataset.name)):
        proposed: ProtectionClass | None = None
        personal = False
        reasons: list[str] = []
        files = 0
        for dist in dataset.distributions:
            if not dist.is_stored_file or (dist.format or "").upper() not in TABULAR_FORMATS:
                continue  # a PDF or a link is not checked; the scan says so and proposes vertraulich
            files += 1
            proposal = scan_distribution(session, distribution=dist, store=store).proposal
            if proposed is None or proposal.protection_class.rank > proposed.rank:
                proposed = proposal.protection_class
            personal = personal or bool(proposal.contains_personal_data)
            reasons += [
                f"{r.column}:{r.detector}" for r in proposal.reasons if f"{r.column}:{r.detector}" not in reasons
            ]
        rows.append(
            Row(
                dataset.name,
                dataset.title,
                dataset.protection_class,
                dataset.contains_personal_data,
                proposed,
                personal,
                files,
                reasons,
            )
        )
    return rows


def _load(settings: Settings) -> tuple[list[Row], Engine]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    store = FileStore(settings.files_dir)
    with factory.begin() as session:
        ensure_reference_data(session)
    with factory.begin() as session:
        load_demo(session, store=store, settings=settings)
    with factory() as session:
        rows = scan_demo(session, store)
        session.rollback()
    return rows, engine


def _settings(data_dir: Path, schema: str | None) -> Settings:
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=database_url(schema),
        demo_data=False,
        base_url="http://testserver",
        _env_file=None,
    )


@pytest.fixture(scope="module")
def demo_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Row]]:
    schema = None
    admin = None
    if POSTGRES_URL:
        schema = "t_demoscan_" + uuid.uuid4().hex[:10]
        admin = make_engine(POSTGRES_URL)
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:
            admin.dispose()
            service_unavailable("PostgreSQL", exc)
    rows, engine = _load(_settings(tmp_path_factory.mktemp("demoscan") / "var", schema))
    yield rows
    engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_every_demo_dataset_with_tables_is_scanned(demo_rows: list[Row]) -> None:
    scanned = [r for r in demo_rows if r.files]
    assert len(scanned) >= 40
    assert all(r.proposed is not None for r in scanned)


def test_open_data_without_personal_data_is_not_proposed_stricter(demo_rows: list[Row]) -> None:
    wrong = [
        r.line()
        for r in demo_rows
        if r.files
        and r.demo_class == ProtectionClass.OEFFENTLICH
        and r.demo_personal is False
        and (r.proposed is None or r.proposed.rank > ProtectionClass.OEFFENTLICH.rank or r.proposed_personal)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_demo_dataset_without_personal_data_is_flagged_personal(demo_rows: list[Row]) -> None:
    wrong = [r.line() for r in demo_rows if r.files and r.demo_personal is False and r.proposed_personal]
    assert not wrong, "\n".join(wrong)


def test_every_demo_dataset_with_personal_data_is_detected(demo_rows: list[Row]) -> None:
    personal = [r for r in demo_rows if r.files and r.demo_personal]
    assert len(personal) >= 5
    missed = [r.line() for r in personal if not r.proposed_personal]
    assert not missed, "\n".join(missed)
    for r in personal:
        # Art. 9 data (HR absence reasons, religion in payroll) must reach streng vertraulich as the demo says
        floor = max(ProtectionClass.VERTRAULICH.rank, r.demo_class.rank if r.demo_class else 0)
        assert r.proposed is not None and r.proposed.rank >= floor, r.line()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows, engine = _load(_settings(Path(tmp) / "var", None))
        engine.dispose()
    print(f"{'dataset':44} {'demo class':18} {'pers.':5} | {'proposal':18} {'pers.':5} reasons")
    for r in rows:
        print(r.line() + ("" if r.files else "  (no table)"))


if __name__ == "__main__":
    main()
