"""The alarms service's tables: read models of others' facts, and the alarms it owns.

``occurrences`` and ``signatures`` are built from interventions' and signing's events and may
hold a row before the event that "creates" it (a signature can arrive before its occurrence),
so every column another event fills in is nullable.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, false, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.database import UtcDateTime, new_metadata
from libs.runtime import infrastructure_tables

__all__ = [
    "INFRASTRUCTURE",
    "AlarmRow",
    "Base",
    "DeviationRow",
    "FollowUpNoteRow",
    "OccurrenceRow",
    "ReminderRow",
    "SignatureRow",
    "UnitRow",
]

Id = String(64)


class Base(DeclarativeBase):
    metadata = new_metadata()


INFRASTRUCTURE = infrastructure_tables(Base.metadata)


def _where(condition: str) -> dict[str, Any]:
    """A partial-index condition both dialects understand."""
    return {"postgresql_where": text(condition), "sqlite_where": text(condition)}


class UnitRow(Base):
    """Units' timezones (from identity), for local dates; absent units use the default zone."""

    __tablename__ = "units"
    unit_id: Mapped[str] = mapped_column(Id, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))


class OccurrenceRow(Base):
    __tablename__ = "occurrences"
    occurrence_id: Mapped[str] = mapped_column(Id, primary_key=True)
    intervention_id: Mapped[str] = mapped_column(Id)
    tenant_id: Mapped[str] = mapped_column(Id)
    unit_id: Mapped[str] = mapped_column(Id)
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    local_date: Mapped[date | None] = mapped_column(Date)
    prn: Mapped[bool] = mapped_column(Boolean, default=False)
    # Event times decide between a scheduling and a cancellation, whatever order they came in.
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    # Set only while the window is unsigned and not yet judged: what the sweeper scans.
    check_due: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_occurrences_check_due", "check_due", **_where("check_due IS NOT NULL")),
        Index("ix_occurrences_unit_date", "unit_id", "local_date"),
        Index("ix_occurrences_intervention", "intervention_id", "window_end"),
        Index("ix_occurrences_tenant", "tenant_id", "window_start"),
    )

    @property
    def cancelled(self) -> bool:
        if self.cancelled_at is None:
            return False
        return self.scheduled_at is None or self.cancelled_at >= self.scheduled_at


class SignatureRow(Base):
    __tablename__ = "signatures"
    signature_id: Mapped[str] = mapped_column(Id, primary_key=True)
    occurrence_id: Mapped[str] = mapped_column(Id, index=True)
    unit_id: Mapped[str] = mapped_column(Id)
    status: Mapped[str | None] = mapped_column(String(16))
    timing: Mapped[str | None] = mapped_column(String(16))
    performed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    signed_by: Mapped[str | None] = mapped_column(Id)
    annulled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    annulled_by: Mapped[str | None] = mapped_column(Id)
    documented_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    documented_by: Mapped[str | None] = mapped_column(Id)
    retrospective: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AlarmRow(Base):
    __tablename__ = "alarms"
    alarm_id: Mapped[str] = mapped_column(Id, primary_key=True)
    unit_id: Mapped[str] = mapped_column(Id)
    occurrence_id: Mapped[str] = mapped_column(Id, index=True)
    intervention_id: Mapped[str] = mapped_column(Id)
    tenant_id: Mapped[str] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    # MISSED: number of annulled signatures when raised (see domain.evaluate).
    generation: Mapped[int] = mapped_column(Integer, default=0)
    # OUTSIDE_WINDOW/DEVIATING: the signature that caused it; MISSED: who signed late, if any.
    signature_id: Mapped[str | None] = mapped_column(Id)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(Id)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    deviation_id: Mapped[str | None] = mapped_column(Id)

    __table_args__ = (
        Index("ix_alarms_unit_raised", "unit_id", "raised_at", "alarm_id"),
        Index("ix_alarms_unit_state", "unit_id", "state", "kind"),
        # One care recipient's alarms, newest first (the `alarms` list's `tenantId` filter).
        Index("ix_alarms_unit_tenant_raised", "unit_id", "tenant_id", "raised_at", "alarm_id"),
        # These make a second replica's duplicate insert a no-op instead of a second alarm.
        Index(
            "uq_alarms_missed_generation",
            "occurrence_id",
            "generation",
            unique=True,
            **_where("kind = 'MISSED'"),
        ),
        Index(
            "uq_alarms_open_missed",
            "occurrence_id",
            unique=True,
            **_where("kind = 'MISSED' AND state = 'OPEN'"),
        ),
        Index(
            "uq_alarms_signature_kind",
            "signature_id",
            "kind",
            unique=True,
            **_where("kind <> 'MISSED'"),
        ),
        Index(
            "ix_alarms_escalation_due",
            "raised_at",
            **_where("state = 'OPEN' AND escalated_at IS NULL"),
        ),
        # The open alarms per unit, which the reminders count.
        Index("ix_alarms_open_unit", "unit_id", "raised_at", **_where("state = 'OPEN'")),
    )


class DeviationRow(Base):
    """A deviation report (avvikelse) with its snapshot of what was known when it was written."""

    __tablename__ = "deviations"
    deviation_id: Mapped[str] = mapped_column(Id, primary_key=True)
    alarm_id: Mapped[str] = mapped_column(Id, unique=True)
    unit_id: Mapped[str] = mapped_column(Id, index=True)
    occurrence_id: Mapped[str] = mapped_column(Id)
    intervention_id: Mapped[str] = mapped_column(Id)
    tenant_id: Mapped[str] = mapped_column(Id)
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    signing_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(Id)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lex_sarah: Mapped[bool | None] = mapped_column(Boolean)
    motivation: Mapped[str | None] = mapped_column(Text)
    assessed_by: Mapped[str | None] = mapped_column(Id)
    assessed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    report_to_ivo_by: Mapped[date | None] = mapped_column(Date)


class FollowUpNoteRow(Base):
    """A follow-up note ("uppföljning med personal") on an alarm or a deviation report.

    Append-only: nothing updates or deletes a note, so the notes of a subject are its history.
    Exactly one of ``alarm_id`` and ``deviation_id`` is set.
    """

    __tablename__ = "follow_up_notes"
    note_id: Mapped[str] = mapped_column(Id, primary_key=True)
    unit_id: Mapped[str] = mapped_column(Id)
    tenant_id: Mapped[str] = mapped_column(Id)
    alarm_id: Mapped[str | None] = mapped_column(Id)
    deviation_id: Mapped[str | None] = mapped_column(Id)
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(Id)
    written_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_follow_up_notes_alarm", "alarm_id", "written_at"),
        Index("ix_follow_up_notes_deviation", "deviation_id", "written_at"),
    )


class ReminderRow(Base):
    """A reminder announced for e-mail: once per kind, unit and period (a local date, an ISO
    week, a deviation). The key is what keeps a restart or a second replica from announcing
    it again; it is written in the transaction that puts the event in the outbox."""

    __tablename__ = "reminders"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[str] = mapped_column(Id, primary_key=True)
    period: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    emitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
