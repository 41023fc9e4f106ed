"""``kikz governance …``: review queues, proposals and access requests from the command line.

Decisions are made as a named person (``--as``): four-eyes approval needs to know who decides, so the
command line's superuser actor is never used for them. The lead registers the group in kikz/cli.py.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.orm import Session

from kikz.catalog import service as catalog
from kikz.db import make_engine, make_sessionmaker, transaction
from kikz.errors import KikzError
from kikz.governance import dashboard as dashboards
from kikz.governance.workflow import service, views
from kikz.governance.workflow.models import ProposalKind
from kikz.governance.workflow.people import user_id_for
from kikz.settings import get_settings
from kikz.tenancy import service as tenancy
from kikz.tenancy.permissions import PermissionDenied, Principal, principal_for

AS_OPTION = click.option("--as", "actor", required=True, help="E-Mail der handelnden Person.")


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


def _principal(session: Session, email: str) -> Principal:
    return principal_for(session, tenancy.get_user_by_email(session, email))


def _echo(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group(cls=_Group)
def governance() -> None:
    """Governance: Prüflisten, Vorschläge (Vier-Augen-Prinzip), Zugangsanfragen."""


@governance.command("queue")
@AS_OPTION
@click.option("--role", default=None, type=click.Choice(["steward", "owner", "dpo", "board"]))
def queue_cmd(actor: str, role: str | None) -> None:
    """Offene Punkte der Prüfliste einer Rolle (ohne --role: alle eigenen Rollen)."""
    settings = get_settings()
    with _session() as session:
        principal = _principal(session, actor)
        for name in [role] if role else service.available_roles(session, principal):
            items = service.queue(
                session, principal=principal, role=name, overdue_days=settings.governance_overdue_days
            )
            click.echo(f"== {name}: {len(items)} offen")
            for item in items:
                flag = " [überfällig]" if item.overdue else ""
                click.echo(f"  {item.since:%Y-%m-%d} {item.kind:24} {item.title} – {item.detail}{flag} ({item.link})")


@governance.command("propose")
@AS_OPTION
@click.argument("dataset")
@click.option("--kind", required=True, type=click.Choice([k.value for k in ProposalKind]))
@click.option("--reason", required=True, help="Begründung.")
@click.option("--class", "protection_class", default=None, help="Neue Schutzklasse (Einstufung).")
@click.option("--personal/--not-personal", default=None, help="Personenbezug (Einstufung).")
@click.option("--art9/--no-art9", default=None, help="Besondere Kategorien nach Art. 9 DSGVO (Einstufung).")
@click.option("--owner", default=None, help="E-Mail des neuen Data Owners (Verantwortliche).")
@click.option("--steward", default=None, help="E-Mail des neuen Data Stewards (Verantwortliche).")
@click.option("--status", default=None, type=click.Choice(["draft", "archived"]), help="Ziel beim Zurückziehen.")
def propose_cmd(
    actor: str,
    dataset: str,
    kind: str,
    reason: str,
    protection_class: str | None,
    personal: bool | None,
    art9: bool | None,
    owner: str | None,
    steward: str | None,
    status: str | None,
) -> None:
    """Einen Vorschlag zu einem Datensatz stellen."""
    with _session() as session:
        principal = _principal(session, actor)
        ds = catalog.get_dataset(session, principal=principal, key=dataset)
        values: dict[str, Any] = {
            "protection_class": protection_class,
            "contains_personal_data": personal,
            "art9_data": art9,
            "status": status,
            "owner_id": user_id_for(session, owner) if owner else None,
            "steward_id": user_id_for(session, steward) if steward else None,
        }
        proposal = service.propose(
            session,
            principal=principal,
            dataset=ds,
            kind=ProposalKind(kind),
            values={k: v for k, v in values.items() if v is not None},
            reason=reason,
        )
        click.echo(f"Vorschlag #{proposal.id} gestellt; nötige Freigaben: {', '.join(proposal.required)}")


@governance.command("show")
@AS_OPTION
@click.argument("proposal_id", type=int)
def show_cmd(actor: str, proposal_id: int) -> None:
    """Einen Vorschlag mit Entscheidungen als JSON zeigen."""
    with _session() as session:
        principal = _principal(session, actor)
        proposal = service.get_proposal(session, principal=principal, proposal_id=proposal_id)
        _echo(views.proposal_public(session, principal, proposal).model_dump(mode="json"))


@governance.command("approve")
@AS_OPTION
@click.argument("proposal_id", type=int)
@click.option("--comment", default="", help="Kommentar zur Freigabe.")
def approve_cmd(actor: str, proposal_id: int, comment: str) -> None:
    """Einen Vorschlag freigeben (nie den eigenen)."""
    with _session() as session:
        proposal = service.approve(
            session, principal=_principal(session, actor), proposal_id=proposal_id, comment=comment
        )
        click.echo(f"Vorschlag #{proposal.id}: {proposal.status.value}")


@governance.command("reject")
@AS_OPTION
@click.argument("proposal_id", type=int)
@click.option("--comment", required=True, help="Begründung der Ablehnung.")
def reject_cmd(actor: str, proposal_id: int, comment: str) -> None:
    """Einen Vorschlag ablehnen."""
    with _session() as session:
        proposal = service.reject(
            session, principal=_principal(session, actor), proposal_id=proposal_id, comment=comment
        )
        click.echo(f"Vorschlag #{proposal.id}: {proposal.status.value}")


@governance.command("request-access")
@AS_OPTION
@click.argument("dataset")
@click.option("--purpose", required=True, help="Zweck.")
@click.option("--until", "until", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Ende (JJJJ-MM-TT).")
@click.option("--legal-basis", default="", help="Rechtsgrundlage.")
def request_access_cmd(actor: str, dataset: str, purpose: str, until: dt.datetime, legal_basis: str) -> None:
    """Zugang zu einem Datensatz anfragen (Kennung oder Name)."""
    settings = get_settings()
    with _session() as session:
        request = service.request_access(
            session,
            principal=_principal(session, actor),
            dataset_key=dataset,
            purpose=purpose,
            requested_until=views.until(until.date()),
            legal_basis=legal_basis,
            max_days=settings.governance_access_max_days,
        )
        click.echo(f"Anfrage #{request.id} eingegangen.")


@governance.command("decide-access")
@AS_OPTION
@click.argument("request_id", type=int)
@click.option("--approve/--reject", "approve", required=True)
@click.option("--comment", default="", help="Kommentar (für eine Ablehnung nötig).")
def decide_access_cmd(actor: str, request_id: int, approve: bool, comment: str) -> None:
    """Über eine Zugangsanfrage entscheiden."""
    with _session() as session:
        principal = _principal(session, actor)
        if approve:
            request = service.approve_request(session, principal=principal, request_id=request_id, comment=comment)
        else:
            request = service.reject_request(session, principal=principal, request_id=request_id, comment=comment)
        click.echo(f"Anfrage #{request.id}: {request.status.value}")


@governance.command("revoke-access")
@AS_OPTION
@click.argument("request_id", type=int)
@click.option("--comment", default="", help="Grund.")
def revoke_access_cmd(actor: str, request_id: int, comment: str) -> None:
    """Einen gewährten Zugang vorzeitig widerrufen."""
    with _session() as session:
        request = service.revoke_request(
            session, principal=_principal(session, actor), request_id=request_id, comment=comment
        )
        click.echo(f"Anfrage #{request.id}: {request.status.value}")


@governance.command("expire-access")
def expire_access_cmd() -> None:
    """Abgelaufene Zugänge und unbeantwortete Anfragen schließen (täglich ausführen)."""
    with _session() as session:
        click.echo(f"{service.expire_requests(session)} Anfrage(n) abgelaufen.")


@governance.command("assign")
@AS_OPTION
@click.argument("dataset")
@click.option("--owner", default=None, help="E-Mail des Data Owners.")
@click.option("--steward", default=None, help="E-Mail des Data Stewards.")
def assign_cmd(actor: str, dataset: str, owner: str | None, steward: str | None) -> None:
    """Data Owner und Data Steward direkt zuweisen (Administration der Kommune)."""
    with _session() as session:
        principal = _principal(session, actor)
        ds = catalog.get_dataset(session, principal=principal, key=dataset)
        service.assign_responsibilities(
            session,
            principal=principal,
            dataset=ds,
            owner_id=user_id_for(session, owner) if owner else None,
            steward_id=user_id_for(session, steward) if steward else None,
        )
        _echo(views.responsibilities_public(session, ds).model_dump())


@governance.command("dashboard")
@AS_OPTION
def dashboard_cmd(actor: str) -> None:
    """Die Zahlen des Governance-Dashboards als JSON."""
    settings = get_settings()
    with _session() as session:
        board = dashboards.dashboard(
            session, principal=_principal(session, actor), overdue_days=settings.governance_overdue_days
        )
        _echo(board.model_dump(mode="json"))
