"""``kikz scan`` and ``kikz classify``: the same services as the job and the API, from the shell.

kikz scan 42                              # distribution 42: profile, classify, record
kikz scan --file meldungen.csv            # a file, nothing recorded
kikz scan --database-url sqlite:///x.db --table personen
kikz classify 42                          # the proposal of the latest scan of distribution 42
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kikz.catalog.models import Distribution
from kikz.db import make_engine, make_sessionmaker, transaction
from kikz.governance import scan as scans
from kikz.settings import get_settings
from kikz.storage import FileStore


def _print_analysis(analysis: scans.Analysis, *, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "profile": analysis.profile.as_dict() if analysis.profile else None,
                    "findings": [f.as_dict() for f in analysis.findings],
                    "proposal": analysis.proposal.as_dict(),
                    "seconds": round(analysis.seconds, 3),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    profile = analysis.profile
    if profile is not None:
        state = "Stichprobe" if profile.sampled else "vollständig"
        click.echo(
            f"{profile.rows_seen} Zeilen gelesen ({state}), {len(profile.columns)} Spalten, {analysis.seconds:.1f} s"
        )
        for note in profile.notes:
            click.echo(f"  Hinweis: {note}")
    for f in analysis.findings:
        where = f"[{f.column}] " if f.column else ""
        click.echo(f"  {f.category.value:16} {f.confidence:4.2f}  {where}{f.message}")
    click.echo(analysis.proposal.explanation_de)


def _format_for(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt.upper()
    return {
        ".csv": "CSV",
        ".txt": "CSV",
        ".xlsx": "XLSX",
        ".json": "JSON",
        ".geojson": "GEOJSON",
        ".parquet": "PARQUET",
    }.get(path.suffix.lower(), path.suffix.lstrip(".").upper())


@click.command("scan")
@click.argument("distribution_id", required=False, type=int)
@click.option("--file", "file_", type=click.Path(path_type=Path), help="Eine Datei prüfen (nichts wird gespeichert).")
@click.option("--format", "fmt", default=None, help="Format der Datei (CSV, XLSX, JSON, GEOJSON, PARQUET).")
@click.option("--database-url", default=None, help="SQLAlchemy-URL einer Datenbank, deren Tabelle geprüft wird.")
@click.option("--table", default=None, help="Tabelle in --database-url.")
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON ausgeben.")
def scan(
    distribution_id: int | None,
    file_: Path | None,
    fmt: str | None,
    database_url: str | None,
    table: str | None,
    as_json: bool,
) -> None:
    """Daten profilieren und auf personenbezogene Daten prüfen."""
    if file_ is not None:
        analysis = scans.analyse_file(file_, _format_for(file_, fmt))
    elif database_url:
        if not table:
            raise click.UsageError("--table fehlt: welche Tabelle soll geprüft werden?")
        analysis = scans.analyse_database_table(database_url, table)
    elif distribution_id is not None:
        settings = get_settings()
        engine = make_engine(settings.sqlalchemy_url)
        try:
            with transaction(make_sessionmaker(engine)) as session:
                distribution = session.get(Distribution, distribution_id)
                if distribution is None:
                    click.echo(f"Fehler: Distribution {distribution_id} gibt es nicht.", err=True)
                    sys.exit(2)
                result = scans.scan_distribution(
                    session, distribution=distribution, store=FileStore(settings.files_dir)
                )
                analysis = scans.Analysis(
                    result.profile, result.findings, result.proposal, (result.scan.duration_ms or 0) / 1000
                )
                click.echo(f"Prüfung {result.scan.id} gespeichert (Status: {result.scan.status.value}).", err=as_json)
        finally:
            engine.dispose()
    else:
        raise click.UsageError("Bitte eine Distribution-ID, --file oder --database-url angeben.")
    _print_analysis(analysis, as_json=as_json)
    if any(f.category.value == "error" for f in analysis.findings):
        sys.exit(1)


@click.command("classify")
@click.argument("distribution_id", required=False, type=int)
@click.option(
    "--file", "file_", type=click.Path(path_type=Path), help="Eine Datei prüfen und nur den Vorschlag zeigen."
)
@click.option("--format", "fmt", default=None, help="Format der Datei.")
@click.option("--json", "as_json", is_flag=True, help="Vorschlag als JSON ausgeben.")
def classify(distribution_id: int | None, file_: Path | None, fmt: str | None, as_json: bool) -> None:
    """Den Klassifizierungsvorschlag zeigen (Schutzklasse, Personenbezug, Art. 9)."""
    if file_ is not None:
        proposal = scans.analyse_file(file_, _format_for(file_, fmt)).proposal.as_dict()
    elif distribution_id is not None:
        settings = get_settings()
        engine = make_engine(settings.sqlalchemy_url)
        try:
            with transaction(make_sessionmaker(engine)) as session:
                latest = scans.latest_scan(session, distribution_id)
                if latest is None or latest.proposal is None:
                    click.echo(
                        f"Fehler: Distribution {distribution_id} wurde noch nicht geprüft "
                        f"(kikz scan {distribution_id}).",
                        err=True,
                    )
                    sys.exit(2)
                proposal = dict(latest.proposal)
        finally:
            engine.dispose()
    else:
        raise click.UsageError("Bitte eine Distribution-ID oder --file angeben.")
    if as_json:
        click.echo(json.dumps(proposal, ensure_ascii=False, indent=2))
    else:
        click.echo(str(proposal["explanation_de"]))


COMMANDS = (scan, classify)
