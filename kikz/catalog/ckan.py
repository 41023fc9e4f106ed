"""A read-only subset of the CKAN 2.10 Action API (``/api/3/action/<name>`` and ``/api/action/<name>``).

CKAN clients (ckanapi, harvesters, portals) list, search and read the catalogue without knowing kikz.
Every action sees only what the caller may see (``permissions.visible`` inside the query). As in CKAN,
``package_search`` and ``package_list`` leave non-public ("private") datasets out unless
``include_private=true`` is asked for, so a harvester with a staff token does not copy intern data into a
public portal by accident; ``package_show`` and ``organization_show`` apply the caller's rights.
Callers authenticate with an API token in ``Authorization`` (bare, as CKAN clients send it, or ``Bearer``)
or ``X-CKAN-API-Key``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kikz.catalog import ckan_shapes as shapes
from kikz.catalog import search, service
from kikz.catalog.ckan_query import (
    AUTHORIZATION,
    DEFAULT_SORT,
    FIELDS,
    NOT_FOUND,
    SORTS,
    STATUS,
    VALIDATION,
    CkanError,
    ParsedQuery,
    invalid,
    parse_query,
)
from kikz.catalog.models import Dataset, License
from kikz.catalog.vocabularies import EU_THEMES
from kikz.errors import KikzError
from kikz.settings import Settings
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import Municipality, User
from kikz.tenancy.permissions import ANONYMOUS, PermissionDenied, Principal, principal_for, visible
from kikz.web.deps import SESSION_COOKIE, SessionDep, SettingsDep

router = APIRouter()

TAG = "CKAN Action API"
PREFIXES = ("/api/3/action", "/api/action")
MAX_ROWS = 1000
DEFAULT_ROWS = 10
MAX_LIST = 1000
TRUE = {"true", "1", "yes", "on"}


@dataclass
class Call:
    session: Session
    settings: Settings
    principal: Principal
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, name: str, default: str = "") -> str:
        value = self.params.get(name, default)
        return value if isinstance(value, str) else str(value)

    def required(self, name: str) -> str:
        value = self.text(name).strip()
        if not value:
            raise invalid(name, "Pflichtangabe fehlt / Missing value")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        return value is True or str(value).strip().lower() in TRUE

    def integer(self, name: str, default: int, *, maximum: int | None = None) -> int:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(str(value).strip())
        except ValueError:
            raise invalid(name, "keine ganze Zahl / Invalid integer") from None
        if number < 0:
            raise invalid(name, "muss 0 oder größer sein / Must be a natural number")
        return min(number, maximum) if maximum is not None else number

    def string_list(self, name: str) -> list[str] | None:
        value = self.params.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.lstrip().startswith("[") else [value]
            except json.JSONDecodeError:
                raise invalid(name, "keine gültige JSON-Liste / Not a valid JSON list") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(name, "erwartet eine Liste von Texten / Expected a list of strings")
        return value

    def scoped(self, include_private: bool) -> Principal:
        """CKAN leaves private datasets out of listings unless asked; kikz 'private' = not public."""
        return self.principal if include_private else ANONYMOUS


ACTIONS: dict[str, Callable[[Call], Any]] = {}


def action(fn: Callable[[Call], Any]) -> Callable[[Call], Any]:
    ACTIONS[fn.__name__] = fn
    return fn


# --- actions -------------------------------------------------------------------------------------------


@action
def package_search(call: Call) -> dict[str, Any]:
    """Datensätze suchen / Search datasets: q, fq (organization:, groups:, tags:, res_format:, license_id:),
    rows (max. 1000), start, sort ('score desc, metadata_modified desc', 'metadata_modified desc',
    'title_string asc'), facet.field (JSON list), facet.limit, include_private."""
    parsed = parse_query(call.text("q"), call.text("fq"))
    rows = call.integer("rows", DEFAULT_ROWS, maximum=MAX_ROWS)
    start = call.integer("start", 0)
    sort_text = " ".join(call.text("sort", DEFAULT_SORT).lower().split()) or DEFAULT_SORT
    if sort_text not in SORTS:
        raise invalid("sort", f"nicht unterstützt; erlaubt: {', '.join(SORTS)}")
    sort = SORTS[sort_text]
    if sort == "relevance" and not parsed.text:
        sort = "modified"
    total, datasets, counts = _search(call, parsed, sort, rows, start)
    wanted = (call.string_list("facet.field") or []) if call.flag("facet", True) else []
    limit = call.integer("facet.limit", 50) if call.text("facet.limit") != "-1" else None
    facets, search_facets = _facets(call.session, counts, wanted, limit)
    return {
        "count": total,
        "sort": sort_text,
        "results": [shapes.package_dict(d, call.settings.base_url) for d in datasets],
        "facets": facets,
        "search_facets": search_facets,
    }


def _search(
    call: Call, parsed: ParsedQuery, sort: str, rows: int, start: int
) -> tuple[int, list[Dataset], dict[str, list[tuple[str, int]]]]:
    """One CKAN page (up to 1000 rows) from the kikz search, which pages by at most ``search.MAX_LIMIT``."""
    if start > search.MAX_OFFSET:
        raise invalid("start", f"höchstens {search.MAX_OFFSET}; für mehr package_list verwenden / use package_list")
    principal = call.scoped(call.flag("include_private"))
    datasets: list[Dataset] = []
    total: int = 0
    counts: dict[str, list[tuple[str, int]]] = {}
    while True:
        offset = start + len(datasets)
        limit = max(1, min(search.MAX_LIMIT, rows - len(datasets)))
        result = search.search_datasets(
            call.session,
            principal=principal,
            query=parsed.text,
            filters=parsed.filters,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        if offset == start:
            total, counts = result.total, result.facets
        datasets.extend(hit.dataset for hit in result.hits[: rows - len(datasets)])
        if len(datasets) >= rows or len(result.hits) < limit or start + len(datasets) > search.MAX_OFFSET:
            return total, datasets, counts


def _facets(
    session: Session, counts: dict[str, list[tuple[str, int]]], wanted: list[str], limit: int | None
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, Any]]]:
    rows = session.execute(select(Municipality.slug, Municipality.name))
    cities: dict[str, str] = {slug: name for slug, name in rows}
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict[str, Any]] = {}
    for ckan_field in wanted:
        facet = FIELDS.get(ckan_field, ("", str))[0]
        items: list[dict[str, Any]] = []
        for value, count in sorted(counts.get(facet, []), key=lambda vc: (-vc[1], vc[0]))[:limit]:
            name, display = value, value
            if facet == "city":
                display = cities.get(value, value)
            elif facet == "theme" and value in EU_THEMES:
                name, display = shapes.group_name(value), EU_THEMES[value][0]
            items.append({"name": name, "display_name": display, "count": count})
        facets[ckan_field] = {item["name"]: item["count"] for item in items}
        search_facets[ckan_field] = {"title": ckan_field, "items": items}
    return facets, search_facets


@action
def package_show(call: Call) -> dict[str, Any]:
    """Einen Datensatz lesen / Read one dataset by id (identifier) or name."""
    dataset = service.get_dataset(call.session, principal=call.principal, key=call.required("id"))
    return shapes.package_dict(dataset, call.settings.base_url)


@action
def package_list(call: Call) -> list[str]:
    """Namen der öffentlichen Datensätze / Names of the public datasets (limit, offset)."""
    stmt = (
        select(Dataset.name)
        .where(visible(call.scoped(call.flag("include_private")), Dataset))
        .order_by(Dataset.name)
        .offset(call.integer("offset", 0))
    )
    if call.params.get("limit") not in (None, ""):
        stmt = stmt.limit(call.integer("limit", 0))
    return list(call.session.scalars(stmt))


def _package_counts(call: Call) -> dict[int, int]:
    stmt = (
        select(Dataset.municipality_id, func.count())
        .where(visible(call.principal, Dataset))
        .group_by(Dataset.municipality_id)
    )
    return {mid: n for mid, n in call.session.execute(stmt)}


def _sorted(items: list[dict[str, Any]], sort: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    key, _, direction = sort.strip().lower().partition(" ")
    if key not in fields or direction not in ("", "asc", "desc"):
        raise invalid("sort", f"erlaubt: {', '.join(fields)} mit asc oder desc")
    if key == "package_count":
        return sorted(items, key=lambda i: (i["package_count"] * (1 if direction == "asc" else -1), i["name"]))
    return sorted(items, key=lambda i: str(i[key]).casefold(), reverse=direction == "desc")


def _listing(call: Call, items: list[dict[str, Any]], wanted_param: str) -> list[Any]:
    wanted = call.string_list(wanted_param)
    if wanted is not None:
        items = [i for i in items if i["name"] in wanted]
    items = _sorted(items, call.text("sort", "title asc") or "title asc", ("name", "title", "package_count"))
    offset = call.integer("offset", 0)
    items = items[offset : offset + call.integer("limit", MAX_LIST, maximum=MAX_LIST)]
    if call.flag("all_fields"):
        return items
    return [i["name"] for i in items]


@action
def organization_list(call: Call) -> list[Any]:
    """Die Kommunen als Organisationen / The municipalities as organisations.

    Parameters: all_fields, sort, limit, offset, organizations."""
    counts = _package_counts(call)
    cities = call.session.scalars(select(Municipality))
    return _listing(
        call,
        [shapes.organization_dict(c, package_count=counts.get(c.id, 0)) for c in cities],
        "organizations",
    )


@action
def organization_show(call: Call) -> dict[str, Any]:
    """Eine Kommune / One municipality (id or name; include_datasets)."""
    key = call.required("id")
    city = call.session.scalar(select(Municipality).where(Municipality.slug == key.lower()))
    if city is None:
        raise CkanError(NOT_FOUND, "Organisation nicht gefunden / Organization not found")
    out = shapes.organization_dict(city, package_count=_package_counts(call).get(city.id, 0))
    out["extras"] = shapes.organization_extras(city)
    out["users"] = []
    if call.flag("include_datasets"):
        stmt = (
            select(Dataset)
            .where(Dataset.municipality_id == city.id, visible(call.principal, Dataset))
            .order_by(Dataset.modified.desc(), Dataset.id.desc())
            .limit(MAX_LIST)
        )
        out["packages"] = [shapes.package_dict(d, call.settings.base_url) for d in call.session.scalars(stmt)]
    return out


def _theme_counts(call: Call) -> dict[str, int]:
    result = search.search_datasets(call.session, principal=call.principal, query="", limit=1)
    return dict(result.facets.get("theme", []))


@action
def group_list(call: Call) -> list[Any]:
    """Die EU-Datenthemen als Gruppen / The EU data themes as groups (all_fields, sort, limit, offset)."""
    counts = _theme_counts(call)
    groups = [shapes.group_dict(t, package_count=counts.get(t, 0)) for t in EU_THEMES]
    return _listing(call, groups, "groups")


@action
def group_show(call: Call) -> dict[str, Any]:
    """Ein EU-Datenthema / One EU data theme (id or name)."""
    theme = shapes.theme_of_group(call.required("id"))
    if theme not in EU_THEMES:
        raise CkanError(NOT_FOUND, "Gruppe nicht gefunden / Group not found")
    return shapes.group_dict(theme, package_count=_theme_counts(call).get(theme, 0))


@action
def license_list(call: Call) -> list[dict[str, Any]]:
    """Lizenzen aus dem DCAT-AP.de-Vokabular / Licences of the DCAT-AP.de vocabulary."""
    return [shapes.license_dict(lic) for lic in call.session.scalars(select(License).order_by(License.id))]


@action
def status_show(call: Call) -> dict[str, Any]:
    """Angaben zur Installation / About this site."""
    return {
        "site_title": "kikz – Datenkatalog der Smart-KIKZ-Städte",
        "site_description": "Offene Daten von Offenbach, Gießen, Wetzlar, Fulda und Partnerstädten",
        "site_url": call.settings.base_url,
        "ckan_version": shapes.CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "de",
        "extensions": [],
    }


@action
def help_show(call: Call) -> str:
    """Beschreibung einer Aktion / Help text of an action (name)."""
    name = call.required("name")
    if name not in ACTIONS:
        raise CkanError(NOT_FOUND, f"Aktion nicht gefunden / Action not found: {name}")
    return " ".join((ACTIONS[name].__doc__ or "").split())


# --- HTTP ----------------------------------------------------------------------------------------------


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "").strip()
    scheme, _, value = header.partition(" ")
    if value and scheme.lower() in ("bearer", "token"):
        return value.strip()
    if header and " " not in header:
        return header
    return request.headers.get("x-ckan-api-key", "").strip() or None


def _principal(request: Request, session: Session) -> Principal:
    user: User | None = None
    key = _api_key(request)
    if key:
        user = tenancy.resolve_api_token(session, key)
        if user is None:
            raise CkanError(AUTHORIZATION, "Ungültiges oder abgelaufenes API-Token / Invalid or expired API token")
    elif request.method == "GET" and (cookie := request.cookies.get(SESSION_COOKIE)):
        # Only reads happen here, so a logged-in browser may use its session without a CSRF token.
        resolved = tenancy.resolve_session(session, cookie)
        user = resolved[0] if resolved else None
    return principal_for(session, user) if user else ANONYMOUS


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    if request.method != "POST":
        return params
    body = await request.body()
    if not body.strip():
        return params
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise CkanError("", f"Bad request - JSON Error: {exc}") from None
    if not isinstance(data, dict):
        raise CkanError("", "Bad request - JSON Error: Request data JSON decoded to an object, not a dict")
    params.update(data)
    return params


def _envelope(help_url: str, status: int, **body: Any) -> JSONResponse:
    return JSONResponse({"help": help_url, **body}, status_code=status)


def _error(help_url: str, exc: CkanError) -> JSONResponse:
    if not exc.kind:  # CKAN answers malformed requests with 400 and no error type
        return _envelope(help_url, 400, success=False, error={"message": exc.message})
    error = {"__type": exc.kind, "message": exc.message, **exc.fields}
    return _envelope(help_url, STATUS[exc.kind], success=False, error=error)


def _run(name: str, request: Request, session: Session, settings: Settings, params: dict[str, Any]) -> Any:
    call = Call(session=session, settings=settings, principal=_principal(request, session), params=params)
    try:
        return ACTIONS[name](call)
    except PermissionDenied as exc:
        raise CkanError(AUTHORIZATION, exc.message) from exc
    except KikzError as exc:
        kind = NOT_FOUND if exc.status_code == 404 else VALIDATION
        raise CkanError(kind, exc.message) from exc


def _endpoint(name: str) -> Callable[..., Any]:
    async def endpoint(request: Request, session: SessionDep, settings: SettingsDep) -> JSONResponse:
        help_url = f"{settings.base_url.rstrip('/')}/api/3/action/help_show?name={name}"
        try:
            params = await _params(request)
            result = await run_in_threadpool(_run, name, request, session, settings, params)
        except CkanError as exc:
            return _error(help_url, exc)
        return _envelope(help_url, 200, success=True, result=result)

    endpoint.__name__ = f"ckan_{name}"
    return endpoint


for _name, _fn in ACTIONS.items():
    for _prefix in PREFIXES:
        for _method in ("GET", "POST"):
            router.add_api_route(
                f"{_prefix}/{_name}",
                _endpoint(_name),
                methods=[_method],
                tags=[TAG],
                summary=f"{_name} ({_method})",
                description=_fn.__doc__ or "",
                include_in_schema=_prefix == PREFIXES[0],
                response_class=JSONResponse,
                operation_id=f"ckan_{_name}_{_method.lower()}",
            )


async def _unknown_action(request: Request, settings: SettingsDep) -> JSONResponse:
    name = request.path_params["name"]
    help_url = f"{settings.base_url.rstrip('/')}/api/3/action/help_show?name={name}"
    return _envelope(help_url, 400, success=False, error={"message": f"Bad request - Action name not known: {name}"})


for _prefix in PREFIXES:
    router.add_api_route(f"{_prefix}/{{name}}", _unknown_action, methods=["GET", "POST"], include_in_schema=False)
