"""Citizen Lab lessons under /lab: guess and check, personal data or not, build your own chart.

Every lesson works with plain forms and server-rendered answers; lessons read open data only (as an anonymous
visitor, whoever is logged in). Answers are POSTed with the CSRF token and rendered directly; the chart builder is
a GET form, so a chart has a shareable address. Progress is the signed cookie of :mod:`lab_progress`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kikz.errors import KikzError
from kikz.sensors import charts
from kikz.sensors.kpi import BERLIN
from kikz.settings import Settings
from kikz.transparency import lab_chart, lab_guess, lab_personal, lab_progress, lab_workshops
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep, StoreDep
from kikz.web.forms import FormErrors, text
from kikz.web.templating import language, render

router = APIRouter(include_in_schema=False)

GUESS = "schaetzen"
PERSONAL = "personenbezug"
CHART = "diagramm"
LESSONS = (GUESS, PERSONAL, CHART)
STEPS = (GUESS, *(f"{PERSONAL}/{e.key}" for e in lab_personal.EXAMPLES), CHART)
"""Everything the progress cookie may hold."""


async def _form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]
ShortParam = Annotated[str, Query(max_length=200)]


def finished_lessons(steps: frozenset[str]) -> set[str]:
    done = {lesson for lesson in (GUESS, CHART) if lesson in steps}
    if all(f"{PERSONAL}/{e.key}" in steps for e in lab_personal.EXAMPLES):
        done.add(PERSONAL)
    return done


def _bar_svg(lang: str) -> Any:
    """For templates: a bar chart whose texts the template supplies (German first, English second)."""

    def draw(chart_id: str, title: str, description: str, unit: str, items: Sequence[tuple[str, float]]) -> Markup:
        bars = [charts.Bar(label, float(value)) for label, value in items]
        svg = charts.bar_chart(
            chart_id=chart_id,
            title=title,
            description=description,
            bars=bars,
            unit=unit,
            style=charts.Style(lang=lang),
        )
        return Markup(svg)  # noqa: S704 - built from escaped parts by kikz.sensors.charts

    return draw


def local_moment(moment: dt.datetime, *, before: bool = False) -> str:
    """Day and time in Berlin; ``before``: the minute before (a deadline is the first moment that is too late)."""
    if before:
        moment -= dt.timedelta(minutes=1)
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M")


def lab_render(
    request: Request,
    settings: Settings,
    name: str,
    context: dict[str, Any],
    *,
    finished: Iterable[str] = (),
    status_code: int = 200,
) -> HTMLResponse:
    """Render a lab page; ``finished`` steps are added to the progress cookie."""
    lang = language(request)
    before = lab_progress.read(request, settings, STEPS)
    steps = before | frozenset(s for s in finished if s in STEPS)
    ctx = {
        "active": "lab",
        "t": lambda de, en: en if lang == "en" else de,
        "num": lambda value, digits=0: charts.number(value, digits, lang),
        "bar_svg": _bar_svg(lang),
        "local_date": lambda moment: moment.astimezone(BERLIN).date(),
        "local_time": lambda moment: moment.astimezone(BERLIN).strftime("%H:%M"),
        "local_moment": local_moment,
        "steps": steps,
        "done": finished_lessons(steps),
        "answered": sum(1 for s in steps if s.startswith(f"{PERSONAL}/")),
        "example_count": len(lab_personal.EXAMPLES),
        **context,
    }
    response = render(request, name, ctx, status_code=status_code)
    if steps != before:
        lab_progress.store(response, steps, settings)
    return response


@router.get("/lab", response_class=HTMLResponse)
def lab_home(request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> HTMLResponse:
    return lab_render(
        request,
        settings,
        "lab/index.html",
        {"lessons": LESSONS, "workshops": lab_workshops.upcoming(session)[:3]},
    )


@router.post("/lab/fortschritt/loeschen")
def forget_progress(request: Request, principal: PrincipalDep) -> Response:
    response = RedirectResponse("/lab", status_code=303)
    lab_progress.forget(response)
    return response


# --- 1. Schätzen, dann prüfen -------------------------------------------------------------------------------------


def _counter_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _guess_context(session: Session, chosen: int | None, errors: FormErrors) -> dict[str, Any]:
    counters = lab_guess.bike_counters(session)
    facts = None
    if chosen is not None and any(c.thing_id == chosen for c in counters):
        try:
            facts = lab_guess.school_morning(session, chosen)
        except KikzError as exc:
            errors.add(None, exc.message)
    return {"counters": counters, "chosen": chosen, "facts": facts, "errors": errors}


@router.get("/lab/schaetzen", response_class=HTMLResponse)
def guess_question(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    zaehlstelle: ShortParam = "",
) -> HTMLResponse:
    context = _guess_context(session, _counter_id(zaehlstelle), FormErrors())
    return lab_render(request, settings, "lab/guess.html", {**context, "guess": ""})


def parse_guess(raw: str) -> int | None:
    """ "1.200", "1 200" and "1200" are the same guess; anything else is not a number."""
    cleaned = raw.replace(".", "").replace(" ", "").replace("\u00a0", "")
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 7 else None


@router.post("/lab/schaetzen", response_class=HTMLResponse)
def guess_answer(
    request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, form: FormDep
) -> HTMLResponse:
    errors = FormErrors()
    context = _guess_context(session, _counter_id(text(form, "zaehlstelle")), errors)
    raw = text(form, "tipp")
    if context["facts"] is None:
        if not errors:
            errors.add("zaehlstelle", "Bitte eine Zählstelle wählen. / Please choose a counter.")
        return lab_render(request, settings, "lab/guess.html", {**context, "guess": raw}, status_code=422)
    guess = parse_guess(raw)
    if guess is None:
        errors.add("tipp", "Bitte eine ganze Zahl schätzen, z. B. 150. / Please guess a whole number, e.g. 150.")
        return lab_render(request, settings, "lab/guess.html", {**context, "guess": raw}, status_code=422)
    try:
        result = lab_guess.judge(guess, context["facts"].count)
    except KikzError as exc:
        errors.add("tipp", exc.message)
        return lab_render(request, settings, "lab/guess.html", {**context, "guess": raw}, status_code=422)
    return lab_render(
        request, settings, "lab/guess.html", {**context, "guess": raw, "result": result}, finished=[GUESS]
    )


# --- 2. Sind das personenbezogene Daten? --------------------------------------------------------------------------


def _personal_context(key: str) -> dict[str, Any]:
    chosen = lab_personal.BY_KEY.get(key)
    index = lab_personal.EXAMPLES.index(chosen) if chosen else -1
    following = lab_personal.EXAMPLES[index + 1] if chosen and index + 1 < len(lab_personal.EXAMPLES) else None
    return {"examples": lab_personal.EXAMPLES, "example": chosen, "following": following}


@router.get("/lab/personenbezug", response_class=HTMLResponse)
def personal_question(
    request: Request, principal: PrincipalDep, settings: SettingsDep, beispiel: ShortParam = ""
) -> HTMLResponse:
    return lab_render(request, settings, "lab/personal.html", {**_personal_context(beispiel), "errors": FormErrors()})


ANSWERS = {"ja": True, "nein": False}


@router.post("/lab/personenbezug", response_class=HTMLResponse)
def personal_answer(request: Request, principal: PrincipalDep, settings: SettingsDep, form: FormDep) -> HTMLResponse:
    context = _personal_context(text(form, "beispiel"))
    errors = FormErrors()
    item = context["example"]
    answer = ANSWERS.get(text(form, "antwort"))
    if item is None:
        errors.add(None, "Bitte ein Beispiel wählen. / Please choose an example.")
    elif answer is None:
        errors.add("antwort", "Bitte zuerst selbst antworten: ja oder nein. / Please answer first: yes or no.")
    if errors:
        return lab_render(request, settings, "lab/personal.html", {**context, "errors": errors}, status_code=422)
    classified = lab_personal.classify(item)
    return lab_render(
        request,
        settings,
        "lab/personal.html",
        {**context, "errors": errors, "answer": answer, "classified": classified},
        finished=[f"{PERSONAL}/{item.key}"],
    )


# --- 3. Baue dein Diagramm ----------------------------------------------------------------------------------------


@router.get("/lab/diagramm", response_class=HTMLResponse)
def chart_builder(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    store: StoreDep,
    datei: ShortParam = "",
    x: ShortParam = "",
    y: ShortParam = "",
    rechnen: ShortParam = "",
    art: ShortParam = "",
) -> HTMLResponse:
    lang = language(request)
    errors = FormErrors()
    context: dict[str, Any] = {"errors": errors, "source": None, "columns": [], "data": None}
    context.update(x_options=[], y_options=[])
    context["values"] = {"datei": datei, "x": x, "y": y, "rechnen": rechnen or "anzahl", "art": art or "balken"}
    context["sources"] = lab_chart.open_csv_sources(session)
    context["limits"] = {"rows": lab_chart.MAX_ROWS, "bars": lab_chart.MAX_BARS, "points": lab_chart.MAX_POINTS}
    status = 200
    finished: list[str] = []
    if datei:
        try:
            source = lab_chart.open_csv_source(session, datei)
            context["source"] = source
            context["columns"] = lab_chart.columns_of(store, source)
            context["x_options"] = [(c.name, c.name) for c in context["columns"]]
            context["y_options"] = [(c.name, c.name) for c in context["columns"] if c.numeric]
            if x:
                request_ = lab_chart.parse_request(context["columns"], x, y, rechnen, art)
                data = lab_chart.safe_build(store, source, request_)
                context["data"] = data
                context["draw"] = lambda title, description, unit: Markup(  # noqa: S704 - escaped SVG
                    lab_chart.svg(
                        data, chart_id="lab-chart", title=title, description=description, unit=unit, lang=lang
                    )
                )
                finished.append(CHART)
        except KikzError as exc:
            errors.add(_chart_field(exc.message), exc.message)
            status = exc.status_code
    return lab_render(request, settings, "lab/chart.html", context, finished=finished, status_code=status)


def _chart_field(message: str) -> str | None:
    if "x-Achse" in message:
        return "x"
    if "Zahlen" in message:
        return "y"
    if "CSV-Datei" in message:
        return "datei"
    return None
