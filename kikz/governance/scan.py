"""The scan pipeline: read once (profile), detect, classify, record; and its background job.

    result = scan_distribution(session, distribution=dist, store=store)   # records scan, profile, findings
    enqueue_scan(session, dist)                                            # same, later, in a worker

A scan that cannot read its source is recorded as failed with an error finding and a German
message; its proposal is "vertraulich" and says the check failed. It never reports "no personal data".
Wiring for the worker: ``{SCAN_JOB: job_handler(settings)}``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz import jobs
from kikz.catalog.models import Distribution
from kikz.catalog.tabular import TABULAR_FORMATS
from kikz.db import utcnow
from kikz.errors import KikzError
from kikz.governance.classification import ClassificationProposal, column_labels, findings_for, propose
from kikz.governance.detectors import Category, Finding
from kikz.governance.models import DataProfile, ScanFinding, ScanRun, ScanStatus
from kikz.governance.profiling import (
    MAX_ROWS,
    SAMPLE_SIZE,
    TableProfile,
    profile_database_table,
    profile_file,
)
from kikz.settings import Settings
from kikz.storage import FileStore

log = logging.getLogger("kikz.governance.scan")

SCAN_JOB = "governance.scan"


@dataclass
class Analysis:
    """What one pass over a source found, before anything is stored."""

    profile: TableProfile | None
    findings: list[Finding]
    proposal: ClassificationProposal
    seconds: float


@dataclass
class ScanResult:
    scan: ScanRun
    profile: TableProfile | None
    findings: list[Finding]
    proposal: ClassificationProposal


def error_finding(message: str) -> Finding:
    return Finding(
        detector="scan_fehler",
        title="Prüfung fehlgeschlagen",
        column=None,
        category=Category.ERROR,
        evidence_count=0,
        sample_size=0,
        confidence=1.0,
        message=message,
        source="context",
    )


def analyse_profile(profile: TableProfile) -> tuple[list[Finding], ClassificationProposal]:
    """Findings and proposal for a profile; values of personal columns are then removed from it."""
    findings = findings_for(profile)
    for name, (personal, _art9) in column_labels(findings).items():
        if personal:
            profile.column(name).redact()
    for column in profile.columns:
        column.sample = []  # the checked values are never kept beyond detection
    return findings, propose(findings, profile)


def _guarded(read: Any) -> Analysis:
    started = time.perf_counter()
    try:
        profile = read()
    except KikzError as exc:
        findings = [error_finding(exc.message)]
        return Analysis(None, findings, propose(findings), time.perf_counter() - started)
    except MemoryError:
        findings = [error_finding("Die Datei ist zu groß, um sie mit dem verfügbaren Speicher zu prüfen.")]
        return Analysis(None, findings, propose(findings), time.perf_counter() - started)
    except Exception as exc:  # a reader bug or an unforeseen format: record it, never crash the worker
        log.exception("scan failed")
        findings = [error_finding(f"Die Daten konnten nicht gelesen werden ({type(exc).__name__}: {exc})."[:1000])]
        return Analysis(None, findings, propose(findings), time.perf_counter() - started)
    findings, proposal = analyse_profile(profile)
    return Analysis(profile, findings, proposal, time.perf_counter() - started)


def analyse_file(
    path: Path,
    fmt: str,
    *,
    max_rows: int = MAX_ROWS,
    sample_size: int = SAMPLE_SIZE,
    rows_total: int | None = None,
) -> Analysis:
    """Profile and classify a file without touching the database (CLI, benchmarks, evaluation)."""
    if fmt.upper() not in TABULAR_FORMATS:
        findings = [error_finding(f"Das Format '{fmt}' ist keine Tabelle und wurde nicht auf Personenbezug geprüft.")]
        return Analysis(None, findings, propose(findings), 0.0)
    return _guarded(lambda: profile_file(path, fmt, max_rows=max_rows, sample_size=sample_size, rows_total=rows_total))


def analyse_database_table(
    url: str, table: str, *, max_rows: int = MAX_ROWS, sample_size: int = SAMPLE_SIZE
) -> Analysis:
    return _guarded(lambda: profile_database_table(url, table, max_rows=max_rows, sample_size=sample_size))


def scan_distribution(
    session: Session,
    *,
    distribution: Distribution,
    store: FileStore,
    max_rows: int = MAX_ROWS,
    sample_size: int = SAMPLE_SIZE,
) -> ScanResult:
    """Scan a stored distribution and record the run, its profile and findings (the caller commits)."""
    if not distribution.is_stored_file:
        findings = [
            error_finding(
                "Die Distribution verweist auf eine externe Adresse; geprüft werden nur hochgeladene Dateien."
            )
        ]
        analysis = Analysis(None, findings, propose(findings), 0.0)
    else:
        path = store.path_for(distribution.checksum_sha256 or "")
        if not path.is_file():
            findings = [error_finding("Die Datei der Distribution fehlt im Dateispeicher.")]
            analysis = Analysis(None, findings, propose(findings), 0.0)
        else:
            analysis = analyse_file(
                path,
                distribution.format or "",
                max_rows=max_rows,
                sample_size=sample_size,
                rows_total=distribution.row_count,
            )
    return record(
        session,
        analysis,
        distribution_id=distribution.id,
        source=distribution.file_name or distribution.title,
    )


def record(session: Session, analysis: Analysis, *, distribution_id: int | None, source: str) -> ScanResult:
    failed = any(f.category == Category.ERROR for f in analysis.findings)
    profile = analysis.profile
    scan = ScanRun(
        distribution_id=distribution_id,
        source=source[:1000],
        status=ScanStatus.FAILED if failed else ScanStatus.DONE,
        finished_at=utcnow(),
        duration_ms=int(analysis.seconds * 1000),
        rows_seen=profile.rows_seen if profile else None,
        rows_total=profile.rows_total if profile else None,
        sampled=bool(profile and profile.sampled),
        error=" ".join(f.message for f in analysis.findings if f.category == Category.ERROR) or None,
        proposal=analysis.proposal.as_dict(),
    )
    session.add(scan)
    session.flush()
    if profile is not None:
        version = 1
        if distribution_id is not None:
            latest = session.scalar(
                select(func.max(DataProfile.version)).where(DataProfile.distribution_id == distribution_id)
            )
            version = (latest or 0) + 1
        session.add(
            DataProfile(
                scan_id=scan.id,
                distribution_id=distribution_id,
                version=version,
                rows_seen=profile.rows_seen,
                rows_total=profile.rows_total,
                sampled=profile.sampled,
                columns=[c.as_dict() for c in profile.columns],
                notes=list(profile.notes),
            )
        )
    for f in analysis.findings:
        session.add(
            ScanFinding(
                scan_id=scan.id,
                column_name=f.column,
                detector=f.detector,
                title=f.title,
                category=f.category.value,
                evidence_count=f.evidence_count,
                sample_size=f.sample_size,
                confidence=f.confidence,
                example_masked=f.example_masked[:200],
                message=f.message,
                source=f.source,
            )
        )
    session.flush()
    return ScanResult(scan, profile, analysis.findings, analysis.proposal)


def latest_scan(session: Session, distribution_id: int) -> ScanRun | None:
    return session.scalars(
        select(ScanRun).where(ScanRun.distribution_id == distribution_id).order_by(ScanRun.id.desc()).limit(1)
    ).first()


def findings_of(session: Session, scan_id: int) -> list[ScanFinding]:
    return list(session.scalars(select(ScanFinding).where(ScanFinding.scan_id == scan_id).order_by(ScanFinding.id)))


def enqueue_scan(session: Session, distribution: Distribution) -> jobs.Job:
    """Queue a scan in the caller's transaction, so an upload and its scan commit together."""
    return jobs.enqueue(session, SCAN_JOB, {"distribution_id": distribution.id})


def scan_handler(store: FileStore) -> jobs.Handler:
    """The job handler for ``governance.scan``; a deleted distribution is nothing to do."""

    def handle(session: Session, payload: dict[str, Any]) -> None:
        distribution = session.get(Distribution, int(payload["distribution_id"]))
        if distribution is None:
            log.info("scan skipped: distribution %s no longer exists", payload["distribution_id"])
            return
        result = scan_distribution(session, distribution=distribution, store=store)
        # the review workflow turns a stricter proposal into a task for the steward
        from kikz.governance.workflow import hooks

        hooks.on_scan_result(session, distribution_id=distribution.id, proposal=result.proposal)

    return handle


def job_handler(settings: Settings) -> jobs.Handler:
    """``governance.scan`` wired to the settings' file store (what ``kikz.worker`` registers)."""
    return scan_handler(FileStore(settings.files_dir))
