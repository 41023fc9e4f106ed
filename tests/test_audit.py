"""The audit log is append-only, in the ORM and in the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kikz.audit import AuditEntry, AuditLogIsAppendOnly
from tests import factories as f


def test_changes_are_recorded_with_before_and_after(session: Session) -> None:
    ds = f.dataset(session, title="Baumkataster Offenbach")
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == ds.identifier)).all()
    assert [e.action for e in entries] == ["dataset.create"]
    assert entries[0].after is not None and entries[0].after["title"] == "Baumkataster Offenbach"
    assert entries[0].actor_label == "root@kikz.test"


def test_orm_refuses_to_change_entries(session: Session) -> None:
    f.dataset(session)
    entry = session.scalars(select(AuditEntry)).first()
    assert entry is not None
    entry.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_database_refuses_update_and_delete(session: Session, statement: str) -> None:
    f.dataset(session)
    session.commit()
    stmt = update(AuditEntry).values(action="forged") if statement == "update" else delete(AuditEntry)
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(stmt)
    session.rollback()
    assert "dataset.create" in set(session.scalars(select(AuditEntry.action)))
    assert session.execute(text("SELECT count(*) FROM audit_entry")).scalar_one() >= 1
