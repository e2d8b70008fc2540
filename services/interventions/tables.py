"""The interventions service's tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.database import UtcDateTime, new_metadata
from libs.runtime import infrastructure_tables

__all__ = [
    "ALARM_VIEWS",
    "INFRASTRUCTURE",
    "INTERVENTIONS",
    "OCCURRENCES",
    "SCHEDULER_RUNS",
    "SIGNATURE_VIEWS",
    "TENANTS",
    "AbsenceRow",
    "AlarmViewRow",
    "Base",
    "InterventionChangeRow",
    "InterventionRow",
    "OccurrenceRow",
    "SchedulerRunRow",
    "SignatureViewRow",
    "TenantChangeRow",
    "TenantRow",
    "UnitRow",
]

ID = String(64)


class Base(DeclarativeBase):
    metadata = new_metadata()


INFRASTRUCTURE = infrastructure_tables(Base.metadata)


class UnitRow(Base):
    """Read model of identity's units: only what scheduling needs (the timezone)."""

    __tablename__ = "units"
    unit_id: Mapped[str] = mapped_column(ID, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TenantRow(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str] = mapped_column(String(200))
    external_reference: Mapped[str | None] = mapped_column(String(100))
    contact_person_id: Mapped[str | None] = mapped_column(ID)
    created_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The unit's local date the care recipient moved out; null while they live here.
    moved_out_at: Mapped[date | None] = mapped_column(Date)
    move_out_reason: Mapped[str | None] = mapped_column(Text)
    moved_out_by: Mapped[str | None] = mapped_column(ID)


class _Change:
    """Who changed what, and when; never updated or deleted."""

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    change: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(ID)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TenantChangeRow(_Change, Base):
    __tablename__ = "tenant_changes"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)


class InterventionRow(Base):
    __tablename__ = "interventions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(8))
    plan_reference: Mapped[str | None] = mapped_column(String(200))
    prn: Mapped[bool] = mapped_column(Boolean)
    rrule: Mapped[str | None] = mapped_column(String(500))
    # The first window's start "HH:MM", and all of them, sorted, comma-separated
    # ("08:00,13:00,21:00"; see scheduling.stored_starts). Rows written before schedules had
    # several windows, and by a replica of that version during a rolling upgrade, have only
    # ``window_start``.
    window_start: Mapped[str | None] = mapped_column(String(5))
    window_starts: Mapped[str | None] = mapped_column(String(100))
    window_minutes: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), index=True)
    # Windows ending before this instant are never scheduled: it is when the intervention last
    # became active or got its current schedule, so earlier windows were not planned care.
    effective_from: Mapped[datetime | None] = mapped_column(UtcDateTime())
    anchored_by: Mapped[str | None] = mapped_column(ID)
    anchored_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InterventionChangeRow(_Change, Base):
    __tablename__ = "intervention_changes"
    intervention_id: Mapped[str] = mapped_column(ForeignKey("interventions.id"), index=True)


class OccurrenceRow(Base):
    __tablename__ = "occurrences"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    intervention_id: Mapped[str] = mapped_column(ID)
    tenant_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str] = mapped_column(ID)
    local_date: Mapped[date] = mapped_column(Date)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime())
    window_end: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))
    cancel_reason: Mapped[str | None] = mapped_column(String(16))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The absence that cancelled it (cancel_reason ABSENCE).
    absence_id: Mapped[str | None] = mapped_column(ID, index=True)
    scheduled_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        # One live occurrence per window makes scheduling idempotent; a cancelled one does not
        # block a later re-scheduling of the same window (after resume or an absence ends).
        Index(
            "uq_occurrences_live_window",
            "intervention_id",
            "local_date",
            "window_start",
            unique=True,
            postgresql_where=text("state = 'SCHEDULED'"),
            sqlite_where=text("state = 'SCHEDULED'"),
        ),
        Index("ix_occurrences_worklist", "unit_id", "local_date", "window_start"),
        Index("ix_occurrences_tenant_window", "tenant_id", "window_start"),
        Index("ix_occurrences_intervention_window", "intervention_id", "window_start"),
    )


class AbsenceRow(Base):
    __tablename__ = "absences"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    registered_by: Mapped[str] = mapped_column(ID)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_by: Mapped[str | None] = mapped_column(ID)


class SignatureViewRow(Base):
    """Read model of signing's signatures: what a worklist row shows of its occurrence's
    signature (DESIGN §5 ``Occurrence.signature``; docs/decisions.md says why it is here).

    One row per signature. An annulment can arrive before its signing (two signing replicas'
    relays publish independently), so it is kept as a row with only ``annulled`` set; the late
    signing then finds the row and cannot bring the signature back."""

    __tablename__ = "signature_views"
    signature_id: Mapped[str] = mapped_column(ID, primary_key=True)
    occurrence_id: Mapped[str] = mapped_column(ID, index=True)
    status: Mapped[str | None] = mapped_column(String(16))
    timing: Mapped[str | None] = mapped_column(String(16))
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    annulled: Mapped[bool] = mapped_column(Boolean)


class AlarmViewRow(Base):
    """Read model of the alarms service's alarms: the kind and state a worklist row shows.

    Facts about one alarm may arrive in any order; each fills in what it knows: ``kind`` with
    the time it was judged (``kind_at``, the later judgement wins), ``acknowledged`` once
    true, the occurrence and ``raised_at`` from the raising."""

    __tablename__ = "alarm_views"
    alarm_id: Mapped[str] = mapped_column(ID, primary_key=True)
    occurrence_id: Mapped[str | None] = mapped_column(ID, index=True)
    kind: Mapped[str | None] = mapped_column(String(24))
    kind_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged: Mapped[bool] = mapped_column(Boolean)
    raised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SchedulerRunRow(Base):
    """When the last successful scheduler pass began: where the next pass's catch-up starts."""

    __tablename__ = "scheduler_runs"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime())


# The plain tables, for bulk statements and for reads too large for ORM objects.
OCCURRENCES = cast(Table, OccurrenceRow.__table__)
INTERVENTIONS = cast(Table, InterventionRow.__table__)
TENANTS = cast(Table, TenantRow.__table__)
SCHEDULER_RUNS = cast(Table, SchedulerRunRow.__table__)
SIGNATURE_VIEWS = cast(Table, SignatureViewRow.__table__)
ALARM_VIEWS = cast(Table, AlarmViewRow.__table__)
