"""Data quality per tabular distribution: the five dimensions on small generated files, schemas, records."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset, Distribution
from kikz.errors import InvalidInput
from kikz.governance.quality import dq, history, service
from kikz.governance.quality.jobs import evaluate_dataset_handler
from kikz.governance.quality.models import DataQualityRecord, DatasetMqaRecord
from kikz.governance.quality.schemas import QualityReport
from kikz.governance.quality.tableschema import check_schema, infer_schema
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy.permissions import ANONYMOUS
from kikz.types import ProtectionClass
from tests import factories

NOW = dt.datetime(2025, 6, 30, 12, tzinfo=dt.UTC)


@pytest.fixture
def store(settings: Settings) -> FileStore:
    return FileStore(settings.files_dir)


def upload(session: Session, store: FileStore, ds: Dataset, text: str, name: str = "tabelle.csv") -> Distribution:
    return catalog.add_file_distribution(
        session,
        principal=factories.admin_principal(session),
        dataset=ds,
        store=store,
        filename=name,
        stream=io.BytesIO(text.encode("utf-8")),
        max_bytes=10_000_000,
    )


def csv(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


def dims(report: QualityReport) -> dict[str, float | None]:
    return {d.key: d.score for d in report.dimensions}


def reasons(report: QualityReport, key: str) -> str:
    return " ".join(next(d for d in report.dimensions if d.key == key).reasons_de)


# --- dimensions on generated files --------------------------------------------------------------------------


def test_completeness_counts_empty_cells(session: Session, store: FileStore) -> None:
    rows = [f"{i};Straße {i};{'' if i % 4 == 0 else i * 10}" for i in range(1, 21)]
    ds = factories.dataset(session)
    dist = upload(session, store, ds, csv("Nr;Straße;Menge", rows))
    report = service.data_quality(session, distribution=dist, store=store, now=NOW)
    assert report.status == "ok" and report.rows_checked == 20
    filled = 60 - 5  # every fourth "Menge" is empty
    assert dims(report)["completeness"] == round(filled / 60 * 100, 1)
    assert "„Menge“: 25,0 % leer" in reasons(report, "completeness")
    menge = next(c for c in report.columns if c.name == "Menge")
    assert menge.non_null_share == 0.75


def test_invalid_dates_and_german_formats(session: Session, store: FileStore) -> None:
    rows = [f"{i};{i:02d}.03.2025;1.234,{i}" for i in range(1, 19)]
    rows += ["19;31.02.2025;5,5", "20;gestern;6,5"]
    ds = factories.dataset(session)
    dist = upload(session, store, ds, csv("Nr;Datum;Betrag", rows))
    assert [c["type"] for c in dist.columns] == ["integer", "date", "number"]
    report = service.data_quality(session, distribution=dist, store=store, now=NOW)
    datum = next(c for c in report.columns if c.name == "Datum")
    assert (datum.invalid, datum.invalid_rows) == (2, [19, 20])
    assert next(c for c in report.columns if c.name == "Betrag").invalid == 0  # "1.234,5" is a number
    assert dims(report)["validity"] == round(58 / 60 * 100, 1)
    assert "„Datum“: 2 Werte passen nicht zum Typ date (z. B. Zeile 19, 20)" in reasons(report, "validity")


def test_duplicate_keys(session: Session, store: FileStore) -> None:
    ids = [*range(1, 19), 5, 7]
    ds = factories.dataset(session)
    dist = upload(session, store, ds, csv("ID;Name", [f"{i};Objekt {n}" for n, i in enumerate(ids)]))
    report = service.data_quality(session, distribution=dist, store=store, now=NOW)
    assert dims(report)["uniqueness"] == 90.0
    assert "2 doppelte Werte (z. B. Zeile 19, 20)" in reasons(report, "uniqueness")


def test_id_like_column_that_repeats_by_design_is_no_key(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session)
    dist = upload(session, store, ds, csv("Linien-Nr;Halt", [f"{i % 3};Halt {i}" for i in range(30)]))
    report = service.data_quality(session, distribution=dist, store=store, now=NOW)
    assert dims(report)["uniqueness"] is None
    assert "wohl kein Schlüssel" in reasons(report, "uniqueness")


@pytest.mark.parametrize(
    ("periodicity", "age_days", "expected"),
    [
        ("MONTHLY", 10, 100.0),
        ("MONTHLY", 100, round((4 - 100 / 31) / 3 * 100, 1)),
        ("MONTHLY", 200, 0.0),
        ("ANNUAL", 100, 100.0),
        ("IRREG", 900, None),
    ],
)
def test_timeliness_against_the_accrual_periodicity(
    session: Session, store: FileStore, periodicity: str, age_days: int, expected: float | None
) -> None:
    ds = factories.dataset(session, accrual_periodicity=periodicity)
    dist = upload(session, store, ds, csv("Datum;Wert", ["01.01.2025;1", "02.01.2025;2"]))
    dist.modified = NOW - dt.timedelta(days=age_days)
    report = service.data_quality(session, distribution=dist, store=store, now=NOW)
    assert dims(report)["timeliness"] == expected
    if expected is not None and expected < 100:
        assert "überfällig" in reasons(report, "timeliness")


def test_consistency_checks(session: Session, store: FileStore) -> None:
    rows = []
    for i in range(1, 61):
        start, end = f"{i % 28 + 1:02d}.04.2025", f"{i % 28 + 1:02d}.05.2025"
        if i == 7:
            start, end = end, start  # begins after it ends
        men, women = i, 2 * i
        total = men + women + (1 if i == 55 else 0)  # one wrong total
        place = "Offenbach" if i != 60 else "Frankfurt"  # same postcode, another place
        rows.append(f"{start};{end};{total};{men};{women};63065;{place}")
    ds = factories.dataset(session)
    dist = upload(session, store, ds, csv("Beginn;Ende;Gesamt;männlich;weiblich;PLZ;Ort", rows))
    report = service.data_quality(session, distribution=dist, store=store, now=NOW)
    text = reasons(report, "consistency")
    assert "„Beginn“ ≤ „Ende“ verletzt in 1 Zeilen (z. B. Zeile 7)" in text
    assert "Summe stimmt in 1 Zeilen nicht" in text and "Zeile 55" in text
    assert "1 Postleitzahl(en) mit mehreren Ortsnamen" in text
    score = dims(report)["consistency"]
    assert score is not None and 90 < score < 100


def test_mixed_spellings_in_a_text_column() -> None:
    rows: list[list[object]] = [["1,5" if i % 2 else "2.5", "x"] for i in range(20)]
    assessment = dq.assess_rows(
        rows,
        header=["Wert", "Notiz"],
        schema={"fields": [{"name": "Wert", "type": "string"}, {"name": "Notiz", "type": "string"}]},
        decimal=",",
        rows_total=20,
    )
    consistency = assessment.dimensions["consistency"]
    assert "„Wert“ mischt Schreibweisen" in " ".join(consistency.reasons_de)
    assert consistency.score == 50.0


def test_steward_schema_constraints_and_primary_key(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session)
    rows = ["1;rot;5", "2;grün;-3", "2;blau;7", "4;lila;8"]
    dist = upload(session, store, ds, csv("Nummer;Farbe;Menge", rows))
    schema = {
        "fields": [
            {"name": "Nummer", "type": "integer"},
            {"name": "Farbe", "type": "string", "constraints": {"enum": ["rot", "grün", "blau"]}},
            {"name": "Menge", "type": "integer", "constraints": {"minimum": 0, "required": True}},
        ],
        "primaryKey": ["Nummer"],
    }
    history.save_table_schema(
        session, principal=factories.admin_principal(session), identifier=dist.identifier, schema=schema
    )
    report = service.data_quality(session, distribution=dist, store=store, now=NOW)
    invalid = {c.name: c.invalid_rows for c in report.columns}
    assert invalid == {"Nummer": [], "Farbe": [4], "Menge": [2]}
    assert dims(report)["uniqueness"] == 75.0
    assert "Primärschlüssel „Nummer“: 1 doppelte Werte" in reasons(report, "uniqueness")
    assert report.table_schema["primaryKey"] == ["Nummer"]


def test_schema_edits_are_checked() -> None:
    columns = ["id", "Datum"]
    with pytest.raises(InvalidInput, match="gibt es in der Datei nicht"):
        check_schema({"fields": [{"name": "Betrag", "type": "number"}]}, columns)
    with pytest.raises(InvalidInput, match="unbekannter Typ"):
        check_schema({"fields": [{"name": "id", "type": "zahl"}]}, columns)
    with pytest.raises(InvalidInput, match="ungültiges Muster"):
        check_schema({"fields": [{"name": "id", "constraints": {"pattern": "("}}]}, columns)
    with pytest.raises(InvalidInput, match="primaryKey"):
        check_schema({"fields": [{"name": "id"}], "primaryKey": ["Datum"]}, columns)
    assert infer_schema([{"name": "Objekt-ID", "type": "string"}])["x-kikz-detectedKey"] == ["Objekt-ID"]


def test_large_files_are_sampled_and_say_so(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session)
    dist = upload(session, store, ds, csv("Nr;Wert", [f"{i};{i}" for i in range(25)]))
    report = service.data_quality(session, distribution=dist, store=store, now=NOW, row_limit=10)
    assert (report.rows_checked, report.rows_total, report.sampled) == (10, 25, True)
    assert "die ersten 10 von 25 Zeilen" in report.message_de


def test_non_tables_and_links_are_not_assessed(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session)
    pdf = catalog.add_file_distribution(
        session,
        principal=factories.admin_principal(session),
        dataset=ds,
        store=store,
        filename="plan.pdf",
        stream=io.BytesIO(b"%PDF-1.4"),
        max_bytes=100,
    )
    link = catalog.add_link_distribution(
        session,
        principal=factories.admin_principal(session),
        dataset=ds,
        access_url="https://daten.example.org/a.csv",
        fmt="CSV",
    )
    assert service.data_quality(session, distribution=pdf, store=store).status == "not_tabular"
    assert service.data_quality(session, distribution=link, store=store).status == "external"
    assert session.scalars(select(DataQualityRecord)).all() == []


# --- records, jobs, trends ---------------------------------------------------------------------------------


def test_evaluation_job_records_mqa_and_data_quality(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session)
    dist = upload(session, store, ds, csv("Nr;Wert", ["1;2", "2;"]))
    evaluate_dataset_handler(store)(session, {"dataset_id": ds.id})
    evaluate_dataset_handler(store)(session, {"dataset_id": 999_999})  # deleted meanwhile: no error
    assert len(session.scalars(select(DatasetMqaRecord)).all()) == 1
    record = session.scalars(select(DataQualityRecord)).one()
    assert (record.distribution_id, record.dataset_id, record.completeness) == (dist.id, ds.id, 75.0)
    assert record.report["columns"][1]["non_null_share"] == 0.5


def test_data_quality_trend_and_visibility(session: Session, store: FileStore) -> None:
    public = factories.dataset(session, title="Offene Tabelle")
    secret = factories.dataset(session, title="Geheime Tabelle", protection_class=ProtectionClass.VERTRAULICH)
    open_dist = upload(session, store, public, csv("Nr;Wert", ["1;", "2;"]))
    secret_dist = upload(session, store, secret, csv("Nr;Wert", ["1;1"]))
    for days in (0, 7):
        for dist in (open_dist, secret_dist):
            service.data_quality(session, distribution=dist, store=store, now=NOW + dt.timedelta(days=days))
    trend = history.data_quality_history(session, principal=ANONYMOUS, distribution_id=open_dist.id)
    assert [p.evaluated_at for p in trend] == [NOW, NOW + dt.timedelta(days=7)]
    assert trend[0].completeness == 50.0
    assert history.data_quality_history(session, principal=ANONYMOUS, distribution_id=secret_dist.id) == []
    admin = factories.admin_principal(session)
    assert len(history.data_quality_history(session, principal=admin, distribution_id=secret_dist.id)) == 2
    assert history.latest_data_quality(session, principal=ANONYMOUS, distribution_id=secret_dist.id) is None


def test_evaluate_all_covers_every_city(session: Session, store: FileStore) -> None:
    upload(session, store, factories.dataset(session, title="Offenbacher Tabelle"), csv("Nr;Wert", ["1;1"]))
    upload(
        session,
        store,
        factories.dataset(session, municipality="giessen", title="Gießener Tabelle"),
        csv("Nr;Wert", ["1;1"]),
    )
    summary = service.evaluate_all(session, store=store, now=NOW)
    assert sorted(c.municipality for c in summary.cities) == ["giessen", "offenbach"]
    assert (summary.datasets, summary.distributions) == (2, 2)
    only = service.evaluate_all(session, store=store, municipality="giessen", with_data_quality=False, now=NOW)
    assert [c.municipality for c in only.cities] == ["giessen"] and only.distributions == 0
