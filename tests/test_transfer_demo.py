"""The forum's demo content: loaded with the demo cities and accounts, and as part of the whole demo."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.db import utcnow
from kikz.demo import create_municipalities, load_demo
from kikz.demo.accounts import create_accounts, demo_email
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy.permissions import ANONYMOUS, Principal, principal_for
from kikz.transfer import comments, events, projects
from kikz.transfer.demo import load_forum_demo
from kikz.transfer.models import ForumComment, ForumEvent, ForumProject
from kikz.transfer.projects import ProjectQuery
from kikz.transfer.publiccode import publiccode_yaml
from kikz.types import Role

TELRAAM = "verkehrszaehlung-mit-telraam-sensoren"


def test_forum_demo_with_the_demo_accounts(session: Session) -> None:
    users = create_accounts(session, create_municipalities(session))
    stewards = {
        slug: principal_for(session, users[demo_email(slug, Role.DATA_STEWARD)])
        for slug in ("offenbach", "giessen", "wetzlar", "fulda", "marburg", "limburg")
    }
    now = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    summary = load_forum_demo(session, stewards, now=now)
    assert (summary.projects, summary.events, summary.reuses, summary.comments) == (4, 2, 1, 3)
    assert summary.lessons == 5
    every = projects.search_projects(session, principal=stewards["marburg"], query=ProjectQuery())
    assert {p.municipality.slug for p in every.items} == {"offenbach", "giessen", "wetzlar", "fulda"}
    public = projects.search_projects(session, principal=ANONYMOUS, query=ProjectQuery())
    assert public.total == 3  # the AI assistant pilot is forum-internal
    telraam = projects.get_project(session, principal=ANONYMOUS, slug=TELRAAM)
    assert [(r.municipality.slug, r.status.value) for r in telraam.reuses] == [("wetzlar", "in_umsetzung")]
    assert "usedBy:" in publiccode_yaml(telraam, base_url="http://127.0.0.1:8000")
    discussion = comments.list_comments(session, principal=stewards["wetzlar"], project=telraam)
    assert [c.municipality.slug for c in discussion] == ["fulda", "offenbach"]
    upcoming = events.list_events(session, principal=stewards["fulda"], upcoming=True, now=now)
    past = events.list_events(session, principal=ANONYMOUS, upcoming=False, now=now)
    assert len(upcoming) == 1 and upcoming[0].starts_at.astimezone(events.BERLIN).weekday() == 3  # a Thursday
    assert dt.timedelta(days=35) <= upcoming[0].starts_at - now <= dt.timedelta(days=42)
    assert [e.title for e in past] == ["7. Digitalforum Smart-KIKZ: Verkehrsdaten gemeinsam nutzen"]
    assert len(past[0].participants) == 5 and len(past[0].agenda) == 5
    assert load_forum_demo(session, stewards) == type(summary)()  # a second load does nothing


def test_without_accounts_the_system_actor_loads_the_forum_without_comments(session: Session) -> None:
    create_municipalities(session)
    system = Principal(display_name="Demodaten", is_superuser=True)
    cities = ("offenbach", "giessen", "wetzlar", "fulda", "marburg", "limburg")
    summary = load_forum_demo(session, dict.fromkeys(cities, system))
    assert (summary.projects, summary.events, summary.reuses, summary.comments) == (4, 2, 1, 0)
    assert session.scalar(select(func.count(ForumComment.id))) == 0


def test_the_whole_demo_loads_the_forum(session: Session, settings: Settings) -> None:
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    load_demo(session, store=FileStore(settings.files_dir), settings=settings)
    assert session.scalar(select(func.count(ForumProject.id))) == 4
    assert session.scalar(select(func.count(ForumEvent.id))) == 2
    assert session.scalar(select(func.count(ForumComment.id))) == 3
    telraam = projects.get_project(session, principal=ANONYMOUS, slug=TELRAAM)
    linked = [d.name for d in projects.datasets_seen(session, ANONYMOUS, telraam)]
    assert "offenbach-verkehrszaehlstellen-sensornetz" in linked
    assistant = session.scalar(select(ForumProject).where(ForumProject.slug == "ki-assistent-fuer-den-buergerservice"))
    assert assistant is not None and assistant.datasets  # an internal register: linked, but not for everybody
    assert projects.datasets_seen(session, ANONYMOUS, assistant) == []
    assert max(e.ends_at for e in session.scalars(select(ForumEvent))) > utcnow()
