"""The pure rules of signing, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.auth.principal import Principal, Role
from services.signing.domain import (
    Intervention,
    InvalidSigning,
    NotAllowed,
    NotFound,
    Occurrence,
    OccurrenceClosed,
    Request,
    SigningPolicy,
    SigningStatus,
    Timing,
    check_annul_permission,
    check_idempotency_key,
    check_performed_at,
    clean_note,
    clean_reason,
    is_retrospective,
    judge_timing,
    may_sign_in,
    sign_occurrence,
    sign_prn_intervention,
)

START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
POLICY = SigningPolicy()


@pytest.mark.parametrize(
    ("performed_at", "timing"),
    [
        (START - timedelta(microseconds=1), Timing.EARLY),
        (START, Timing.ON_TIME),
        (END - timedelta(microseconds=1), Timing.ON_TIME),
        (END, Timing.LATE),
    ],
)
def test_timing_at_the_window_edges(performed_at, timing):
    assert judge_timing(performed_at=performed_at, window_start=START, window_end=END) is timing


@given(st.integers(min_value=-10_000_000, max_value=10_000_000))
def test_timing_is_on_time_exactly_inside_the_half_open_window(seconds):
    performed_at = START + timedelta(seconds=seconds)
    timing = judge_timing(performed_at=performed_at, window_start=START, window_end=END)
    assert (timing is Timing.ON_TIME) == (START <= performed_at < END)


def test_timing_compares_instants_not_wall_clocks():
    stockholm = START.astimezone(ZoneInfo("Europe/Stockholm"))
    assert judge_timing(performed_at=stockholm, window_start=START, window_end=END) is (
        Timing.ON_TIME
    )


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (-timedelta(hours=24), True),
        (-timedelta(hours=24, microseconds=1), False),
        (timedelta(minutes=2), True),
        (timedelta(minutes=2, microseconds=1), False),
    ],
)
def test_device_time_skew_limits(offset, accepted):
    signed_at = START
    if accepted:
        check_performed_at(performed_at=signed_at + offset, signed_at=signed_at, policy=POLICY)
    else:
        with pytest.raises(InvalidSigning, match="performedAt"):
            check_performed_at(performed_at=signed_at + offset, signed_at=signed_at, policy=POLICY)


def test_device_time_needs_an_offset():
    with pytest.raises(InvalidSigning, match="offset"):
        check_performed_at(performed_at=datetime(2026, 3, 10, 8, 0), signed_at=START, policy=POLICY)


def test_the_skew_is_configurable():
    policy = SigningPolicy(performed_back=timedelta(hours=2), performed_ahead=timedelta(0))
    with pytest.raises(InvalidSigning, match="2 h"):
        check_performed_at(performed_at=START - timedelta(hours=3), signed_at=START, policy=policy)


@pytest.mark.parametrize("status", [s for s in SigningStatus if s.deviating])
def test_deviating_statuses_need_a_note(status):
    for blank in (None, "", " \n "):
        with pytest.raises(InvalidSigning, match="note is required"):
            clean_note(status=status, note=blank)
    assert clean_note(status=status, note="  Ville inte  ") == "Ville inte"


def test_done_takes_an_optional_note_and_notes_are_bounded():
    assert clean_note(status=SigningStatus.DONE, note=None) is None
    assert clean_note(status=SigningStatus.DONE, note=" ") is None
    with pytest.raises(InvalidSigning, match="longer"):
        clean_note(status=SigningStatus.DONE, note="x" * 4001)


def test_only_done_is_not_deviating():
    assert [s for s in SigningStatus if not s.deviating] == [SigningStatus.DONE]


def test_reasons_and_keys_are_required_and_bounded():
    with pytest.raises(InvalidSigning):
        clean_reason(" ")
    assert clean_reason(" fel ") == "fel"
    for bad in ("", "  ", "k" * 101):
        with pytest.raises(InvalidSigning):
            check_idempotency_key(bad)


def principal(user_id, *roles, unit="u1"):
    return Principal(user_id=user_id, unit_roles={unit: frozenset(roles)})


def annul(by, *, signed_by="anna", age=timedelta(hours=1), unit="u1"):
    check_annul_permission(
        principal=by,
        unit_id=unit,
        signed_by=signed_by,
        signed_at=START,
        now=START + age,
        policy=POLICY,
    )


def test_the_signer_may_annul_within_the_limit_only():
    anna = principal("anna", Role.CARE_STAFF)
    annul(anna, age=timedelta(hours=24))
    with pytest.raises(NotAllowed, match="24 h"):
        annul(anna, age=timedelta(hours=24, microseconds=1))


def test_a_sol_admin_of_the_unit_may_annul_any_time_others_never():
    annul(principal("admin", Role.SOL_ADMIN), age=timedelta(days=400))
    for other in (principal("bo", Role.CARE_STAFF), principal("chef", Role.UNIT_MANAGER)):
        with pytest.raises(NotAllowed):
            annul(other)
    with pytest.raises(NotAllowed):
        annul(principal("admin", Role.SOL_ADMIN, unit="u2"))


def test_signing_roles_are_per_unit():
    assert may_sign_in(principal("a", Role.CARE_STAFF), "u1")
    assert may_sign_in(principal("a", Role.UNIT_MANAGER), "u1")
    assert not may_sign_in(principal("a", Role.CARE_STAFF), "u2")
    assert not may_sign_in(
        Principal(user_id="root", global_roles=frozenset({Role.SYSTEM_ADMIN})), "u1"
    )


def request(signer, **overrides):
    values = {
        "signature_id": "sig-1",
        "signer": signer,
        "status": SigningStatus.NOT_HOME,
        "note": "Ej hemma",
        "performed_at": START + timedelta(minutes=5),
        "idempotency_key": "k1",
        "signed_at": START + timedelta(minutes=6),
    }
    return Request(**(values | overrides))


def occurrence(**overrides):
    values = {
        "occurrence_id": "occ-1",
        "intervention_id": "int-1",
        "tenant_id": "t-1",
        "unit_id": "u1",
        "window_start": START,
        "window_end": END,
        "prn": False,
        "cancelled": False,
    }
    return Occurrence(**(values | overrides))


def test_signing_an_occurrence_takes_its_ids_and_judges_timing():
    signature = sign_occurrence(request(principal("anna", Role.CARE_STAFF)), occurrence())
    assert (signature.occurrence_id, signature.tenant_id, signature.unit_id) == (
        "occ-1",
        "t-1",
        "u1",
    )
    assert signature.timing is Timing.ON_TIME
    assert signature.signed_by == "anna"
    assert not signature.prn
    assert not signature.annulled


def test_an_occurrence_out_of_reach_is_not_found_and_a_closed_one_refused():
    anna = request(principal("anna", Role.CARE_STAFF))
    with pytest.raises(NotFound):
        sign_occurrence(anna, None)
    with pytest.raises(NotFound):
        sign_occurrence(anna, occurrence(unit_id="u2"))
    with pytest.raises(OccurrenceClosed):
        sign_occurrence(anna, occurrence(cancelled=True))
    with pytest.raises(InvalidSigning, match="signPrn"):
        sign_occurrence(anna, occurrence(prn=True))


def test_prn_signings_need_an_active_prn_intervention_and_have_no_timing():
    anna = request(principal("anna", Role.CARE_STAFF))
    prn = Intervention(intervention_id="i", tenant_id="t", unit_id="u1", prn=True, active=True)
    signature = sign_prn_intervention(anna, prn)
    assert signature.prn
    assert signature.timing is None
    assert signature.occurrence_id is None
    with pytest.raises(InvalidSigning):
        sign_prn_intervention(anna, replace(prn, prn=False))
    with pytest.raises(OccurrenceClosed):
        sign_prn_intervention(anna, replace(prn, active=False))
    with pytest.raises(NotFound):
        sign_prn_intervention(anna, replace(prn, unit_id="u2"))


def test_a_retry_is_the_same_request_only_for_the_same_target_status_and_time():
    signature = sign_occurrence(request(principal("anna", Role.CARE_STAFF)), occurrence())
    same = {
        "occurrence_id": "occ-1",
        "intervention_id": None,
        "status": SigningStatus.NOT_HOME,
        "performed_at": START + timedelta(minutes=5),
    }
    assert signature.same_request(**same)
    assert signature.same_request(
        **same | {"performed_at": (START + timedelta(minutes=5)).astimezone(ZoneInfo("Asia/Tokyo"))}
    )
    assert not signature.same_request(**same | {"occurrence_id": "occ-2"})
    assert not signature.same_request(**same | {"status": SigningStatus.DONE})
    assert not signature.same_request(**same | {"performed_at": START})


@pytest.mark.parametrize(
    ("lag", "retrospective"),
    [
        (timedelta(minutes=15), False),
        (timedelta(minutes=15, microseconds=1), True),
        (timedelta(hours=23), True),
    ],
)
def test_a_signature_is_retrospective_when_signed_more_than_the_limit_after_performing(
    lag, retrospective
):
    assert (
        is_retrospective(performed_at=START, signed_at=START + lag, policy=POLICY) is retrospective
    )
    tighter = SigningPolicy(retrospective_after=timedelta(minutes=1))
    assert is_retrospective(
        performed_at=START, signed_at=START + timedelta(minutes=2), policy=tighter
    )
