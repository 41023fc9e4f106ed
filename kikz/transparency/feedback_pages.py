"""Pages for citizens' messages: the forms, the sender's status page and the stewards' queue.

Public forms: ``/informationen/datenwunsch`` (data request to a city), ``/datensaetze/<name>/rueckmeldung``
(feedback on a dataset, also embedded on the dataset page) and ``/informationen/rueckmeldung-barrierefreiheit``
(also embedded in the accessibility statement). After sending, the sender gets a private status link
``/informationen/anliegen/<key>``. Recipients work in ``/verwaltung/anliegen``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset
from kikz.errors import KikzError, TooLarge
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.transparency import feedback_service as feedback
from kikz.transparency.feedback_models import CitizenMessage, MessageKind, MessageStatus
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep
from kikz.web.forms import FormErrors, login_redirect, text
from kikz.web.templating import language, render

router = APIRouter(include_in_schema=False)

FIELDS = ("municipality", "topic", "subject", "body", "page_url", "contact_name", "contact_email", "website")
FIELD_LABELS = {
    "municipality": ("Stadt", "City"),
    "topic": ("Art des Anliegens", "Kind of request"),
    "subject": ("Betreff", "Subject"),
    "body": ("Ihre Nachricht", "Your message"),
    "page_url": ("Seite", "Page"),
    "contact_name": ("Name", "Name"),
    "contact_email": ("E-Mail-Adresse", "E-mail address"),
    "status": ("Status", "Status"),
    "answer": ("Antwort", "Answer"),
}
FORM_ORDER = (*FIELDS, "status", "answer")


def limit_body(request: Request) -> None:
    """Refuse oversized submissions before anything reads the body (the CSRF check reads the form)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > feedback.REQUEST_MAX_BYTES:
        raise TooLarge(
            f"Die Nachricht ist zu groß (höchstens {feedback.REQUEST_MAX_BYTES // 1024} KB). "
            "Bitte kürzen Sie den Text. "
            f"/ The message is too large (at most {feedback.REQUEST_MAX_BYTES // 1024} KB). Please shorten the text."
        )


SmallBody = Annotated[None, Depends(limit_body)]


async def submitted_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(submitted_form)]


def _labels(lang: str) -> dict[str, str]:
    return {name: pair[1 if lang == "en" else 0] for name, pair in FIELD_LABELS.items()}


def _client_ip(request: Request) -> str:
    # behind the reverse proxy uvicorn's proxy headers (``kikz serve`` turns them on) put the real address here
    return request.client.host if request.client else "unknown"


def _values(form: FormData | None) -> dict[str, str]:
    return {name: text(form, name) if form is not None else "" for name in FIELDS}


def _render_form(
    request: Request,
    session: Session,
    *,
    kind: MessageKind,
    values: dict[str, str],
    errors: FormErrors,
    dataset: Dataset | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    errors.sort(FORM_ORDER)
    actions = {
        MessageKind.DATA_REQUEST: "/informationen/datenwunsch",
        MessageKind.ACCESSIBILITY: "/informationen/rueckmeldung-barrierefreiheit",
        MessageKind.DATASET_FEEDBACK: f"/datensaetze/{dataset.name}/rueckmeldung" if dataset else "",
    }
    return render(
        request,
        "transparency/feedback_form.html",
        {
            "active": "info",
            "fb_kind": kind.value,
            "fb_action": actions[kind],
            "fb_topics": feedback.TOPICS[kind],
            "values": values,
            "errors": errors,
            "labels": _labels(language(request)),
            "cities": feedback.network_cities(session),
            "dataset": dataset,
            "limits": feedback,
        },
        status_code=status_code,
    )


def _receive(
    request: Request,
    session: Session,
    *,
    kind: MessageKind,
    form: FormData,
    secret_key: str,
    dataset: Dataset | None = None,
) -> Response:
    values = _values(form)
    submission = feedback.Submission(
        kind=kind,
        lang=language(request),
        subject=values["subject"],
        body=values["body"],
        topic=values["topic"],
        contact_name=values["contact_name"],
        contact_email=values["contact_email"],
        municipality=values["municipality"],
        page_url=values["page_url"],
        website=values["website"],
    )
    if kind is MessageKind.DATASET_FEEDBACK:
        submission.municipality = ""
    try:
        _, key = feedback.submit(
            session, submission=submission, client_ip=_client_ip(request), secret_key=secret_key, dataset=dataset
        )
    except feedback.InvalidMessage as exc:
        session.rollback()
        errors = FormErrors()
        for name, message in exc.problems:
            errors.add(name, message)
        return _render_form(request, session, kind=kind, values=values, errors=errors, dataset=dataset, status_code=422)
    except feedback.TooManyRequests as exc:
        session.rollback()
        errors = FormErrors()
        errors.add(None, exc.message)
        return _render_form(request, session, kind=kind, values=values, errors=errors, dataset=dataset, status_code=429)
    return RedirectResponse(f"/informationen/anliegen/{key}?neu=1", 303)


# ------------------------------------------------------------------------------------------------ public forms


@router.get("/informationen/datenwunsch", response_class=HTMLResponse)
def data_request_form(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    values = _values(None)
    values["municipality"] = request.query_params.get("kommune", "")[:60]
    values["topic"] = "new"
    return _render_form(request, session, kind=MessageKind.DATA_REQUEST, values=values, errors=FormErrors())


@router.post("/informationen/datenwunsch", response_class=HTMLResponse)
def data_request(
    _: SmallBody, request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, form: FormDep
) -> Response:
    return _receive(request, session, kind=MessageKind.DATA_REQUEST, form=form, secret_key=settings.secret_key)


@router.get("/informationen/rueckmeldung-barrierefreiheit", response_class=HTMLResponse)
def accessibility_form(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    values = _values(None)
    values["topic"] = "barrier"
    values["page_url"] = request.query_params.get("seite", "")[:300]
    return _render_form(request, session, kind=MessageKind.ACCESSIBILITY, values=values, errors=FormErrors())


@router.post("/informationen/rueckmeldung-barrierefreiheit", response_class=HTMLResponse)
def accessibility_feedback(
    _: SmallBody, request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, form: FormDep
) -> Response:
    return _receive(request, session, kind=MessageKind.ACCESSIBILITY, form=form, secret_key=settings.secret_key)


@router.get("/datensaetze/{name}/rueckmeldung", response_class=HTMLResponse)
def dataset_feedback_form(request: Request, name: str, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    values = _values(None)
    values["topic"] = "error"
    return _render_form(
        request, session, kind=MessageKind.DATASET_FEEDBACK, values=values, errors=FormErrors(), dataset=dataset
    )


@router.post("/datensaetze/{name}/rueckmeldung", response_class=HTMLResponse)
def dataset_feedback(
    _: SmallBody,
    request: Request,
    name: str,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    # only datasets the sender can see: the form cannot be used to probe for hidden ones
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    return _receive(
        request, session, kind=MessageKind.DATASET_FEEDBACK, form=form, secret_key=settings.secret_key, dataset=dataset
    )


@router.get("/informationen/anliegen/{key}", response_class=HTMLResponse)
def receipt(
    request: Request, key: str, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> Response:
    message = feedback.by_receipt(session, key)
    response = render(
        request,
        "transparency/feedback_receipt.html",
        {
            "active": "info",
            "message": message,
            "new": request.query_params.get("neu") == "1",
            "link": f"{settings.base_url.rstrip('/')}/informationen/anliegen/{key}",
        },
    )
    # a private page: no cache keeps it, no search engine lists it, no link leaks it
    response.headers["cache-control"] = "private, no-store"
    response.headers["x-robots-tag"] = "noindex"
    response.headers["referrer-policy"] = "no-referrer"
    return response


# ------------------------------------------------------------------------------------------------ recipients


def _queue_allowed(principal: Principal) -> None:
    if not feedback.may_use_queue(principal):
        raise PermissionDenied(
            "Anliegen von Bürgerinnen und Bürgern bearbeiten Data Stewards und die Administration einer Stadt. "
            "/ Citizens' requests are handled by the data stewards and the administration of a city."
        )


@router.get("/verwaltung/anliegen", response_class=HTMLResponse)
def queue(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    _queue_allowed(principal)
    view = request.query_params.get("ansicht", "offen")
    kind_param = request.query_params.get("art", "")
    kind = MessageKind(kind_param) if kind_param in {k.value for k in MessageKind} else None
    messages = feedback.list_messages(session, principal=principal, open_only=view != "alle", kind=kind)
    lang = language(request)
    return render(
        request,
        "transparency/feedback_queue.html",
        {
            "active": "staff",
            "messages": [(m, feedback.recipient_label(session, m, lang)) for m in messages],
            "view": "alle" if view == "alle" else "offen",
            "kind": kind.value if kind else "",
            "kinds": [k.value for k in MessageKind],
        },
    )


def _render_detail(
    request: Request,
    session: Session,
    principal: Principal,
    message: CitizenMessage,
    *,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request)
    dataset_name = session.get(Dataset, message.dataset_id).name if message.dataset_id else ""  # type: ignore[union-attr]
    done = request.query_params.get("erledigt", "")
    response = render(
        request,
        "transparency/feedback_detail.html",
        {
            "active": "staff",
            "message": message,
            "dataset_name": dataset_name,
            "recipient": feedback.recipient_label(session, message, lang),
            "may_forward": message.recipient_user_id is not None
            and message.municipality_id is not None
            and (message.recipient_user_id == principal.user_id or principal.is_superuser),
            "errors": errors or FormErrors(),
            "labels": _labels(lang),
            "values": values or {"status": message.status.value, "answer": message.answer},
            "statuses": [s.value for s in MessageStatus],
            "done": done if done in ("gespeichert", "weitergegeben") else "",
        },
        status_code=status_code,
    )
    response.headers["referrer-policy"] = "no-referrer"
    return response


@router.get("/verwaltung/anliegen/{reference}", response_class=HTMLResponse)
def detail(request: Request, reference: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    message = feedback.get_message(session, principal=principal, reference=reference)
    return _render_detail(request, session, principal, message)


@router.post("/verwaltung/anliegen/{reference}", response_class=HTMLResponse)
def respond(request: Request, reference: str, session: SessionDep, principal: PrincipalDep, form: FormDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    message = feedback.get_message(session, principal=principal, reference=reference)
    values = {"status": text(form, "status"), "answer": text(form, "answer")}
    try:
        feedback.respond(
            session, principal=principal, message=message, status=values["status"], answer=values["answer"]
        )
    except (KikzError, PermissionDenied) as exc:
        session.rollback()
        errors = FormErrors()
        for name, msg in getattr(exc, "problems", [(None, exc.message)]):
            errors.add(name, msg)
        message = feedback.get_message(session, principal=principal, reference=reference)
        status = exc.status_code if isinstance(exc, KikzError) else 403
        return _render_detail(request, session, principal, message, errors=errors, values=values, status_code=status)
    return RedirectResponse(f"/verwaltung/anliegen/{reference}?erledigt=gespeichert", 303)


@router.post("/verwaltung/anliegen/{reference}/weitergeben", response_class=HTMLResponse)
def forward(request: Request, reference: str, session: SessionDep, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return login_redirect(request)
    message = feedback.get_message(session, principal=principal, reference=reference)
    try:
        feedback.forward_to_city(session, principal=principal, message=message)
    except (KikzError, PermissionDenied) as exc:
        session.rollback()
        errors = FormErrors()
        errors.add(None, exc.message)
        message = feedback.get_message(session, principal=principal, reference=reference)
        status = exc.status_code if isinstance(exc, KikzError) else 403
        return _render_detail(request, session, principal, message, errors=errors, status_code=status)
    # the forwarding steward usually still sees it as a city steward; if not, back to the queue
    if feedback.may_use_queue(principal):
        try:
            feedback.get_message(session, principal=principal, reference=reference)
        except KikzError:
            return RedirectResponse("/verwaltung/anliegen", 303)
    return RedirectResponse(f"/verwaltung/anliegen/{reference}?erledigt=weitergegeben", 303)
