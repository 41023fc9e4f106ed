"""HTML pages: a city's catalogue MQA (``/qualitaet/{slug}``) and a dataset's quality
(``/datensaetze/{name}/qualitaet``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from kikz.catalog import service as catalog
from kikz.governance.quality import history
from kikz.web.deps import PrincipalDep, SessionDep, StoreDep
from kikz.web.templating import language, render

router = APIRouter(include_in_schema=False)


@router.get("/qualitaet/{slug}", response_class=HTMLResponse)
def city_quality_page(request: Request, slug: str, session: SessionDep, store: StoreDep) -> HTMLResponse:
    quality = history.city_quality(session, slug=slug, store=store)
    score = f"{quality.mqa.score:.1f}"
    context = {
        "q": quality.mqa,
        "history": quality.history,
        "score_text": score.replace(".", ",") if language(request) == "de" else score,
    }
    return render(request, "governance/quality_city.html", context)


@router.get("/datensaetze/{name}/qualitaet", response_class=HTMLResponse)
def dataset_quality_page(
    request: Request, name: str, session: SessionDep, principal: PrincipalDep, store: StoreDep
) -> HTMLResponse:
    quality = history.dataset_quality(session, principal=principal, key=name, store=store)
    dataset = catalog.get_dataset(session, principal=principal, key=name)
    return render(
        request,
        "governance/quality_dataset.html",
        {"active": "search", "q": quality, "dataset": dataset, "city": dataset.municipality},
    )
