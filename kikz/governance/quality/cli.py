"""``kikz quality``: evaluate and print metadata quality (MQA) and data quality, from the shell.

kikz quality                       # every city: catalogue MQA and data quality, recorded
kikz quality --kommune giessen     # one city
kikz quality --datensatz NAME      # one dataset: every indicator with its reason, and each table
kikz quality --links               # check the external links first (network; not in page requests)
kikz quality --json                # the same as JSON
"""

from __future__ import annotations

import json

import click

from kikz.catalog.models import Dataset
from kikz.db import make_engine, make_sessionmaker, transaction
from kikz.errors import NotFound
from kikz.governance.quality import links, service
from kikz.governance.quality.schemas import CatalogueMqa, MqaResult, QualityReport
from kikz.settings import get_settings
from kikz.storage import FileStore


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:g}".replace(".", ",")


def _print_city(c: CatalogueMqa) -> None:
    bands = ", ".join(f"{k}: {v}" for k, v in c.bands.items())
    click.echo(
        f"{c.municipality:<12} {c.dataset_count:>5} Datensätze  {_num(c.score):>6} / 405  "
        f"{c.band_label_de:<12} ({bands})"
    )


def _print_dataset(r: MqaResult, reports: list[QualityReport]) -> None:
    click.echo(f"{r.dataset}: {r.score} / 405 – {r.band_label_de}")
    for i in r.indicators:
        mark = "✓" if i.passed else "✗"
        click.echo(f"  {mark} {i.label_de:<38} {i.points:>3}/{i.max_points:<3} {i.reason_de}")
    for rep in reports:
        click.echo(f"  Tabelle {rep.title}: {_num(rep.overall)} / 100 ({rep.rows_checked} Zeilen) {rep.message_de}")
        for d in rep.dimensions:
            click.echo(f"    {d.label_de:<16} {_num(d.score):>6}  {' '.join(d.reasons_de)}")


@click.command("quality")
@click.option("--kommune", "municipality", default=None, help="Nur diese Kommune (Kürzel, z. B. giessen).")
@click.option("--datensatz", "dataset_key", default=None, help="Nur diesen Datensatz (Name oder Kennung).")
@click.option("--links", "check_links", is_flag=True, help="Vorher externe Links prüfen (braucht Netzzugang).")
@click.option("--ohne-datenqualitaet", "skip_dq", is_flag=True, help="Nur die Metadatenqualität bewerten.")
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON ausgeben.")
def quality(municipality: str | None, dataset_key: str | None, check_links: bool, skip_dq: bool, as_json: bool) -> None:
    """Metadatenqualität (MQA, 405 Punkte) und Datenqualität bewerten und speichern."""
    settings = get_settings()
    store = FileStore(settings.files_dir)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            dataset = None
            if dataset_key:
                dataset = (
                    session.query(Dataset)
                    .filter((Dataset.name == dataset_key) | (Dataset.identifier == dataset_key))
                    .one_or_none()
                )
                if dataset is None:
                    raise NotFound(f"Den Datensatz '{dataset_key}' gibt es nicht.")
            if check_links:
                ids = [dataset.id] if dataset else None
                urls = links.external_urls(session, base_url=settings.base_url, dataset_ids=ids)
                done = links.check_links(session, urls=urls, batch=len(urls) or 1)
                click.echo(f"{done.checked} Links geprüft, {done.reachable} erreichbar.", err=as_json)
            if dataset is not None:
                result, reports = service.evaluate_dataset(
                    session, dataset=dataset, store=store, with_data_quality=not skip_dq
                )
                if as_json:
                    out = {
                        "mqa": result.model_dump(mode="json"),
                        "data_quality": [r.model_dump(mode="json") for r in reports],
                    }
                    click.echo(json.dumps(out, ensure_ascii=False, indent=2))
                else:
                    _print_dataset(result, reports)
                return
            summary = service.evaluate_all(
                session, store=store, municipality=municipality, with_data_quality=not skip_dq
            )
            if as_json:
                click.echo(json.dumps(summary.model_dump(mode="json"), ensure_ascii=False, indent=2))
                return
            for city in summary.cities:
                _print_city(city)
            click.echo(f"{summary.datasets} offene Datensätze bewertet, {summary.distributions} Tabellen geprüft.")
    finally:
        engine.dispose()


COMMANDS = (quality,)
