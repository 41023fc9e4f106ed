"""Classification proposals, the recorded scan of a distribution, the background job and the CLI."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kikz import jobs
from kikz.catalog import service as catalog
from kikz.catalog.service import DISTRIBUTION_ADDED
from kikz.governance import cli
from kikz.governance.classification import findings_for, propose
from kikz.governance.detectors import Category, Finding
from kikz.governance.models import DataProfile, ScanFinding, ScanRun, ScanStatus
from kikz.governance.profiling import profile_file
from kikz.governance.scan import SCAN_JOB, enqueue_scan, latest_scan, scan_distribution, scan_handler
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.types import ProtectionClass
from tests import factories

ANTRAEGE = (
    "Vorname;Nachname;Geburtsdatum;Telefon;Antragsart\r\n"
    "Anna;Schmidt;03.07.1961;069 8065-2345;Erstantrag\r\n"
    "Mehmet;Yilmaz;21.12.1975;0171 2345678;Verlängerung\r\n"
    "Katarzyna;Nowak;14.02.1988;0641 12345-67;Erstantrag\r\n"
)
PFLEGE = "Fall-Nr;Alter;Geschlecht;PLZ;Diagnose\n" + "".join(
    f"PB-{i};{70 + i % 20};{'wm'[i % 2]};6306{i % 9};{['Demenz', 'Diabetes mellitus', 'F32.1'][i % 3]}\n"
    for i in range(30)
)
ZAEHLUNG = "Zählstelle;Straße;Datum;Kfz\n" + "".join(
    f"Zählstelle Frankfurter Straße;Kaiserstraße;0{1 + i % 9}.05.2024;{100 + i}\n" for i in range(30)
)


def classify_text(tmp_path: Path, content: str, name: str = "t.csv") -> tuple[list[Finding], object]:
    path = tmp_path / name
    path.write_bytes(content.encode("cp1252", errors="replace"))
    profile = profile_file(path, "CSV")
    findings = findings_for(profile)
    return findings, propose(findings, profile)


def test_direct_identifiers_make_it_vertraulich(tmp_path: Path) -> None:
    findings, proposal = classify_text(tmp_path, ANTRAEGE)
    assert proposal.protection_class == ProtectionClass.VERTRAULICH  # type: ignore[attr-defined]
    assert (proposal.contains_personal_data, proposal.art9) == (True, False)  # type: ignore[attr-defined]
    flagged = {f.column for f in findings if f.confidence >= 0.5 and f.category == Category.PERSONAL}
    assert flagged == {"Vorname", "Nachname", "Geburtsdatum", "Telefon"}
    assert "Spalte 'Telefon' enthält in 3 von 3 geprüften Werten gültige Telefonnummern" in proposal.explanation_de  # type: ignore[attr-defined]


def test_art9_in_person_rows_is_streng_vertraulich(tmp_path: Path) -> None:
    _findings, proposal = classify_text(tmp_path, PFLEGE)
    assert proposal.protection_class == ProtectionClass.STRENG_VERTRAULICH  # type: ignore[attr-defined]
    assert proposal.art9 is True  # type: ignore[attr-defined]


def test_aggregated_art9_is_not_personal(tmp_path: Path) -> None:
    content = "Stadtteil;Pflegegrad;Anzahl\n" + "".join(f"Bürgel;Pflegegrad {1 + i % 5};{1 + i}\n" for i in range(10))
    findings, proposal = classify_text(tmp_path, content)
    assert proposal.contains_personal_data is False  # type: ignore[attr-defined]
    assert proposal.protection_class == ProtectionClass.INTERN  # type: ignore[attr-defined]
    assert {f.detector for f in findings} >= {"kleine_fallzahlen"}


def test_traffic_counts_with_street_names_are_public_candidates(tmp_path: Path) -> None:
    findings, proposal = classify_text(tmp_path, ZAEHLUNG)
    assert findings == []
    assert proposal.protection_class == ProtectionClass.OEFFENTLICH  # type: ignore[attr-defined]
    assert "Kandidat" in proposal.explanation_de  # type: ignore[attr-defined]


def test_error_never_reads_as_no_personal_data() -> None:
    error = Finding("scan_fehler", "Prüfung fehlgeschlagen", None, Category.ERROR, 0, 0, 1.0, message="Datei leer.")
    proposal = propose([error])
    assert (proposal.protection_class, proposal.contains_personal_data) == (ProtectionClass.VERTRAULICH, None)
    assert "fehlgeschlagen" in proposal.explanation_de


def _distribution(session: Session, settings: Settings, content: bytes, filename: str = "antraege.csv"):  # type: ignore[no-untyped-def]
    dataset = factories.dataset(session, title="Anwohnerparken Anträge")
    return catalog.add_file_distribution(
        session,
        principal=factories.admin_principal(session),
        dataset=dataset,
        store=FileStore(settings.files_dir),
        filename=filename,
        stream=io.BytesIO(content),
        max_bytes=10_000_000,
    )


def test_scan_distribution_records_run_profile_and_masked_findings(session: Session, settings: Settings) -> None:
    dist = _distribution(session, settings, ANTRAEGE.encode("cp1252"))
    store = FileStore(settings.files_dir)
    first = scan_distribution(session, distribution=dist, store=store)
    second = scan_distribution(session, distribution=dist, store=store)
    session.flush()
    assert first.scan.status == ScanStatus.DONE and first.scan.rows_seen == 3
    versions = session.scalars(
        select(DataProfile.version).where(DataProfile.distribution_id == dist.id).order_by(DataProfile.version)
    )
    assert list(versions) == [1, 2]
    profile = session.scalars(select(DataProfile).where(DataProfile.scan_id == second.scan.id)).one()
    columns = {c["name"]: c for c in profile.columns}
    assert columns["Vorname"]["sample_values"] == [] and columns["Vorname"]["min"] is None  # personal: no values kept
    assert columns["Antragsart"]["sample_values"]  # not personal: examples kept
    stored = session.scalars(select(ScanFinding).where(ScanFinding.scan_id == second.scan.id)).all()
    assert {"Schmidt", "Anna", "2345678"}.isdisjoint({w for f in stored for w in f.example_masked.split()})
    assert latest_scan(session, dist.id).id == second.scan.id  # type: ignore[union-attr]
    assert second.scan.proposal["protection_class"] == "vertraulich"  # type: ignore[index]


def test_unreadable_upload_is_a_failed_scan_not_no_pii(session: Session, settings: Settings) -> None:
    dist = _distribution(session, settings, ANTRAEGE.encode("cp1252"))
    FileStore(settings.files_dir).path_for(dist.checksum_sha256 or "").write_bytes(b"")
    result = scan_distribution(session, distribution=dist, store=FileStore(settings.files_dir))
    assert result.scan.status == ScanStatus.FAILED and result.scan.error
    assert result.proposal.contains_personal_data is None
    assert session.scalars(select(ScanFinding.category).where(ScanFinding.scan_id == result.scan.id)).all() == ["error"]


def test_background_job_scans_after_commit(session_factory: sessionmaker[Session], settings: Settings) -> None:
    with session_factory.begin() as session:
        dist = _distribution(session, settings, ZAEHLUNG.encode("cp1252"), "zaehlung.csv")
        job = enqueue_scan(session, dist)
        assert (job.kind, job.payload) == (SCAN_JOB, {"distribution_id": dist.id})
        dist_id = dist.id
    handlers = {SCAN_JOB: scan_handler(FileStore(settings.files_dir)), DISTRIBUTION_ADDED: lambda s, p: None}
    ran = jobs.run_until_empty(session_factory, handlers)
    assert ran == 2  # the upload's own "distribution added" job and the scan
    with session_factory() as session:
        scan = session.scalars(select(ScanRun).where(ScanRun.distribution_id == dist_id)).one()
        assert scan.status == ScanStatus.DONE
        assert scan.proposal and scan.proposal["protection_class"] == "oeffentlich"
        assert session.get_one(jobs.Job, job.id).status == jobs.JobStatus.DONE


def test_cli_scan_and_classify_a_file(tmp_path: Path) -> None:
    path = tmp_path / "antraege.csv"
    path.write_bytes(ANTRAEGE.encode("cp1252"))
    result = CliRunner().invoke(cli.scan, ["--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "Vorschlag: vertraulich" in result.output and "3 Zeilen gelesen (vollständig)" in result.output
    result = CliRunner().invoke(cli.classify, ["--file", str(path), "--json"])
    assert '"protection_class": "vertraulich"' in result.output
    broken = tmp_path / "leer.csv"
    broken.write_bytes(b"")
    result = CliRunner().invoke(cli.scan, ["--file", str(broken)])
    assert result.exit_code == 1 and "fehlgeschlagen" in result.output
