"""``kikz sensors …``: counter-file imports and rollup repair from the shell, through the same services as the API.

kikz sensors import --thing 12 --format telraam bericht.csv
kikz sensors import --thing 12 --format ecocounter --mode fuss export.csv
kikz sensors import --thing 12 --format generic --mapping zuordnung.json zaehler.csv --as steward@stadt.de
kikz sensors rebuild-rollups [--datastream 34]

Without ``--as`` the command line acts with full rights (like ``kikz import file``); with it, as that person.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.db import make_engine, make_sessionmaker, transaction
from kikz.errors import KikzError, NotFound
from kikz.sensors.imports import FORMATS, ImportRejected, ImportReport, import_file, parse_mapping
from kikz.sensors.models import Datastream
from kikz.sensors.store import rebuild_rollups
from kikz.sensors.traffic import Mode
from kikz.settings import get_settings
from kikz.tenancy import service as tenancy
from kikz.tenancy.permissions import PermissionDenied, Principal, principal_for

CLI_ACTOR = Principal(user_id=None, email="cli@localhost", display_name="Kommandozeile", is_superuser=True)


class _Group(click.Group):
    """Domain errors become a clear message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (KikzError, PermissionDenied) as exc:
            click.echo(f"Fehler: {exc.message}", err=True)
            sys.exit(2)


@contextmanager
def _session() -> Iterator[Session]:
    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


@click.group("sensors", cls=_Group)
def sensors() -> None:
    """Zählstellen und Sensordaten: Zählerdateien importieren, Rollups neu berechnen."""


def _print_report(report: ImportReport) -> None:
    click.echo(
        f"{report.source_name} ({report.format}) → Thing {report.thing_id}: "
        f"{report.rows_read} Werte gelesen, {report.streams_created} Datastreams angelegt"
    )
    click.echo(
        f"  Beobachtungen: {report.observations_created} neu, {report.observations_updated} geändert, "
        f"{report.observations_unchanged} unverändert, {report.observations_removed} als ungültig entfernt"
    )
    click.echo(
        f"  Lücken: {report.gaps_created} neu, {report.gaps_updated} geändert, {report.gaps_unchanged} unverändert, "
        f"{report.gaps_closed} geschlossen"
    )
    if report.period_start and report.period_end:
        click.echo(f"  Zeitraum (UTC): {report.period_start:%Y-%m-%d %H:%M} bis {report.period_end:%Y-%m-%d %H:%M}")
    if report.row_errors:
        click.echo(f"  {report.row_errors} fehlerhafte Zeile(n) übersprungen:")
        for error in report.errors[:20]:
            click.echo(f"    Zeile {error.line}: {error.message}")
        if report.row_errors > 20:
            click.echo(f"    … und {report.row_errors - 20} weitere (--json zeigt bis zu {len(report.errors)})")


@sensors.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--thing", "thing_id", required=True, type=int, help="@iot.id des Things (der Zählstelle).")
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS), help="Dateiformat.")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Spaltenzuordnung als JSON-Datei (nur generic).",
)
@click.option(
    "--mode",
    type=click.Choice([Mode.BICYCLE.value, Mode.PEDESTRIAN.value]),
    default=None,
    help="Verkehrsart der Eco-Counter-Kanäle (Standard: aus dem Namen, sonst rad).",
)
@click.option("--as", "actor", default=None, help="E-Mail der handelnden Person (Standard: volle Rechte).")
@click.option("--json", "as_json", is_flag=True, help="Bericht als JSON ausgeben.")
def import_cmd(
    file: Path, thing_id: int, fmt: str, mapping: Path | None, mode: str | None, actor: str | None, as_json: bool
) -> None:
    """Zählerdatei (Telraam, Eco-Counter, generische CSV) in eine Zählstelle importieren (wiederholbar)."""
    parsed = None
    if mapping is not None:
        try:
            parsed = parse_mapping(json.loads(mapping.read_text(encoding="utf-8")))
        except (ValueError, UnicodeError) as exc:
            raise ImportRejected(f"Die Zuordnungsdatei {mapping.name} ist kein gültiges JSON: {exc}") from exc
    with _session() as session:
        principal = principal_for(session, tenancy.get_user_by_email(session, actor)) if actor else CLI_ACTOR
        report = import_file(
            session,
            principal,
            thing_id,
            file,
            fmt,
            mapping=parsed,
            source_name=file.name,
            mode=Mode(mode) if mode else None,
        )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        _print_report(report)


@sensors.command("rebuild-rollups")
@click.option("--datastream", "datastream_id", type=int, default=None, help="Nur dieser Datastream (@iot.id).")
def rebuild_rollups_cmd(datastream_id: int | None) -> None:
    """Viertelstunden-, Stunden- und Tagesaggregate aus den Beobachtungen neu berechnen (Reparatur)."""
    with _session() as session:
        if datastream_id is not None:
            if session.get(Datastream, datastream_id) is None:
                raise NotFound(f"Datastream {datastream_id} gibt es nicht.")
            ids = [datastream_id]
        else:
            ids = list(session.scalars(select(Datastream.id).order_by(Datastream.id)))
        rows = 0
        for stream_id in ids:
            rows += rebuild_rollups(session, stream_id)
    click.echo(f"{len(ids)} Datastreams, {rows} Rollup-Zeilen neu berechnet.")


COMMANDS = (sensors,)
