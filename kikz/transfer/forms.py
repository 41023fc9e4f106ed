"""HTML forms of the forum → the API's input shapes, with German messages per field.

Lists that would need JavaScript to add rows (contacts, agenda, materials) are typed one per line with ``|``
between the parts, e.g. ``09:30 | Begrüßung | Oberbürgermeisterin``; a wrong line is named in the message.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from kikz.transfer.models import ForumEvent, ForumProject
from kikz.transfer.present import BERLIN
from kikz.transfer.schemas import EventIn, ProjectCreate, ProjectIn
from kikz.transfer.vocab import MaterialKind
from kikz.web.forms import FormErrors, errors_from_validation, text, texts

PROJECT_FIELDS = (
    "municipality",
    "title",
    "summary",
    "partners",
    "visibility",
    "field_of_action",
    "phase",
    "maturity",
    "problem",
    "solution",
    "data_used",
    "datasets",
    "technologies",
    "licence",
    "repository_url",
    "website_url",
    "costs",
    "funding",
    "operation",
    "operating_model",
    "started_on",
    "contacts",
)
LIST_FIELDS = ("partners", "participants")
EVENT_FIELDS = (
    "title",
    "municipality",
    "visibility",
    "format",
    "location",
    "date",
    "start_time",
    "end_date",
    "end_time",
    "description",
    "agenda",
    "materials",
    "participants",
)
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
MATERIAL_WORDS = {
    "folien": MaterialKind.SLIDES,
    "slides": MaterialKind.SLIDES,
    "protokoll": MaterialKind.MINUTES,
    "minutes": MaterialKind.MINUTES,
    "aufzeichnung": MaterialKind.RECORDING,
    "video": MaterialKind.RECORDING,
    "recording": MaterialKind.RECORDING,
    "sonstiges": MaterialKind.OTHER,
}


def _values(form: FormData, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: texts(form, name) if name in LIST_FIELDS else text(form, name) for name in fields}


def _lines(raw: str) -> list[tuple[int, list[str]]]:
    return [
        (number, [part.strip() for part in line.split("|")])
        for number, line in enumerate(raw.splitlines(), start=1)
        if line.strip()
    ]


def _validate(model: type[BaseModel], data: dict[str, Any], errors: FormErrors) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for name, message in errors_from_validation(exc).items:
            errors.add(name, message)
        return None


# --- projects ----------------------------------------------------------------------------------------------------


def project_values(form: FormData) -> dict[str, Any]:
    return _values(form, PROJECT_FIELDS)


def _contacts(raw: str, errors: FormErrors) -> list[dict[str, str | None]]:
    out = []
    for number, parts in _lines(raw):
        if len(parts) > 3 or not parts[0]:
            errors.add("contacts", f"Zeile {number}: bitte „Name | Funktion | E-Mail“ angeben.")
            continue
        name, role, email = ([*parts, "", ""])[:3]
        if "@" in role and not email:
            role, email = "", role
        out.append({"name": name, "role": role, "email": email or None})
    return out


def project_input(values: dict[str, Any], *, create: bool) -> tuple[ProjectIn | None, FormErrors]:
    errors = FormErrors()
    data: dict[str, Any] = {
        "title": values["title"],
        "summary": values["summary"],
        "partners": values["partners"],
        "visibility": values["visibility"] or "forum",
        "field_of_action": values["field_of_action"] or None,
        "phase": values["phase"] or None,
        "maturity": values["maturity"] or None,
        "problem": values["problem"],
        "solution": values["solution"],
        "data_used": values["data_used"],
        "datasets": [line.strip() for line in values["datasets"].splitlines() if line.strip()],
        "technologies": [t.strip() for t in re.split(r"[,;\n]", values["technologies"]) if t.strip()],
        "licence": values["licence"],
        "repository_url": values["repository_url"],
        "website_url": values["website_url"],
        "costs": values["costs"],
        "funding": values["funding"],
        "operation": values["operation"] or None,
        "operating_model": values["operating_model"],
        "started_on": values["started_on"] or None,
        "contacts": _contacts(values["contacts"], errors),
    }
    if create:
        data["municipality"] = values["municipality"]
    model: type[BaseModel] = ProjectCreate if create else ProjectIn
    result = _validate(model, data, errors)
    errors.sort(PROJECT_FIELDS)
    return (result if not errors else None), errors


def values_from_project(project: ForumProject, dataset_names: list[str]) -> dict[str, Any]:
    return {
        "municipality": project.municipality.slug,
        "title": project.title,
        "summary": project.summary,
        "partners": [p.municipality.slug for p in project.partners],
        "visibility": project.visibility.value,
        "field_of_action": project.field_of_action.value,
        "phase": project.phase.value,
        "maturity": project.maturity.value,
        "problem": project.problem,
        "solution": project.solution,
        "data_used": project.data_used,
        "datasets": "\n".join(dataset_names),
        "technologies": ", ".join(t.name for t in project.technologies),
        "licence": project.licence,
        "repository_url": project.repository_url,
        "website_url": project.website_url,
        "costs": project.costs,
        "funding": project.funding,
        "operation": project.operation.value if project.operation else "",
        "operating_model": project.operating_model,
        "started_on": project.started_on.isoformat() if project.started_on else "",
        "contacts": "\n".join(" | ".join(p for p in (c.name, c.role, c.email)) for c in project.contacts),
    }


def empty_project(municipality: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in PROJECT_FIELDS}
    values.update(partners=[], visibility="forum", municipality=municipality)
    return values


# --- events ------------------------------------------------------------------------------------------------------


def event_values(form: FormData) -> dict[str, Any]:
    return _values(form, EVENT_FIELDS)


def _agenda(raw: str, errors: FormErrors) -> list[dict[str, Any]]:
    out = []
    for number, parts in _lines(raw):
        time = None
        match = _TIME.match(parts[0])
        if match:
            time = dt.time(int(match.group(1)), int(match.group(2)))
            parts = parts[1:]
        if not parts or not parts[0] or len(parts) > 3:
            errors.add("agenda", f"Zeile {number}: bitte „Uhrzeit | Titel | Referent/in | Projekt“ angeben.")
            continue
        title, speaker, project = ([*parts, "", ""])[:3]
        out.append({"time": time, "title": title, "speaker": speaker, "project": project or None})
    return out


def _materials(raw: str, errors: FormErrors) -> list[dict[str, Any]]:
    out = []
    for number, parts in _lines(raw):
        if len(parts) < 2 or len(parts) > 3:
            errors.add("materials", f"Zeile {number}: bitte „Titel | Adresse | Art“ angeben.")
            continue
        kind_word = parts[2].casefold() if len(parts) == 3 else "sonstiges"
        kind = MATERIAL_WORDS.get(kind_word)
        if kind is None:
            errors.add("materials", f"Zeile {number}: Art „{parts[2][:30]}“ unbekannt (Folien, Protokoll, …).")
            continue
        out.append({"title": parts[0], "url": parts[1], "kind": kind})
    return out


def _moment(day: str, time: str, field: str, errors: FormErrors) -> dt.datetime | None:
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        errors.add(field, "Bitte ein Datum im Format JJJJ-MM-TT angeben.")
        return None
    match = _TIME.match(time)
    if not match:
        errors.add(field.replace("date", "time"), "Bitte eine Uhrzeit wie 09:30 angeben.")
        return None
    return dt.datetime.combine(date, dt.time(int(match.group(1)), int(match.group(2))))


def event_input(values: dict[str, Any]) -> tuple[EventIn | None, FormErrors]:
    errors = FormErrors()
    starts = _moment(values["date"], values["start_time"], "date", errors)
    ends = _moment(values["end_date"] or values["date"], values["end_time"], "end_date", errors)
    data = {
        "title": values["title"],
        "description": values["description"],
        "municipality": values["municipality"],
        "visibility": values["visibility"] or "forum",
        "format": values["format"] or None,
        "location": values["location"],
        "starts_at": starts,
        "ends_at": ends,
        "agenda": _agenda(values["agenda"], errors),
        "materials": _materials(values["materials"], errors),
        "participants": values["participants"],
    }
    result = None if errors else _validate(EventIn, data, errors)
    errors.sort(EVENT_FIELDS)
    return (result if not errors else None), errors


def values_from_event(event: ForumEvent, slugs: dict[int, str]) -> dict[str, Any]:
    starts, ends = event.starts_at.astimezone(BERLIN), event.ends_at.astimezone(BERLIN)
    agenda = []
    for item in event.agenda:
        parts = [item.title, item.speaker, slugs.get(item.project_id or 0, "")]
        while parts and not parts[-1]:
            parts.pop()
        if item.start_time:
            parts.insert(0, item.start_time.strftime("%H:%M"))
        agenda.append(" | ".join(parts))
    return {
        "title": event.title,
        "municipality": event.municipality.slug,
        "visibility": event.visibility.value,
        "format": event.format.value,
        "location": event.location,
        "date": starts.date().isoformat(),
        "start_time": starts.strftime("%H:%M"),
        "end_date": ends.date().isoformat() if ends.date() != starts.date() else "",
        "end_time": ends.strftime("%H:%M"),
        "description": event.description,
        "agenda": "\n".join(agenda),
        "materials": "\n".join(f"{m.title} | {m.url} | {m.kind.value}" for m in event.materials),
        "participants": [p.municipality.slug for p in event.participants],
    }


def empty_event(municipality: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in EVENT_FIELDS}
    values.update(participants=[], visibility="forum", municipality=municipality, format="praesenz")
    return values
