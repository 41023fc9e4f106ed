"""Append-only audit log: who changed what, when, with the state before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DDL, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from kikz.db import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True, doc="no foreign key: entries outlive accounts")
    actor_label: Mapped[str] = mapped_column(String(200), default="system")
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(80))
    municipality_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(*_: Any) -> None:
    raise AuditLogIsAppendOnly("audit entries are never changed or deleted")


def append_only_ddl(dialect: str) -> list[str]:
    """Database triggers that refuse UPDATE and DELETE on the audit log, whoever connects."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS audit_entry_no_{op.lower()} BEFORE {op} ON audit_entry "
            "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION kikz_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$",
            "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION kikz_audit_append_only()",
        ]
    return []


for _dialect in ("sqlite", "postgresql"):
    for _statement in append_only_ddl(_dialect):
        event.listen(AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))


def record(
    session: Session,
    *,
    actor: Any | None,
    action: str,
    entity_type: str,
    entity_id: str | int,
    municipality_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry in the caller's transaction (it commits or rolls back with the change)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        municipality_id=municipality_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry
