"""The pure rules: evaluation, timing edges, acknowledgement, overdue, IVO date, compliance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.alarms.domain import (
    AckOutcome,
    AlarmFacts,
    AlarmKind,
    AlarmNotOpen,
    AlarmState,
    InvalidAcknowledgement,
    InvalidPeriod,
    OccurrenceFacts,
    ReportAlarm,
    ReportOccurrence,
    SignatureFacts,
    Timing,
    aggregate_by_signer,
    aggregate_compliance,
    classify_timing,
    evaluate,
    is_overdue,
    ivo_report_deadline,
    validate_acknowledgement,
    validate_period,
    week_began,
)

START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
WINDOW = OccurrenceFacts(window_start=START, window_end=END, cancelled=False)
NO_GRACE = timedelta(0)


def signature(
    sig_id="s1",
    *,
    status="DONE",
    timing="ON_TIME",
    annulled=False,
    signed_at=START,
    retrospective=False,
):
    return SignatureFacts(
        signature_id=sig_id,
        status=status,
        timing=timing,
        signed_at=signed_at,
        annulled=annulled,
        retrospective=retrospective,
    )


def alarm(kind, *, state=AlarmState.OPEN, signature_id=None, generation=0, alarm_id="a1"):
    return AlarmFacts(
        alarm_id=alarm_id, kind=kind, state=state, signature_id=signature_id, generation=generation
    )


def test_performing_exactly_at_the_window_end_is_late_and_at_its_start_on_time():
    assert classify_timing(performed_at=END, window_start=START, window_end=END) is Timing.LATE
    assert classify_timing(performed_at=START, window_start=START, window_end=END) is Timing.ON_TIME
    before = START - timedelta(microseconds=1)
    assert classify_timing(performed_at=before, window_start=START, window_end=END) is Timing.EARLY


def test_unsigned_window_is_checked_at_its_end_and_missed_from_then():
    pending = evaluate(
        occurrence=WINDOW, signatures=[], alarms=[], now=END - timedelta(seconds=1), grace=NO_GRACE
    )
    assert pending.check_due == END
    assert pending.raise_alarms == ()
    due = evaluate(occurrence=WINDOW, signatures=[], alarms=[], now=END, grace=NO_GRACE)
    assert [a.kind for a in due.raise_alarms] == [AlarmKind.MISSED]
    assert due.check_due is None


def test_grace_moves_the_check():
    result = evaluate(
        occurrence=WINDOW, signatures=[], alarms=[], now=END, grace=timedelta(minutes=5)
    )
    assert result.check_due == END + timedelta(minutes=5)


def test_an_already_missed_window_is_not_raised_twice_even_after_acknowledgement():
    acknowledged = alarm(AlarmKind.MISSED, state=AlarmState.ACKNOWLEDGED)
    result = evaluate(
        occurrence=WINDOW, signatures=[], alarms=[acknowledged], now=END, grace=NO_GRACE
    )
    assert result == type(result)()


def test_late_signature_updates_open_missed_and_raises_no_outside_window():
    result = evaluate(
        occurrence=WINDOW,
        signatures=[signature(timing="LATE")],
        alarms=[alarm(AlarmKind.MISSED)],
        now=END + timedelta(hours=1),
        grace=NO_GRACE,
    )
    assert result.raise_alarms == ()
    assert result.update_missed is not None
    assert result.update_missed.signature_id == "s1"


def test_a_signature_performed_in_the_window_withdraws_a_missed_alarm_raised_before_it_came():
    """An offline phone's sync, or an event read after the sweep: the facts say not missed,
    whichever arrived first, so the alarm raised meanwhile is withdrawn (not merely updated)."""
    result = evaluate(
        occurrence=WINDOW,
        signatures=[signature(timing="ON_TIME", status="NOT_HOME")],
        alarms=[alarm(AlarmKind.MISSED)],
        now=END + timedelta(hours=1),
        grace=NO_GRACE,
    )
    assert [(w.alarm_id, w.because) for w in result.withdraw] == [("a1", "SIGNED_IN_TIME")]
    assert result.update_missed is None
    assert [a.kind for a in result.raise_alarms] == [AlarmKind.DEVIATING]


def test_a_retrospective_signature_updates_the_open_missed_alarm_and_never_withdraws_it():
    """Performed in the window by the phone's clock, but signed an hour later: a person
    checks the reason, so the alarm stays open and shows who signed."""
    result = evaluate(
        occurrence=WINDOW,
        signatures=[signature(signed_at=END + timedelta(hours=1), retrospective=True)],
        alarms=[alarm(AlarmKind.MISSED)],
        now=END + timedelta(hours=1),
        grace=NO_GRACE,
    )
    assert result.withdraw == ()
    assert result.raise_alarms == ()
    assert result.update_missed is not None
    assert (result.update_missed.alarm_id, result.update_missed.signature_id) == ("a1", "s1")


def test_a_retrospective_signature_signed_after_the_window_was_due_raises_missed_itself():
    """Whether its event or the sweep comes first, the window ends with a MISSED alarm."""
    late_entry = signature(signed_at=END, retrospective=True)
    result = evaluate(
        occurrence=WINDOW, signatures=[late_entry], alarms=[], now=END, grace=NO_GRACE
    )
    assert [(a.kind, a.signature_id) for a in result.raise_alarms] == [(AlarmKind.MISSED, "s1")]
    again = evaluate(
        occurrence=WINDOW,
        signatures=[late_entry],
        alarms=[alarm(AlarmKind.MISSED, signature_id="s1")],
        now=END,
        grace=NO_GRACE,
    )
    assert again == type(again)()


def test_a_retrospective_signature_before_the_window_was_due_raises_nothing():
    within = signature(signed_at=END - timedelta(seconds=1), retrospective=True)
    result = evaluate(occurrence=WINDOW, signatures=[within], alarms=[], now=END, grace=NO_GRACE)
    assert result == type(result)()
    deviating = signature(status="NOT_DONE", signed_at=END, retrospective=True)
    both = evaluate(occurrence=WINDOW, signatures=[deviating], alarms=[], now=END, grace=NO_GRACE)
    assert [a.kind for a in both.raise_alarms] == [AlarmKind.MISSED, AlarmKind.DEVIATING]


def test_a_cancelled_occurrence_withdraws_its_open_alarms_and_raises_nothing():
    cancelled = OccurrenceFacts(window_start=START, window_end=END, cancelled=True)
    alarms = [
        alarm(AlarmKind.MISSED, alarm_id="open"),
        alarm(AlarmKind.DEVIATING, state=AlarmState.ACKNOWLEDGED, alarm_id="done"),
    ]
    later = END + timedelta(days=1)
    result = evaluate(occurrence=cancelled, signatures=[], alarms=alarms, now=later, grace=NO_GRACE)
    assert [(w.alarm_id, w.because) for w in result.withdraw] == [("open", "CANCELLED")]
    assert (result.raise_alarms, result.update_missed, result.check_due) == ((), None, None)


def test_late_signature_after_the_missed_alarm_was_acknowledged_raises_outside_window():
    result = evaluate(
        occurrence=WINDOW,
        signatures=[signature(timing="LATE")],
        alarms=[alarm(AlarmKind.MISSED, state=AlarmState.ACKNOWLEDGED)],
        now=END + timedelta(hours=1),
        grace=NO_GRACE,
    )
    assert [a.kind for a in result.raise_alarms] == [AlarmKind.OUTSIDE_WINDOW]


def test_annulment_after_the_window_reopens_missed_once():
    annulled = [signature(annulled=True)]
    first = evaluate(occurrence=WINDOW, signatures=annulled, alarms=[], now=END, grace=NO_GRACE)
    assert [(a.kind, a.generation) for a in first.raise_alarms] == [(AlarmKind.MISSED, 1)]
    again = evaluate(
        occurrence=WINDOW,
        signatures=annulled,
        alarms=[alarm(AlarmKind.MISSED, generation=1, state=AlarmState.ACKNOWLEDGED)],
        now=END,
        grace=NO_GRACE,
    )
    assert again.raise_alarms == ()


@pytest.mark.parametrize("status", ["NOT_DONE", "NOT_HOME", "DECLINED"])
def test_deviating_statuses_raise_deviating_once_per_signature(status):
    sig = signature(status=status)
    result = evaluate(occurrence=WINDOW, signatures=[sig], alarms=[], now=START, grace=NO_GRACE)
    assert [a.kind for a in result.raise_alarms] == [AlarmKind.DEVIATING]
    known = alarm(AlarmKind.DEVIATING, signature_id="s1", state=AlarmState.ACKNOWLEDGED)
    assert (
        evaluate(
            occurrence=WINDOW, signatures=[sig], alarms=[known], now=START, grace=NO_GRACE
        ).raise_alarms
        == ()
    )


def test_cancelled_occurrences_raise_nothing():
    cancelled = OccurrenceFacts(window_start=START, window_end=END, cancelled=True)
    for signatures in ([], [signature(status="NOT_DONE", timing="LATE")]):
        result = evaluate(
            occurrence=cancelled, signatures=signatures, alarms=[], now=END, grace=NO_GRACE
        )
        assert result == type(result)()


def test_prn_is_never_missed_or_outside_but_a_deviating_prn_signature_is_an_alarm():
    prn = OccurrenceFacts(window_start=START, window_end=END, cancelled=False, prn=True)
    unsigned = evaluate(occurrence=prn, signatures=[], alarms=[], now=END, grace=NO_GRACE)
    assert unsigned == type(unsigned)()
    declined = evaluate(
        occurrence=prn,
        signatures=[signature(status="DECLINED", timing=None)],
        alarms=[],
        now=END,
        grace=NO_GRACE,
    )
    assert [a.kind for a in declined.raise_alarms] == [AlarmKind.DEVIATING]


def test_signature_known_before_its_window_still_raises_from_its_own_facts():
    unknown = OccurrenceFacts(window_start=None, window_end=None, cancelled=False)
    result = evaluate(
        occurrence=unknown,
        signatures=[signature(timing="EARLY")],
        alarms=[],
        now=START,
        grace=NO_GRACE,
    )
    assert [a.kind for a in result.raise_alarms] == [AlarmKind.OUTSIDE_WINDOW]
    nothing = evaluate(occurrence=unknown, signatures=[], alarms=[], now=START, grace=NO_GRACE)
    assert nothing.check_due is None


FITS = {
    (AckOutcome.PERFORMED_NOT_SIGNED, AlarmKind.MISSED),
    (AckOutcome.PERFORMED_NOT_SIGNED, AlarmKind.OUTSIDE_WINDOW),
    (AckOutcome.DOCUMENTATION_VERIFIED, AlarmKind.DEVIATING),
    (AckOutcome.STAFF_REMINDED, AlarmKind.DEVIATING),
    *((AckOutcome.DEVIATION_REPORTED, kind) for kind in AlarmKind),
    *((AckOutcome.OTHER, kind) for kind in AlarmKind),
}


def _acknowledge(outcome, kind, *, comment=None, deviation=False, documented=False, state=None):
    return validate_acknowledgement(
        outcome=outcome,
        comment=comment,
        state=state or AlarmState.OPEN,
        kind=kind,
        has_deviation_report=deviation,
        documentation_confirmed=documented,
    )


@pytest.mark.parametrize("kind", list(AlarmKind))
@pytest.mark.parametrize("outcome", list(AckOutcome))
def test_each_outcome_is_accepted_for_the_alarm_kinds_it_fits_only(outcome, kind):
    """With everything else in order (a comment, a report, confirmed documentation)."""
    attempt = lambda: _acknowledge(  # noqa: E731
        outcome, kind, comment="checked", deviation=True, documented=True
    )
    if (outcome, kind) in FITS:
        assert attempt() == "checked"
    else:
        with pytest.raises(InvalidAcknowledgement) as refused:
            attempt()
        assert f"outcome {outcome.value} fits" in refused.value.message
        assert f"not {kind.value}" in refused.value.message


def test_documentation_verified_needs_confirmed_documentation_or_a_comment_on_how():
    assert (
        _acknowledge(AckOutcome.DOCUMENTATION_VERIFIED, AlarmKind.DEVIATING, documented=True)
        is None
    )
    assert (
        _acknowledge(
            AckOutcome.DOCUMENTATION_VERIFIED,
            AlarmKind.DEVIATING,
            comment=" Checked the case system, entry 12. ",
        )
        == "Checked the case system, entry 12."
    )
    for comment in (None, "   "):
        with pytest.raises(InvalidAcknowledgement) as refused:
            _acknowledge(AckOutcome.DOCUMENTATION_VERIFIED, AlarmKind.DEVIATING, comment=comment)
        assert "confirmDocumented" in refused.value.message


@pytest.mark.parametrize(
    ("outcome", "kind", "comment", "deviation", "error"),
    [
        (AckOutcome.OTHER, AlarmKind.MISSED, None, False, InvalidAcknowledgement),
        (AckOutcome.OTHER, AlarmKind.DEVIATING, "   ", False, InvalidAcknowledgement),
        (AckOutcome.DEVIATION_REPORTED, AlarmKind.MISSED, None, False, InvalidAcknowledgement),
        (AckOutcome.STAFF_REMINDED, AlarmKind.DEVIATING, "x" * 2001, False, InvalidAcknowledgement),
    ],
)
def test_acknowledgement_rules(outcome, kind, comment, deviation, error):
    with pytest.raises(error):
        _acknowledge(outcome, kind, comment=comment, deviation=deviation)


def test_acknowledgement_accepted_and_only_when_open():
    assert _acknowledge(AckOutcome.OTHER, AlarmKind.MISSED, comment=" called ") == "called"
    assert _acknowledge(AckOutcome.DEVIATION_REPORTED, AlarmKind.MISSED, deviation=True) is None
    # Taken first is said first, whatever the outcome would have met.
    for outcome in AckOutcome:
        with pytest.raises(AlarmNotOpen):
            _acknowledge(outcome, AlarmKind.MISSED, state=AlarmState.ACKNOWLEDGED)


def test_overdue_after_the_limit_and_only_while_open():
    week = timedelta(days=7)
    assert not is_overdue(state=AlarmState.OPEN, raised_at=START, now=START + week, after=week)
    assert is_overdue(
        state=AlarmState.OPEN, raised_at=START, now=START + week + timedelta(seconds=1), after=week
    )
    assert not is_overdue(
        state=AlarmState.ACKNOWLEDGED, raised_at=START, now=START + 2 * week, after=week
    )


def test_ivo_deadline_is_two_weeks_after_the_assessment():
    assert ivo_report_deadline(assessed_on=date(2026, 3, 10), within_days=14) == date(2026, 3, 24)


def test_report_period_must_be_ordered_and_bounded():
    validate_period(start=date(2026, 1, 1), end=date(2026, 1, 1))
    with pytest.raises(InvalidPeriod):
        validate_period(start=date(2026, 1, 2), end=date(2026, 1, 1))
    with pytest.raises(InvalidPeriod):
        validate_period(start=date(2025, 1, 1), end=date(2026, 1, 2))


def test_compliance_counts_each_occurrence_once_by_its_state_and_medians_ack_delays():
    day = date(2026, 3, 10)
    now = END + timedelta(days=30)

    def occ(
        intervention, *, status=None, timing=None, alarms=(), window_end=END, retrospective=False
    ):
        return ReportOccurrence(
            local_date=day,
            intervention_id=intervention,
            window_end=window_end,
            signature_status=status,
            signature_timing=timing,
            alarms=tuple(alarms),
            signature_retrospective=retrospective,
        )

    hour = timedelta(hours=1)
    rows = aggregate_compliance(
        [
            occ("A", status="DONE", timing="ON_TIME"),
            occ(
                "A",
                status="NOT_DONE",
                timing="ON_TIME",
                alarms=[ReportAlarm(raised_at=END, acknowledged_at=END + hour)],
            ),
            occ(
                "A",
                status="DONE",
                timing="LATE",
                alarms=[ReportAlarm(raised_at=END, acknowledged_at=END + 3 * hour)],
                retrospective=True,
            ),
            occ("A", alarms=[ReportAlarm(raised_at=END, acknowledged_at=END + timedelta(days=8))]),
            occ("B", alarms=[ReportAlarm(raised_at=END, acknowledged_at=None)]),
            occ("B", window_end=now + hour),
        ],
        now=now,
        ack_within=timedelta(days=7),
    )
    a, b, total = rows
    assert (a.planned, a.on_time, a.outside_window, a.missed, a.pending) == (4, 2, 1, 1, 0)
    assert a.deviating == {"DECLINED": 0, "NOT_DONE": 1, "NOT_HOME": 0}
    assert (a.alarms_raised, a.acknowledged_within) == (3, 2)
    assert a.median_seconds_to_acknowledge == 3 * 3600
    assert (a.retrospective, b.retrospective, total.retrospective) == (1, 0, 1)
    assert (b.planned, b.missed, b.pending, b.alarms_raised, b.acknowledged_within) == (
        2,
        1,
        1,
        1,
        0,
    )
    assert b.median_seconds_to_acknowledge is None
    assert (total.day, total.planned, total.missed, total.alarms_raised) == (None, 6, 2, 4)


def test_a_window_within_its_grace_is_pending_in_the_report_as_it_is_for_the_alarm():
    unsigned = ReportOccurrence(
        local_date=date(2026, 3, 10),
        intervention_id="A",
        window_end=END,
        signature_status=None,
        signature_timing=None,
        alarms=(),
    )
    grace = timedelta(minutes=5)
    week = timedelta(days=7)
    (_, within) = aggregate_compliance([unsigned], now=END, ack_within=week, grace=grace)
    (_, after) = aggregate_compliance([unsigned], now=END + grace, ack_within=week, grace=grace)
    assert (within.pending, within.missed) == (1, 0)
    assert (after.pending, after.missed) == (0, 1)


def test_the_week_begins_on_monday_at_midnight_in_the_unit_timezone():
    zone = ZoneInfo("Europe/Stockholm")
    sunday_night = datetime(2026, 3, 29, 21, 30, tzinfo=UTC)  # Sunday 23:30 CEST
    assert week_began(now=sunday_night, zone=zone) == datetime(2026, 3, 23, tzinfo=zone)
    monday_early = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # Monday 00:30 CEST
    assert week_began(now=monday_early, zone=zone) == datetime(2026, 3, 30, tzinfo=zone)


def test_signers_with_most_signatures_come_first_and_an_unknown_signer_is_the_unit_s():
    def occ(signed_by=None, *, status="DONE", window_end=END):
        return ReportOccurrence(
            local_date=date(2026, 3, 10),
            intervention_id="A",
            window_end=window_end,
            signature_status=status,
            signature_timing="ON_TIME" if status else None,
            signed_by=signed_by,
        )

    rows = aggregate_by_signer(
        [
            occ("zed"),
            occ("zed"),
            occ("bo"),
            occ("al"),
            occ(None),  # a signature whose signer the read model does not know
            occ(status=None),
            occ(status=None, window_end=END + timedelta(hours=1)),
        ],
        now=END,
    )
    assert [(r.signer_id, r.signed, r.missed, r.pending) for r in rows] == [
        ("zed", 2, None, None),
        ("al", 1, None, None),
        ("bo", 1, None, None),
        (None, 1, 1, 1),
    ]
    assert aggregate_by_signer([], now=END)[-1].missed == 0
