"""When an occurrence has which alarms: the rule every event and the sweeper apply."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.alarms.domain.model import DEVIATING_STATUSES, AlarmKind, AlarmState, Timing

_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class SignatureFacts:
    signature_id: str
    status: str | None  # None while only an annulment or documentation of it is known
    timing: str | None
    signed_at: datetime | None
    annulled: bool
    # Reached signing long after it was performed (signing's judgement, on its event).
    retrospective: bool = False


@dataclass(frozen=True, kw_only=True)
class AlarmFacts:
    alarm_id: str
    kind: AlarmKind
    state: AlarmState
    signature_id: str | None
    generation: int


@dataclass(frozen=True, kw_only=True)
class OccurrenceFacts:
    window_start: datetime | None  # None until the OccurrenceScheduled event arrived
    window_end: datetime | None
    cancelled: bool
    prn: bool = False


@dataclass(frozen=True, kw_only=True)
class NewAlarm:
    kind: AlarmKind
    signature_id: str | None
    generation: int


@dataclass(frozen=True, kw_only=True)
class MissedUpdate:
    """An open MISSED alarm now shows who signed (late) — or that the window is unsigned again."""

    alarm_id: str
    signature_id: str | None
    generation: int


@dataclass(frozen=True, kw_only=True)
class Withdrawal:
    """An open alarm the facts no longer call for, closed by the system rather than left for
    an administrator to acknowledge (and to be escalated meanwhile)."""

    alarm_id: str
    because: str  # CANCELLED or SIGNED_IN_TIME


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    raise_alarms: tuple[NewAlarm, ...] = ()
    update_missed: MissedUpdate | None = None
    withdraw: tuple[Withdrawal, ...] = ()
    # When the sweeper must look again: the end of the window (+ grace) while it is unsigned.
    check_due: datetime | None = None


def classify_timing(
    *, performed_at: datetime, window_start: datetime, window_end: datetime
) -> Timing:
    """The window is ``[start, end)``: performing exactly at its end is already late."""
    if performed_at < window_start:
        return Timing.EARLY
    if performed_at >= window_end:
        return Timing.LATE
    return Timing.ON_TIME


def _active(signatures: Iterable[SignatureFacts]) -> SignatureFacts | None:
    live = [s for s in signatures if not s.annulled and s.status is not None]
    return max(live, key=lambda s: (s.signed_at or _EARLIEST, s.signature_id), default=None)


def evaluate(
    *,
    occurrence: OccurrenceFacts,
    signatures: Sequence[SignatureFacts],
    alarms: Sequence[AlarmFacts],
    now: datetime,
    grace: timedelta,
) -> Evaluation:
    """What should change for one occurrence, given everything known about it now.

    The answer depends only on the facts, never on which event arrived last, so replaying
    events in any order converges. A MISSED alarm belongs to a *generation* — the number of
    annulled signatures so far — so an annulment after the window reopens it exactly once,
    while a repeated event for an already-missed window raises nothing.
    """
    if occurrence.cancelled:
        # Cancelled afterwards (an absence registered for a night already past): its alarms
        # are withdrawn, as the compliance report leaves it out.
        return Evaluation(
            withdraw=tuple(
                Withdrawal(alarm_id=a.alarm_id, because="CANCELLED")
                for a in alarms
                if a.state is AlarmState.OPEN
            )
        )
    generation = sum(1 for s in signatures if s.annulled)
    active = _active(signatures)
    missed = [a for a in alarms if a.kind is AlarmKind.MISSED]
    open_missed = next((a for a in missed if a.state is AlarmState.OPEN), None)
    # PRN ("vid behov") has no window to miss or to sign outside of; deviations still count.
    windowed = occurrence.window_end is not None and not occurrence.prn
    due_at = occurrence.window_end + grace if windowed and occurrence.window_end else None

    if active is None:
        if due_at is None or any(a.generation == generation for a in missed):
            return Evaluation()
        if now < due_at:
            return Evaluation(check_due=due_at)
        if open_missed is not None:
            # The signature that covered it was annulled: the same open alarm is missed again.
            return Evaluation(
                update_missed=MissedUpdate(
                    alarm_id=open_missed.alarm_id, signature_id=None, generation=generation
                )
            )
        return Evaluation(
            raise_alarms=(
                NewAlarm(kind=AlarmKind.MISSED, signature_id=None, generation=generation),
            )
        )

    withdraw: tuple[Withdrawal, ...] = ()
    update = None
    new: list[NewAlarm] = []
    if open_missed is not None and active.timing == Timing.ON_TIME and not active.retrospective:
        # Performed in the window after all, and signed soon after (a sync or an event that
        # came after the sweep): the window was not missed, whichever fact arrived first.
        withdraw = (Withdrawal(alarm_id=open_missed.alarm_id, because="SIGNED_IN_TIME"),)
    elif open_missed is not None and open_missed.signature_id != active.signature_id:
        # Signed late, or signed retrospectively: a person checks the reason and acknowledges.
        update = MissedUpdate(
            alarm_id=open_missed.alarm_id, signature_id=active.signature_id, generation=generation
        )
    elif (
        open_missed is None
        and active.retrospective
        and active.timing == Timing.ON_TIME
        and due_at is not None
        and active.signed_at is not None
        and active.signed_at >= due_at
        and not any(a.generation == generation for a in missed)
    ):
        # Nobody had signed when the window was due, so it was missed, even if this event
        # came before the sweep judged it: the alarm is the same in either order.
        new.append(
            NewAlarm(kind=AlarmKind.MISSED, signature_id=active.signature_id, generation=generation)
        )
    covered_by_missed = (
        open_missed is not None
        or bool(new)
        or any(a.signature_id == active.signature_id for a in missed)
    )
    already = {(a.kind, a.signature_id) for a in alarms if a.kind is not AlarmKind.MISSED}
    if (
        not occurrence.prn
        and active.timing in (Timing.EARLY, Timing.LATE)
        and not covered_by_missed
        and (AlarmKind.OUTSIDE_WINDOW, active.signature_id) not in already
    ):
        new.append(
            NewAlarm(
                kind=AlarmKind.OUTSIDE_WINDOW,
                signature_id=active.signature_id,
                generation=generation,
            )
        )
    if (
        active.status in DEVIATING_STATUSES
        and (AlarmKind.DEVIATING, active.signature_id) not in already
    ):
        new.append(
            NewAlarm(
                kind=AlarmKind.DEVIATING, signature_id=active.signature_id, generation=generation
            )
        )
    return Evaluation(raise_alarms=tuple(new), update_missed=update, withdraw=withdraw)
