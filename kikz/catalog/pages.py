"""Public catalogue pages: search with facets, dataset page with preview and API examples, city pages."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from kikz.catalog import search, staff_pages
from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset, Distribution, License
from kikz.catalog.vocabularies import EU_THEMES, FREQUENCIES
from kikz.errors import KikzError
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy import service as tenancy
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, Principal, allowed
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep, StoreDep
from kikz.web.templating import language, render

router = APIRouter(include_in_schema=False)
router.include_router(staff_pages.router)

PAGE_SIZE = 20
MAX_PREVIEWS = 3
SORTS = ("relevance", "modified", "title")
# German query parameter -> facet of the search service
FACET_PARAMS = {
    "kommune": "city",
    "thema": "theme",
    "schutzklasse": "class",
    "format": "format",
    "lizenz": "license",
}


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool


@dataclass
class FacetGroup:
    param: str
    facet: str
    options: list[FacetOption] = field(default_factory=list)

    @property
    def any_checked(self) -> bool:
        return any(o.checked for o in self.options)


def _labels(session: Session, lang: str) -> dict[str, dict[str, str]]:
    """Human-readable labels for facet values (city slug → name, theme code → name, licence id → title)."""
    themes = {code: names[1 if lang == "en" else 0] for code, names in EU_THEMES.items()}
    return {
        "city": {slug: name for slug, name in session.execute(select(Municipality.slug, Municipality.name))},
        "theme": themes,
        "license": {ident: title for ident, title in session.execute(select(License.id, License.title))},
    }


def _page_number(request: Request) -> int:
    """Page from ?seite=, kept inside the range the search accepts (a hand-edited URL is no error)."""
    raw = request.query_params.get("seite", "1")
    page = int(raw) if raw.isdigit() and len(raw) < 7 else 1
    return min(max(1, page), search.MAX_OFFSET // PAGE_SIZE + 1)


def _facet_groups(
    result: search.SearchResult, filters: dict[str, list[str]], labels: dict[str, dict[str, str]]
) -> list[FacetGroup]:
    groups = []
    for param, facet in FACET_PARAMS.items():
        group = FacetGroup(param=param, facet=facet)
        chosen = filters.get(facet, [])
        counts = dict(result.facets.get(facet, []))
        # a chosen value stays listed even without hits, so it can be unticked again
        values = list(counts) + [v for v in chosen if v not in counts]
        for value in values:
            label = labels.get(facet, {}).get(value, value)
            group.options.append(FacetOption(value, label, counts.get(value, 0), value in chosen))
        if group.options:
            groups.append(group)
    return groups


@router.get("/datensaetze", response_class=HTMLResponse)
def search_page(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    params = request.query_params
    query = params.get("q", "").strip()[:200]
    sort = params.get("sortierung", "")
    if sort not in SORTS:
        sort = "relevance" if query else "modified"
    filters = {
        facet: [v for v in dict.fromkeys(params.getlist(param)) if v][: search.MAX_FILTER_VALUES]
        for param, facet in FACET_PARAMS.items()
        if params.getlist(param)
    }
    page = _page_number(request)
    result = search.search_datasets(
        session,
        principal=principal,
        query=query,
        filters=filters or None,
        sort=sort,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    labels = _labels(session, language(request))
    active = [
        (param, value, labels.get(facet, {}).get(value, value))
        for param, facet in FACET_PARAMS.items()
        for value in filters.get(facet, [])
    ]
    return render(
        request,
        "catalog/search.html",
        {
            "active": "search",
            "query": query,
            "sort": sort,
            "sorts": SORTS,
            "result": result,
            "groups": _facet_groups(result, filters, labels),
            "active_filters": active,
            "page": page,
            "pages": max(1, math.ceil(result.total / PAGE_SIZE)),
            "params": params,
        },
    )


def _previews(distributions: list[Distribution], store: FileStore, settings: Settings) -> dict[str, dict[str, Any]]:
    """Preview of the first tabular files; a file that cannot be read gets its reason instead of a table."""
    from kikz.catalog import tabular

    out: dict[str, dict[str, Any]] = {}
    for dist in distributions:
        if len(out) >= MAX_PREVIEWS:
            break
        if not dist.is_stored_file or dist.format not in tabular.TABULAR_FORMATS or not dist.checksum_sha256:
            continue
        try:
            preview = tabular.preview(store.path_for(dist.checksum_sha256), dist.format, rows=settings.preview_rows)
        except KikzError as exc:
            out[dist.identifier] = {"error": exc.message}
        except (OSError, ValueError) as exc:
            out[dist.identifier] = {"error": f"Die Datei kann nicht gelesen werden ({type(exc).__name__})."}
        else:
            out[dist.identifier] = {"preview": preview}
    return out


def may_see_history(principal: Principal, dataset: Dataset) -> bool:
    return (
        principal.is_superuser
        or bool(principal.roles_in(dataset.municipality_id))
        or allowed(principal, Action.EDIT_DATASET, dataset)
    )


@router.get("/datensaetze/{name}", response_class=HTMLResponse)
def dataset_page(
    request: Request,
    name: str,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    store: StoreDep,
) -> HTMLResponse:
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    public = catalog.to_public(dataset, base_url=settings.base_url)
    lang = language(request)
    show_history = may_see_history(principal, dataset)
    return render(
        request,
        "catalog/dataset.html",
        {
            "active": "search",
            "ds": public,
            "dataset": dataset,
            "themes": [(t, EU_THEMES[t][1 if lang == "en" else 0] if t in EU_THEMES else t) for t in public.themes],
            "frequency": FREQUENCIES.get(public.accrual_periodicity, public.accrual_periodicity),
            "previews": _previews(dataset.distributions, store, settings),
            "history": catalog.history(session, dataset=dataset) if show_history else None,
            "can_edit": allowed(principal, Action.EDIT_DATASET, dataset),
            "base_url": settings.base_url.rstrip("/"),
        },
    )


@router.get("/kommunen/{slug}", response_class=HTMLResponse)
def city_page(request: Request, slug: str, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    city = tenancy.get_municipality(session, slug)
    page = _page_number(request)
    result = search.search_datasets(
        session,
        principal=principal,
        query="",
        filters={"city": [city.slug]},
        sort="modified",
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    lang = language(request)
    themes = [
        (code, EU_THEMES[code][1 if lang == "en" else 0] if code in EU_THEMES else code, count)
        for code, count in result.facets.get("theme", [])
    ]
    return render(
        request,
        "catalog/city.html",
        {
            "city": city,
            "result": result,
            "themes": themes,
            "page": page,
            "pages": max(1, math.ceil(result.total / PAGE_SIZE)),
            "can_create": allowed(principal, Action.CREATE_DATASET, city),
        },
    )
