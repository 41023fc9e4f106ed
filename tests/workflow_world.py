"""A small governance world for the workflow, access-request and dashboard tests."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.tenancy.models import User
from kikz.tenancy.permissions import Principal, principal_for
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories as f


@dataclass
class World:
    session: Session
    users: dict[str, User]
    datasets: dict[str, Dataset]

    def p(self, name: str) -> Principal:
        return principal_for(self.session, self.users[name])

    def ds(self, name: str) -> Dataset:
        return self.datasets[name]


PEOPLE = {
    "steward": {"offenbach": [Role.DATA_STEWARD]},
    "owner": {"offenbach": [Role.DATA_OWNER]},
    "owner2": {"offenbach": [Role.DATA_OWNER]},
    "dpo": {"offenbach": [Role.DPO]},
    "board": {"offenbach": [Role.GOVERNANCE_BOARD]},
    "admin": {"offenbach": [Role.ADMIN]},
    "staff": {"offenbach": [Role.STAFF]},
    "gi_staff": {"giessen": [Role.STAFF]},
    "gi_owner": {"giessen": [Role.DATA_OWNER]},
    "gi_board": {"giessen": [Role.GOVERNANCE_BOARD]},
    "ownerdpo": {"offenbach": [Role.DATA_OWNER, Role.DPO]},
}


def build(session: Session) -> World:
    users = {name: f.user(session, f"{name}@kikz.test", roles=roles) for name, roles in PEOPLE.items()}
    draft = DatasetStatus.DRAFT
    specs: dict[str, dict[str, object]] = {
        "baeume": {
            "title": "Baumkataster",
            "protection_class": ProtectionClass.OEFFENTLICH,
            "status": draft,
            "contains_personal_data": False,
            "themes": ["ENVI"],
        },
        "rad": {
            "title": "Radverkehr",
            "protection_class": ProtectionClass.OEFFENTLICH,
            "status": DatasetStatus.PUBLISHED,
            "contains_personal_data": False,
            "themes": ["TRAN"],
        },
        "melde": {
            "title": "Meldedaten",
            "protection_class": ProtectionClass.VERTRAULICH,
            "status": draft,
            "contains_personal_data": True,
        },
        "intern": {
            "title": "Baustellenplanung",
            "protection_class": ProtectionClass.INTERN,
            "status": draft,
            "contains_personal_data": False,
            "themes": ["TRAN"],
        },
        "unklar": {"title": "Unklare Liste", "protection_class": None, "status": draft},
        "geheim": {
            "title": "Jugendhilfefälle",
            "protection_class": ProtectionClass.STRENG_VERTRAULICH,
            "status": draft,
            "contains_personal_data": True,
        },
        "gi_haushalt": {
            "title": "Haushalt Gießen",
            "protection_class": ProtectionClass.OEFFENTLICH,
            "status": DatasetStatus.PUBLISHED,
            "contains_personal_data": False,
            "municipality": "giessen",
            "themes": ["ECON"],
        },
        "gi_vertraulich": {
            "title": "Gießen intern vertraulich",
            "protection_class": ProtectionClass.VERTRAULICH,
            "status": draft,
            "municipality": "giessen",
        },
    }
    datasets = {}
    for key, spec in specs.items():
        ds = f.dataset(session, name=f"ds-{key}", identifier=f"id-{key}", **spec)  # type: ignore[arg-type]
        if spec.get("municipality", "offenbach") == "offenbach" and key != "unklar":
            ds.owner_id, ds.steward_id = users["owner"].id, users["steward"].id
        datasets[key] = ds
    session.flush()
    session.commit()
    return World(session=session, users=users, datasets=datasets)


def mount(app: FastAPI) -> FastAPI:
    """Mount the workflow routers if the app does not have them yet (the lead wires them into create_app)."""
    from kikz.governance.workflow import api, pages

    paths = {getattr(route, "path", "") for route in app.routes}
    if "/api/v1/governance/queue" not in paths:
        app.include_router(api.router)
        app.include_router(pages.router)
    return app


def token_headers(session: Session, user: User) -> dict[str, str]:
    from kikz.tenancy import service as tenancy

    secret, _ = tenancy.create_api_token(session, user=user, name="test")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}
