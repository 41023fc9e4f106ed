"""``kikz categorise``: suggest categories for datasets, optionally accept confident suggestions."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.catalog.vocabularies import HVD_CATEGORIES
from kikz.db import make_engine, make_sessionmaker, transaction
from kikz.governance.categorisation import service
from kikz.governance.categorisation.model import CategoryModel
from kikz.governance.categorisation.schemas import CategoryField, CategorySuggestion
from kikz.settings import get_settings
from kikz.tenancy.models import Municipality, User
from kikz.tenancy.permissions import Principal, principal_for, visible

SYSTEM_ACTOR = Principal(user_id=None, email="cli@localhost", display_name="Kommandozeile", is_superuser=True)


def _line(dataset: Dataset, s: CategorySuggestion) -> str:
    mds, mds_conf = s.mdk_musterdatensatz[0]
    thema, thema_conf = s.mdk_thema[0]
    themes = ", ".join(f"{c} {p:.2f}" for c, p in s.eu_themes)
    code, hvd_conf = s.hvd
    hvd = f"{HVD_CATEGORIES[code][0]} ({code})" if code else "keine"
    return (
        f"{dataset.name}\n  Musterdatensatz: {mds} ({mds_conf:.2f})\n  THEMA: {thema} ({thema_conf:.2f})\n"
        f"  EU-Themen: {themes}\n  HVD: {hvd} ({hvd_conf:.2f})"
    )


def _accept(
    session: Session,
    principal: Principal,
    dataset: Dataset,
    s: CategorySuggestion,
    threshold: float,
    model: CategoryModel,
) -> list[str]:
    """Accept every suggestion at or above ``threshold`` that differs from what is set."""
    accepted = []
    themes = [code for code, p in s.eu_themes if p >= threshold]
    if themes and sorted(themes) != sorted(dataset.themes or []):
        service.decide(
            session,
            principal=principal,
            dataset=dataset,
            field=CategoryField.EU_THEMES,
            value=themes,
            model=model,
        )
        accepted.append("EU-Themen")
    mds, conf = s.mdk_musterdatensatz[0]
    if conf >= threshold:
        service.decide(
            session,
            principal=principal,
            dataset=dataset,
            field=CategoryField.MDK_MUSTERDATENSATZ,
            value=mds,
            model=model,
        )
        accepted.append("Musterdatensatz")
    else:
        thema, conf = s.mdk_thema[0]
        if conf >= threshold:
            service.decide(
                session,
                principal=principal,
                dataset=dataset,
                field=CategoryField.MDK_THEMA,
                value=thema,
                model=model,
            )
            accepted.append("THEMA")
    code, conf = s.hvd
    if code and conf >= threshold and dataset.hvd_category != code:
        service.decide(
            session,
            principal=principal,
            dataset=dataset,
            field=CategoryField.HVD_CATEGORY,
            value=code,
            model=model,
        )
        accepted.append("HVD")
    return accepted


@click.command("categorise")
@click.option("--dataset", "key", default=None, help="Nur dieser Datensatz (Name, Kennung oder Nummer).")
@click.option("--city", default=None, help="Nur Datensätze dieser Kommune (Kürzel).")
@click.option(
    "--accept-above",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Vorschläge mit mindestens dieser Konfidenz (0–1) übernehmen.",
)
@click.option("--as-user", "email", default=None, help="Als dieses Konto handeln (Standard: Systemkonto).")
def categorise(key: str | None, city: str | None, accept_above: float | None, email: str | None) -> None:
    """Kategorien vorschlagen (EU-Themen, Musterdatenkatalog, HVD) und auf Wunsch übernehmen."""
    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            principal = SYSTEM_ACTOR
            if email:
                user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
                if user is None:
                    raise click.ClickException(f"Kein Konto mit der Adresse {email}.")
                principal = principal_for(session, user)
            stmt = select(Dataset).where(visible(principal, Dataset)).order_by(Dataset.id)
            if key:
                cond = (Dataset.name == key) | (Dataset.identifier == key)
                if key.isdigit():
                    cond = cond | (Dataset.id == int(key))
                stmt = stmt.where(cond)
            if city:
                stmt = stmt.join(Municipality, Municipality.id == Dataset.municipality_id).where(
                    Municipality.slug == city
                )
            datasets = list(session.scalars(stmt))
            if key and not datasets:
                raise click.ClickException("Diesen Datensatz gibt es nicht oder Sie dürfen ihn nicht sehen.")
            model = service.get_model(settings.data_dir)
            total = 0
            for dataset in datasets:
                suggestion = service.suggest(session, dataset=dataset, model=model)
                click.echo(_line(dataset, suggestion))
                if accept_above is not None:
                    done = _accept(session, principal, dataset, suggestion, accept_above, model)
                    total += bool(done)
                    if done:
                        click.echo("  übernommen: " + ", ".join(done))
            click.echo(
                f"{len(datasets)} Datensätze kategorisiert"
                + (f", bei {total} Vorschläge übernommen." if accept_above is not None else ".")
            )
    finally:
        engine.dispose()
