"""HTML pages of the governance workflow: dashboard, review queues, proposals, access requests.

Every form carries the CSRF token (checked by the request dependency). A refused action re-renders the page
with the message after rolling the transaction back, because a rendered page would otherwise commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kikz.catalog import service as catalog
from kikz.catalog.vocabularies import EU_THEMES, HVD_CATEGORIES
from kikz.errors import InvalidInput, KikzError
from kikz.governance import dashboard as dashboards
from kikz.governance.workflow import rules, service, views
from kikz.governance.workflow.models import ApprovalRole, ProposalKind, ProposalStatus
from kikz.governance.workflow.people import user_id_for
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed
from kikz.types import ProtectionClass
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep
from kikz.web.forms import FormErrors, login_redirect, text
from kikz.web.templating import render

router = APIRouter(include_in_schema=False)
YES_NO = {"ja": True, "nein": False}


async def submitted_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(submitted_form)]


def _failed(session: Session, errors: FormErrors, exc: KikzError | PermissionDenied) -> int:
    session.rollback()
    errors.add(None, exc.message)
    return exc.status_code if isinstance(exc, KikzError) else 403


@router.get("/governance", response_class=HTMLResponse)
def dashboard_page(request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    board = dashboards.dashboard(session, principal=principal, overdue_days=settings.governance_overdue_days)
    roles = service.available_roles(session, principal)
    return render(
        request,
        "governance/dashboard.html",
        {
            "active": "governance",
            "board": board,
            "roles": roles,
            "classes": list(ProtectionClass),
            "themes": EU_THEMES,
            "hvd_labels": HVD_CATEGORIES,
        },
    )


@router.get("/governance/pruefliste", response_class=HTMLResponse)
def queue_page(request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    roles = service.available_roles(session, principal)
    role = request.query_params.get("rolle") or (roles[0] if roles else "steward")
    if role not in roles:
        raise PermissionDenied("Diese Prüfliste gehört nicht zu Ihren Rollen.")
    items = service.queue(session, principal=principal, role=role, overdue_days=settings.governance_overdue_days)
    return render(
        request,
        "governance/workflow_queue.html",
        {
            "active": "governance",
            "roles": roles,
            "role": role,
            "items": items,
            "overdue_days": settings.governance_overdue_days,
        },
    )


def _render_dataset(
    request: Request,
    session: Session,
    principal: Principal,
    name: str,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    proposals = service.list_proposals(session, principal=principal, dataset=dataset)
    return render(
        request,
        "governance/workflow_dataset.html",
        {
            "active": "governance",
            "ds": dataset,
            "errors": errors,
            "proposals": [views.proposal_public(session, principal, p) for p in proposals],
            "people": views.responsibilities_public(session, dataset),
            "blockers": rules.publication_blockers(rules.state_of(dataset)),
            "may_classify": allowed(principal, Action.CLASSIFY_DATASET, dataset),
            "may_edit": allowed(principal, Action.EDIT_DATASET, dataset),
            "classes": list(ProtectionClass),
        },
        status_code=status_code,
    )


@router.get("/governance/datensaetze/{name}", response_class=HTMLResponse)
def dataset_page(request: Request, name: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    return _render_dataset(request, session, principal, name)


def _proposal_values(session: Session, kind: ProposalKind, form: FormData) -> dict[str, Any]:
    if kind is ProposalKind.CLASSIFICATION:
        values: dict[str, Any] = {}
        if text(form, "protection_class"):
            values["protection_class"] = text(form, "protection_class")
        for name in ("contains_personal_data", "art9_data"):
            if text(form, name) in YES_NO:
                values[name] = YES_NO[text(form, name)]
        return values
    if kind is ProposalKind.WITHDRAWAL:
        return {"status": text(form, "status") or "draft"}
    if kind is ProposalKind.RESPONSIBILITY:
        out = {}
        for field, target in (("owner_email", "owner_id"), ("steward_email", "steward_id")):
            if text(form, field):
                out[target] = user_id_for(session, text(form, field))
        return out
    return {}


@router.post("/governance/datensaetze/{name}/vorschlag", response_class=HTMLResponse)
def create_proposal(
    request: Request, name: str, session: SessionDep, principal: PrincipalDep, form: FormDep
) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    errors = FormErrors()
    try:
        kind = ProposalKind(text(form, "kind"))
    except ValueError:
        errors.add(None, "Unbekannte Art des Vorschlags.")
        return _render_dataset(request, session, principal, name, errors, 422)
    try:
        proposal = service.propose(
            session,
            principal=principal,
            dataset=dataset,
            kind=kind,
            values=_proposal_values(session, kind, form),
            reason=text(form, "reason") or text(form, f"reason_{kind.value}"),
        )
    except (KikzError, PermissionDenied) as exc:
        status = _failed(session, errors, exc)
        return _render_dataset(request, session, principal, name, errors, status)
    return RedirectResponse(f"/governance/vorschlaege/{proposal.id}", 303)


@router.post("/governance/datensaetze/{name}/geprueft", response_class=HTMLResponse)
def reviewed(request: Request, name: str, session: SessionDep, principal: PrincipalDep, form: FormDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    service.mark_reviewed(session, principal=principal, dataset=dataset)
    return RedirectResponse(f"/governance/datensaetze/{dataset.name}", 303)


def _render_proposal(
    request: Request,
    session: Session,
    principal: Principal,
    proposal_id: int,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    proposal = service.get_proposal(session, principal=principal, proposal_id=proposal_id)
    public = views.proposal_public(session, principal, proposal)
    own = proposal.author_id is not None and proposal.author_id == principal.user_id
    return render(
        request,
        "governance/workflow_proposal.html",
        {
            "active": "governance",
            "p": public,
            "errors": errors,
            "roles": list(ApprovalRole),
            "may_withdraw": proposal.status is ProposalStatus.OPEN and own,
        },
        status_code=status_code,
    )


@router.get("/governance/vorschlaege/{proposal_id}", response_class=HTMLResponse)
def proposal_page(request: Request, proposal_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    return _render_proposal(request, session, principal, proposal_id)


@router.post("/governance/vorschlaege/{proposal_id}/{action}", response_class=HTMLResponse)
def decide_proposal(
    request: Request,
    proposal_id: int,
    action: str,
    session: SessionDep,
    principal: PrincipalDep,
    form: FormDep,
) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    errors = FormErrors()
    comment = text(form, "comment") or text(form, "reject_comment")
    try:
        if action == "freigeben":
            role = text(form, "as_role")
            service.approve(
                session,
                principal=principal,
                proposal_id=proposal_id,
                comment=comment,
                as_role=ApprovalRole(role) if role in {r.value for r in ApprovalRole} else None,
            )
        elif action == "ablehnen":
            service.reject(session, principal=principal, proposal_id=proposal_id, comment=comment)
        elif action == "zurueckziehen":
            service.withdraw(session, principal=principal, proposal_id=proposal_id)
        else:
            raise InvalidInput("Unbekannte Aktion.")
    except (KikzError, PermissionDenied) as exc:
        status = _failed(session, errors, exc)
        return _render_proposal(request, session, principal, proposal_id, errors, status)
    return RedirectResponse(f"/governance/vorschlaege/{proposal_id}", 303)


def _render_access(
    request: Request,
    session: Session,
    principal: Principal,
    settings: Any,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    default_until = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    values = values or {
        "dataset": request.query_params.get("datensatz", "")[:200],
        "purpose": "",
        "legal_basis": "",
        "requested_until": default_until,
    }
    return render(
        request,
        "governance/workflow_access.html",
        {
            "active": "governance",
            "values": values,
            "errors": errors,
            "requests": service.my_requests(session, principal=principal),
            "sent": request.query_params.get("gesendet") == "1",
            "max_days": settings.governance_access_max_days,
        },
        status_code=status_code,
    )


@router.get("/governance/zugang", response_class=HTMLResponse)
def access_page(request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    return _render_access(request, session, principal, settings)


@router.post("/governance/zugang", response_class=HTMLResponse)
def access_submit(
    request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, form: FormDep
) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    values = {name: text(form, name) for name in ("dataset", "purpose", "legal_basis", "requested_until")}
    errors = FormErrors()
    try:
        try:
            day = dt.date.fromisoformat(values["requested_until"])
        except ValueError:
            raise InvalidInput("Bitte ein Enddatum im Format JJJJ-MM-TT angeben.") from None
        service.request_access(
            session,
            principal=principal,
            dataset_key=values["dataset"],
            purpose=values["purpose"],
            legal_basis=values["legal_basis"],
            requested_until=views.until(day),
            max_days=settings.governance_access_max_days,
        )
    except (KikzError, PermissionDenied) as exc:
        status = _failed(session, errors, exc)
        return _render_access(request, session, principal, settings, values, errors, status)
    return RedirectResponse("/governance/zugang?gesendet=1", 303)


def _render_request(
    request: Request,
    session: Session,
    principal: Principal,
    request_id: int,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    row = service.get_request(session, principal=principal, request_id=request_id)
    view = views.request_view(session, principal, row)
    return render(
        request,
        "governance/workflow_access_detail.html",
        {
            "active": "governance",
            "r": view,
            "errors": errors,
            "own": row.requester_id == principal.user_id,
            "detail": hasattr(view, "decisions"),
        },
        status_code=status_code,
    )


@router.get("/governance/zugang/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    return _render_request(request, session, principal, request_id)


@router.post("/governance/zugang/{request_id}/{action}", response_class=HTMLResponse)
def decide_request(
    request: Request,
    request_id: int,
    action: str,
    session: SessionDep,
    principal: PrincipalDep,
    form: FormDep,
) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    errors = FormErrors()
    comment = text(form, "comment") or text(form, "reject_comment")
    try:
        if action == "freigeben":
            service.approve_request(session, principal=principal, request_id=request_id, comment=comment)
        elif action == "ablehnen":
            service.reject_request(session, principal=principal, request_id=request_id, comment=comment)
        elif action == "widerrufen":
            service.revoke_request(session, principal=principal, request_id=request_id, comment=comment)
        elif action == "zurueckziehen":
            service.withdraw_request(session, principal=principal, request_id=request_id)
        else:
            raise InvalidInput("Unbekannte Aktion.")
    except (KikzError, PermissionDenied) as exc:
        status = _failed(session, errors, exc)
        return _render_request(request, session, principal, request_id, errors, status)
    return RedirectResponse(f"/governance/zugang/{request_id}", 303)
