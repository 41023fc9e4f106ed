"""The ``kikz`` command line: serve, database, users and roles, import and export. Calls the same services."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.orm import Session

from kikz.db import make_engine, make_sessionmaker, transaction
from kikz.errors import KikzError
from kikz.settings import Settings, get_settings
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.types import ProtectionClass, Role

CLI_ACTOR = Principal(user_id=None, email="cli@localhost", display_name="Kommandozeile", is_superuser=True)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _fail(message: str) -> None:
    click.echo(f"Fehler: {message}", err=True)
    sys.exit(2)


class KikzGroup(click.Group):
    """Turns domain errors into a clear message and exit code 2 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (KikzError, PermissionDenied) as exc:
            _fail(exc.message)
        return None


@click.group(cls=KikzGroup)
def main() -> None:
    """kikz – Daten- und KI-Plattform der Smart-KIKZ-Städte."""


@main.command()
@click.option("--host", default=None, help="Adresse (Standard: KIKZ_HOST bzw. 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (Standard: KIKZ_PORT bzw. 8000).")
@click.option("--workers", default=1, show_default=True, help="Anzahl der Server-Prozesse.")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Datenbank vorbereiten (Migration, Demodaten) und die Plattform starten."""
    import uvicorn

    from kikz import migrate

    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    summary = migrate.prepare(settings, engine)
    engine.dispose()
    if summary:
        click.echo(f"Demodaten geladen: {summary}")
    host, port = host or settings.host, port or settings.port
    click.echo(f"kikz läuft auf http://{host}:{port}/ (Datenbank: {settings.sqlalchemy_url.split('@')[-1]})")
    uvicorn.run("kikz.app:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=True)


@main.command()
def worker() -> None:
    """Hintergrundaufträge abarbeiten (für den Betrieb mit mehreren Prozessen; beenden mit SIGTERM)."""
    import logging

    from kikz.worker import run_worker

    logging.basicConfig(level=logging.INFO)
    run_worker(get_settings())


@main.group()
def db() -> None:
    """Datenbankschema verwalten."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Schema auf den neuesten (oder angegebenen) Stand bringen."""
    from kikz import migrate

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    migrate.upgrade(engine, revision)
    click.echo(f"Schema-Stand: {migrate.current_revision(engine)}")
    engine.dispose()


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Schema auf einen älteren Stand zurücksetzen (z. B. 'base')."""
    from kikz import migrate

    engine = make_engine(get_settings().sqlalchemy_url)
    migrate.downgrade(engine, revision)
    click.echo(f"Schema-Stand: {migrate.current_revision(engine)}")
    engine.dispose()


@main.command()
def demo() -> None:
    """Demodaten der Städte in eine leere Datenbank laden."""
    from kikz import migrate

    settings = get_settings().model_copy(update={"demo_data": True})
    engine = make_engine(settings.sqlalchemy_url)
    summary = migrate.prepare(settings, engine)
    engine.dispose()
    click.echo(f"Demodaten geladen: {summary}" if summary else "Die Datenbank enthält bereits Kommunen.")


@main.group()
def user() -> None:
    """Konten, Rollen und API-Tokens."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--superuser", is_flag=True, help="Plattform-Administration (sieht alles).")
def user_create(email: str, display_name: str, password: str, superuser: bool) -> None:
    """Ein Konto anlegen."""
    from kikz.tenancy import service

    with _session(get_settings()) as session:
        u = service.create_user(
            session,
            email=email,
            display_name=display_name,
            password=password,
            is_superuser=superuser,
            actor=CLI_ACTOR,
        )
        click.echo(f"Konto {u.email} angelegt (id {u.id}).")


@user.command("grant")
@click.option("--email", required=True)
@click.option("--city", required=True, help="Kürzel der Kommune, z. B. offenbach")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
def user_grant(email: str, city: str, role: str) -> None:
    """Einem Konto eine Rolle in einer Kommune geben."""
    from kikz.tenancy import service

    with _session(get_settings()) as session:
        u = service.get_user_by_email(session, email)
        service.grant_role(
            session,
            user=u,
            municipality=service.get_municipality(session, city),
            role=Role(role),
            actor=CLI_ACTOR,
        )
        click.echo(f"{u.email} ist jetzt {Role(role).label} in {city}.")


@user.command("revoke")
@click.option("--email", required=True)
@click.option("--city", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
def user_revoke(email: str, city: str, role: str) -> None:
    """Eine Rolle entziehen."""
    from kikz.tenancy import service

    with _session(get_settings()) as session:
        u = service.get_user_by_email(session, email)
        service.revoke_role(
            session,
            user=u,
            municipality=service.get_municipality(session, city),
            role=Role(role),
            actor=CLI_ACTOR,
        )
        click.echo(f"Rolle {role} von {u.email} in {city} entzogen.")


@user.command("token")
@click.option("--email", required=True)
@click.option("--name", default="CLI", show_default=True)
@click.option("--days", default=365, show_default=True, help="Gültigkeit in Tagen.")
def user_token(email: str, name: str, days: int) -> None:
    """Ein persönliches API-Token erzeugen (wird nur einmal angezeigt)."""
    from kikz.tenancy import service

    with _session(get_settings()) as session:
        secret, _ = service.create_api_token(
            session, user=service.get_user_by_email(session, email), name=name, valid_days=days
        )
        click.echo(secret)


@main.group(name="import")
def import_() -> None:
    """Daten importieren: DCAT-Kataloge (Harvesting) und Dateien."""


@import_.command("dcat")
@click.argument("source")
@click.option("--city", required=True, help="Kommune, der die Datensätze zugeordnet werden.")
@click.option("--name", default=None, help="Name der Harvest-Quelle (Standard: die Quelle selbst).")
@click.option(
    "--protection-class",
    "protection_class",
    default=ProtectionClass.OEFFENTLICH.value,
    type=click.Choice([c.value for c in ProtectionClass]),
    show_default=True,
)
def import_dcat(source: str, city: str, name: str | None, protection_class: str) -> None:
    """DCAT-AP(.de)-Katalog aus Datei oder URL übernehmen; wiederholbar, entfernt verschwundene Datensätze."""
    from kikz.catalog.dcat import harvest

    settings = get_settings()
    with _session(settings) as session:
        report = harvest.harvest_from(
            session,
            source=source,
            city=city,
            name=name or source,
            protection_class=ProtectionClass(protection_class),
            actor=CLI_ACTOR,
        )
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))


@import_.command("file")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dataset", "dataset_name", required=True, help="Name (Slug) oder Kennung des Datensatzes.")
@click.option("--title", default="", help="Titel der Distribution.")
def import_file(path: Path, dataset_name: str, title: str) -> None:
    """Eine Datei als Distribution an einen Datensatz hängen."""
    from kikz.catalog import service
    from kikz.storage import FileStore

    settings = get_settings()
    with _session(settings) as session, path.open("rb") as stream:
        dataset = service.get_dataset(session, principal=CLI_ACTOR, key=dataset_name)
        dist = service.add_file_distribution(
            session,
            principal=CLI_ACTOR,
            dataset=dataset,
            store=FileStore(settings.files_dir),
            filename=path.name,
            stream=stream,
            max_bytes=settings.max_upload_bytes,
            title=title,
        )
        click.echo(f"{path.name} gespeichert: {dist.format}, {dist.byte_size} Bytes, {dist.row_count} Zeilen.")


@main.group()
def export() -> None:
    """Daten exportieren."""


@export.command("dcat")
@click.option("--format", "fmt", default="ttl", type=click.Choice(["ttl", "rdf", "jsonld"]), show_default=True)
@click.option("--city", default=None, help="Nur diese Kommune.")
@click.option("--all", "everything", is_flag=True, help="Alle Datensätze statt nur der öffentlichen.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Datei (Standard: stdout).")
def export_dcat(fmt: str, city: str | None, everything: bool, out: Path | None) -> None:
    """DCAT-AP.de-Katalog schreiben (Standard: nur veröffentlichte, öffentliche Datensätze)."""
    from kikz.catalog.dcat import export as dcat_export
    from kikz.tenancy.permissions import ANONYMOUS

    settings = get_settings()
    principal = CLI_ACTOR if everything else ANONYMOUS
    with _session(settings) as session:
        target = out.open("wb") if out else sys.stdout.buffer
        try:
            formats: dict[str, dcat_export.Format] = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}
            count = dcat_export.export_catalog(
                session,
                principal=principal,
                fmt=formats[fmt],
                base_url=settings.base_url,
                out=target,
                municipality=city,
            )
        finally:
            if out:
                target.close()
        click.echo(f"{count} Datensätze exportiert.", err=True)


@main.command()
def reindex() -> None:
    """Suchindex aller Datensätze neu aufbauen."""
    from kikz.catalog import search

    with _session(get_settings()) as session:
        count = search.reindex_all(session)
        click.echo(f"{count} Datensätze indexiert.")


@main.command()
@click.option("--city", default=None)
@click.option("--limit", default=50, show_default=True)
def audit(city: str | None, limit: int) -> None:
    """Die neuesten Einträge des Audit-Logs zeigen."""
    from sqlalchemy import select

    from kikz.audit import AuditEntry
    from kikz.tenancy import service

    with _session(get_settings()) as session:
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if city:
            stmt = stmt.where(AuditEntry.municipality_id == service.get_municipality(session, city).id)
        for e in session.scalars(stmt):
            click.echo(f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor_label:<30} {e.action:<24} {e.entity_type}:{e.entity_id}")


@click.command("publish-aggregates")
@click.option("--network", default=None, help="Sensornetz: Name, Kennung oder id des Datensatzes (Standard: alle).")
@click.option("--json", "as_json", is_flag=True, help="Bericht als JSON ausgeben.")
def sensors_publish_aggregates(network: str | None, as_json: bool) -> None:
    """Zählwerte je Stunde und Tag als Open Data (CSV, Kleinzahlen unterdrückt) an Sensornetze hängen."""
    from kikz.errors import InvalidInput
    from kikz.sensors import network as networks
    from kikz.sensors import publish

    settings = get_settings()
    reports: list[publish.PublishReport] = []
    with _session(settings) as session:
        if network is not None:  # a refusal is an error here (exit code 2)
            reports.append(publish.publish_aggregates(session, principal=CLI_ACTOR, network=network, settings=settings))
        else:  # every network: those that may not be published are skipped with the reason
            for candidate in networks.visible_networks(session, principal=CLI_ACTOR):
                try:
                    reports.append(
                        publish.publish_aggregates(
                            session, principal=CLI_ACTOR, network=candidate.name, settings=settings
                        )
                    )
                except InvalidInput as exc:
                    click.echo(f"Übersprungen: {candidate.name}: {exc.message}", err=True)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
        return
    for r in reports:
        files = ", ".join(f"{f.file_name} ({f.outcome})" for f in r.files)
        click.echo(
            f"{r.network}: {r.sites} Zählstellen, {r.streams} Datenströme, {r.hours} Stunden "
            f"({r.primary_suppressed} + {r.secondary_suppressed} unterdrückt), {r.days} Tage "
            f"({r.suppressed_days} unterdrückt); {files}"
        )
        if not r.published:
            click.echo(
                "  Hinweis: Der Datensatz ist noch nicht veröffentlicht; die Dateien werden erst mit ihm öffentlich."
            )


def _register_domain_commands() -> None:
    from kikz.governance import cli as governance_cli
    from kikz.governance.categorisation import cli as categorisation_cli
    from kikz.governance.quality import cli as quality_cli
    from kikz.governance.workflow import cli as workflow_cli
    from kikz.sensors import cli as sensors_cli

    for command in (*governance_cli.COMMANDS, categorisation_cli.categorise, *quality_cli.COMMANDS):
        main.add_command(command)
    main.add_command(workflow_cli.governance)
    main.add_command(sensors_cli.sensors)
    sensors_cli.sensors.add_command(sensors_publish_aggregates)


_register_domain_commands()

if __name__ == "__main__":
    main()
