"""Project and solution entries: create, edit, delete, search with filters, lessons learned and reuse links.

Every function takes the caller's ``Principal``; reading goes through :func:`kikz.transfer.access.visible_condition`
inside the SQL query, writing through the forum actions of the one policy. Changes are written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, case, distinct, func, select, union_all
from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog.models import Dataset
from kikz.catalog.text import fold
from kikz.db import utcnow
from kikz.errors import InvalidInput, NotFound
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, visible
from kikz.transfer import access
from kikz.transfer.common import (
    all_terms,
    city_by_slug,
    search_terms,
    search_words,
    unique_slug,
)
from kikz.transfer.models import (
    ForumProject,
    ForumProjectContact,
    ForumProjectDataset,
    ForumProjectPartner,
    ForumProjectTechnology,
    ForumReuse,
)
from kikz.transfer.schemas import ProjectCreate, ProjectIn
from kikz.transfer.vocab import FieldOfAction, Maturity, Phase

MAX_PROJECTS_PER_DAY = 20
"""New entries per person and day: generous for real work, a stop for scripts gone wrong."""
MAX_LESSON_LINKS = 5
SORTS = ("aktuell", "titel", "reife")
FACETS = ("kommune", "handlungsfeld", "phase", "reife", "technologie")


def _not_found() -> NotFound:
    return NotFound("Projekt nicht gefunden. / Project not found.")


def visible_projects(session: Session, principal: Principal) -> Select[ForumProject]:
    return select(ForumProject).where(access.visible_condition(session, principal, ForumProject.visibility))


def get_project(session: Session, *, principal: Principal, slug: str) -> ForumProject:
    project = session.scalar(visible_projects(session, principal).where(ForumProject.slug == slug))
    if project is None:
        raise _not_found()
    return project


def snapshot(project: ForumProject) -> dict[str, Any]:
    """The entry's fields for the audit log (before/after)."""
    return {
        "slug": project.slug,
        "title": project.title,
        "visibility": project.visibility.value,
        "lead": project.municipality_id,
        "partners": sorted(p.municipality_id for p in project.partners),
        "field_of_action": project.field_of_action.value,
        "phase": project.phase.value,
        "maturity": project.maturity.value,
        "licence": project.licence,
        "repository_url": project.repository_url,
        "technologies": [t.name for t in project.technologies],
        "datasets": sorted(d.dataset_id for d in project.datasets),
    }


def _partners(session: Session, slugs: list[str], lead: Municipality) -> list[Municipality]:
    out: dict[int, Municipality] = {}
    for slug in slugs:
        if slug.strip():
            city = city_by_slug(session, slug)
            if city.id != lead.id:
                out[city.id] = city
    return list(out.values())


def _technologies(names: list[str]) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for name in names:
        name = " ".join(name.split())
        key = fold(name)
        if key and key not in out:
            out[key] = name
    return [(name, key) for key, name in out.items()]


def _dataset_ids(session: Session, principal: Principal, names: list[str]) -> list[int]:
    ids: list[int] = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        found = session.scalar(select(Dataset.id).where(Dataset.name == name, visible(principal, Dataset)))
        if found is None:
            raise InvalidInput(
                f"Datensatz „{name[:80]}“ gibt es nicht oder Sie dürfen ihn nicht sehen. / "
                "Dataset not found or not visible to you."
            )
        ids.append(found)
    return ids


def _apply(session: Session, principal: Principal, project: ForumProject, data: ProjectIn) -> None:
    project.title = data.title
    project.summary = data.summary
    project.visibility = data.visibility
    project.field_of_action = data.field_of_action
    project.phase = data.phase
    project.maturity = data.maturity
    project.problem = data.problem
    project.solution = data.solution
    project.data_used = data.data_used
    project.licence = data.licence
    project.repository_url = data.repository_url
    project.website_url = data.website_url
    project.costs = data.costs
    project.funding = data.funding
    project.operation = data.operation
    project.operating_model = data.operating_model
    project.started_on = data.started_on
    lead = session.get(Municipality, project.municipality_id)
    assert lead is not None
    partners = _partners(session, data.partners, lead)
    # rows are kept or dropped one by one: replacing the list would insert a pair before deleting its twin
    wanted_partners = [c.id for c in partners]
    project.partners = [p for p in project.partners if p.municipality_id in wanted_partners] + [
        ForumProjectPartner(municipality_id=c)
        for c in wanted_partners
        if c not in {p.municipality_id for p in project.partners}
    ]
    technologies = dict((k, n) for n, k in _technologies(data.technologies))
    kept = [t for t in project.technologies if t.key in technologies]
    for tech in kept:
        tech.name = technologies[tech.key]
    project.technologies = kept + [
        ForumProjectTechnology(name=n, key=k) for k, n in technologies.items() if k not in {t.key for t in kept}
    ]
    project.contacts = [
        ForumProjectContact(name=c.name.strip(), role=c.role.strip(), email=str(c.email or "")) for c in data.contacts
    ]
    # links to datasets the editor cannot see stay as they are: a partner city must not drop them unseen
    wanted = _dataset_ids(session, principal, data.datasets)
    existing = [d.dataset_id for d in project.datasets]
    seen = set(session.scalars(select(Dataset.id).where(Dataset.id.in_(existing), visible(principal, Dataset))))
    final = set(d for d in existing if d not in seen) | set(wanted)
    project.datasets = [d for d in project.datasets if d.dataset_id in final] + [
        ForumProjectDataset(dataset_id=d) for d in dict.fromkeys(wanted) if d not in existing
    ]
    names = [lead.name, *(c.name for c in partners)]
    project.search_text = search_words(
        data.title,
        data.summary,
        data.problem,
        data.solution,
        data.data_used,
        data.operating_model,
        data.funding,
        " ".join(data.technologies),
        " ".join(names),
    )
    project.updated_at = utcnow()


def create_project(
    session: Session, *, principal: Principal, data: ProjectCreate, now: dt.datetime | None = None
) -> ForumProject:
    lead = city_by_slug(session, data.municipality)
    access.require_city(principal, Action.FORUM_CONTRIBUTE, lead)
    now = now or utcnow()
    if principal.user_id is not None:
        recent = session.scalar(
            select(func.count(ForumProject.id)).where(
                ForumProject.created_by_id == principal.user_id,
                ForumProject.created_at > now - dt.timedelta(days=1),
            )
        )
        if (recent or 0) >= MAX_PROJECTS_PER_DAY:
            raise InvalidInput(
                f"Sie haben heute schon {MAX_PROJECTS_PER_DAY} Einträge angelegt; bitte morgen weiter. / "
                "Daily limit of new entries reached."
            )
    project = ForumProject(
        slug=unique_slug(session, ForumProject.slug, data.title),
        municipality_id=lead.id,
        created_by_id=principal.user_id,
        created_at=now,
    )
    session.add(project)
    _apply(session, principal, project, data)
    project.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="forum.project.create",
        entity_type="forum_project",
        entity_id=project.id,
        municipality_id=lead.id,
        after=snapshot(project),
    )
    return project


def update_project(session: Session, *, principal: Principal, project: ForumProject, data: ProjectIn) -> ForumProject:
    access.require_edit(principal, project.city_ids)
    before = snapshot(project)
    _apply(session, principal, project, data)
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="forum.project.update",
        entity_type="forum_project",
        entity_id=project.id,
        municipality_id=project.municipality_id,
        before=before,
        after=snapshot(project),
    )
    return project


def may_delete(principal: Principal, project: ForumProject) -> bool:
    own = principal.user_id is not None and project.created_by_id == principal.user_id
    return access.may_moderate(principal, [project.municipality_id]) or (
        own and access.may_edit(principal, [project.municipality_id])
    )


def delete_project(session: Session, *, principal: Principal, project: ForumProject) -> None:
    if not may_delete(principal, project):
        raise PermissionDenied(
            "Löschen dürfen die Person, die den Eintrag angelegt hat, und die Administration der federführenden "
            "Stadt. / Only the author and the lead city's administrators may delete an entry."
        )
    before = snapshot(project)
    audit.record(
        session,
        actor=principal,
        action="forum.project.delete",
        entity_type="forum_project",
        entity_id=project.id,
        municipality_id=project.municipality_id,
        before=before,
    )
    session.delete(project)
    session.flush()


# --- search ------------------------------------------------------------------------------------------------------


@dataclass
class ProjectQuery:
    q: str = ""
    cities: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    maturities: list[str] = field(default_factory=list)
    technologies: list[str] = field(default_factory=list)
    sort: str = "aktuell"
    page: int = 1
    per_page: int = 20

    def filters(self) -> dict[str, list[str]]:
        return {
            "kommune": self.cities,
            "handlungsfeld": self.fields,
            "phase": self.phases,
            "reife": self.maturities,
            "technologie": self.technologies,
        }


@dataclass
class ProjectResults:
    items: list[ForumProject]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, int]]]
    """Facet → (value, count) among the entries matching the text and the other facets' filters."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _involvement() -> Any:
    """(project_id, municipality_id) of lead, partner and reusing cities."""
    return union_all(
        select(ForumProject.id.label("project_id"), ForumProject.municipality_id.label("municipality_id")),
        select(ForumProjectPartner.project_id, ForumProjectPartner.municipality_id),
        select(ForumReuse.project_id, ForumReuse.municipality_id),
    ).subquery()


def _valid(values: list[str], allowed_values: set[str]) -> list[str]:
    return [v for v in dict.fromkeys(values) if v in allowed_values]


def _conditions(session: Session, query: ProjectQuery, involvement: Any) -> dict[str, ColumnElement[bool]]:
    out: dict[str, ColumnElement[bool]] = {}
    if query.cities:
        ids = select(Municipality.id).where(Municipality.slug.in_(query.cities))
        out["kommune"] = ForumProject.id.in_(
            select(involvement.c.project_id).where(involvement.c.municipality_id.in_(ids))
        )
    if fields := _valid(query.fields, {f.value for f in FieldOfAction}):
        out["handlungsfeld"] = ForumProject.field_of_action.in_(fields)
    if phases := _valid(query.phases, {p.value for p in Phase}):
        out["phase"] = ForumProject.phase.in_(phases)
    if maturities := _valid(query.maturities, {m.value for m in Maturity}):
        out["reife"] = ForumProject.maturity.in_(maturities)
    if query.technologies:
        keys = [fold(t) for t in query.technologies]
        out["technologie"] = ForumProject.id.in_(
            select(ForumProjectTechnology.project_id).where(ForumProjectTechnology.key.in_(keys))
        )
    return out


def search_projects(session: Session, *, principal: Principal, query: ProjectQuery) -> ProjectResults:
    """Visible entries matching the words and filters (OR within a filter, AND between filters), with facets."""
    base: list[ColumnElement[bool]] = [access.visible_condition(session, principal, ForumProject.visibility)]
    text = all_terms(ForumProject.search_text, search_terms(query.q))
    if text is not None:
        base.append(text)
    involvement = _involvement()
    filters = _conditions(session, query, involvement)
    where = [*base, *filters.values()]
    total = int(session.scalar(select(func.count(ForumProject.id)).where(*where)) or 0)
    maturity_rank = case(*((ForumProject.maturity == m, m.level) for m in Maturity), else_=0)
    order = {
        "titel": (ForumProject.title, ForumProject.id),
        "reife": (maturity_rank.desc(), ForumProject.title),
    }.get(query.sort, (ForumProject.updated_at.desc(), ForumProject.id.desc()))
    per_page = max(1, min(query.per_page, 100))
    page = max(1, query.page)
    items = list(
        session.scalars(
            select(ForumProject).where(*where).order_by(*order).offset((page - 1) * per_page).limit(per_page)
        )
    )
    facets: dict[str, list[tuple[str, int]]] = {}
    for name in FACETS:
        others = [c for key, c in filters.items() if key != name]
        matching = select(ForumProject.id).where(*base, *others)
        facets[name] = _facet(session, name, matching, involvement)
    return ProjectResults(items, total, page, per_page, facets)


def _facet(session: Session, name: str, matching: Select[int], involvement: Any) -> list[tuple[str, int]]:
    if name == "kommune":
        rows = session.execute(
            select(Municipality.slug, func.count(distinct(involvement.c.project_id)))
            .join(involvement, involvement.c.municipality_id == Municipality.id)
            .where(involvement.c.project_id.in_(matching))
            .group_by(Municipality.slug, Municipality.name)
            .order_by(Municipality.name)
        )
        return [(str(slug), int(n)) for slug, n in rows]
    if name == "technologie":
        rows = session.execute(
            select(func.min(ForumProjectTechnology.name), func.count(distinct(ForumProjectTechnology.project_id)))
            .where(ForumProjectTechnology.project_id.in_(matching))
            .group_by(ForumProjectTechnology.key)
        )
        return sorted(((str(n), int(c)) for n, c in rows), key=lambda item: (-item[1], item[0].casefold()))
    column = {
        "handlungsfeld": ForumProject.field_of_action,
        "phase": ForumProject.phase,
        "reife": ForumProject.maturity,
    }[name]
    stmt = select(column, func.count()).where(ForumProject.id.in_(matching)).group_by(column)
    counts = dict(session.execute(stmt).all())
    vocabularies: dict[str, list[Any]] = {
        "handlungsfeld": list(FieldOfAction),
        "phase": list(Phase),
        "reife": list(Maturity),
    }
    vocab = vocabularies[name]
    return [(v.value, int(counts[v])) for v in vocab if counts.get(v)]


# --- datasets used -----------------------------------------------------------------------------------------------


def datasets_seen(session: Session, principal: Principal, project: ForumProject) -> list[Dataset]:
    """The catalogue datasets the project uses that ``principal`` may see (filtered in SQL)."""
    ids = [d.dataset_id for d in project.datasets]
    if not ids:
        return []
    return list(
        session.scalars(select(Dataset).where(Dataset.id.in_(ids), visible(principal, Dataset)).order_by(Dataset.title))
    )
