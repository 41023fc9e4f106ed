"""JSON API of the Citizen Lab: the public workshop dates (never who registered)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kikz.transparency import lab_workshops
from kikz.transparency.lab_schemas import WorkshopPublic
from kikz.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/lab", tags=["Citizen Lab"])


@router.get("/workshops", response_model=list[WorkshopPublic])
def list_workshops(
    session: SessionDep,
    settings: SettingsDep,
    city: Annotated[str | None, Query(max_length=60, description="slug of a city")] = None,
) -> list[WorkshopPublic]:
    """Upcoming Citizen Lab workshops with their free places, soonest first."""
    return [view.public(settings.base_url) for view in lab_workshops.upcoming(session, city=city)]


@router.get("/workshops/{workshop_id}", response_model=WorkshopPublic)
def get_workshop(workshop_id: int, session: SessionDep, settings: SettingsDep) -> WorkshopPublic:
    return lab_workshops.workshop_view(session, workshop_id).public(settings.base_url)
