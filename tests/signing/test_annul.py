"""Annulment (who, until when, history kept, occurrence open again) and documentation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from libs.auth.principal import Role
from services.signing.events import DeviationDocumented, OccurrenceSigned, SignatureAnnulled
from tests.signing.conftest import SIGN, new_id, sign_input
from tests.support.graphql import GraphQLError

ANNUL = """
mutation Annul($id: ID!, $reason: String!) {
  annulSignature(signatureId: $id, reason: $reason) {
    id annulled annulledAt annulReason annulledBy { id }
  }
}"""

CONFIRM = """
mutation Confirm($id: ID!) {
  confirmDocumented(signatureId: $id) { id documentedAt documentedBy { id } }
}"""

HISTORY = """
query History($id: ID!) {
  signatureHistory(occurrenceId: $id) { id status annulled annulReason }
}"""


async def signed_occurrence(signing, staff, unit, **kwargs):
    occurrence = await signing.schedule(unit_id=unit)
    data = {"input": sign_input(occurrence.occurrence_id, **kwargs)}
    return occurrence, (await staff(SIGN, data))["sign"]


async def test_the_signer_annuls_within_the_limit_and_the_occurrence_can_be_signed_again(
    signing, staff, unit
):
    occurrence, first = await signed_occurrence(signing, staff, unit)
    signing.clock.advance(timedelta(hours=23, minutes=59))

    annulled = (await staff(ANNUL, {"id": first["id"], "reason": "Fel vårdtagare"}))[
        "annulSignature"
    ]
    again = (
        await staff(
            SIGN,
            {
                "input": sign_input(
                    occurrence.occurrence_id,
                    status="NOT_HOME",
                    note="Ej hemma",
                    performed_at=signing.clock.now(),
                )
            },
        )
    )["sign"]

    assert annulled["annulled"] is True
    assert annulled["annulReason"] == "Fel vårdtagare"
    assert annulled["annulledAt"] == signing.clock.now().isoformat()
    history = (await staff(HISTORY, {"id": occurrence.occurrence_id}))["signatureHistory"]
    assert [(h["id"], h["annulled"]) for h in history] == [
        (first["id"], True),
        (again["id"], False),
    ]
    events = await signing.events_for(occurrence.occurrence_id)
    assert [e["ce_type"] for e in events] == [
        OccurrenceSigned.TYPE,
        SignatureAnnulled.TYPE,
        OccurrenceSigned.TYPE,
    ]


async def test_the_signer_cannot_annul_after_the_limit_but_a_sol_admin_can(signing, staff, unit):
    _, signed = await signed_occurrence(signing, staff, unit)
    signing.clock.advance(timedelta(hours=24, seconds=1))

    with pytest.raises(GraphQLError) as refused:
        await staff(ANNUL, {"id": signed["id"], "reason": "fel"})
    assert refused.value.code == "FORBIDDEN"

    signing.clock.advance(timedelta(days=30))
    admin = signing.client(new_id("admin"), {unit: [Role.CARE_STAFF, Role.SOL_ADMIN]})
    annulled = (await admin(ANNUL, {"id": signed["id"], "reason": "fel"}))["annulSignature"]
    assert annulled["annulled"] is True


async def test_a_colleague_or_a_unit_manager_may_not_annul_someone_elses_signature(
    signing, staff, unit
):
    _, signed = await signed_occurrence(signing, staff, unit)
    for roles in ([Role.CARE_STAFF], [Role.UNIT_MANAGER]):
        other = signing.client(new_id("other"), {unit: roles})
        with pytest.raises(GraphQLError) as refused:
            await other(ANNUL, {"id": signed["id"], "reason": "fel"})
        assert refused.value.code == "FORBIDDEN"
    stored = await signing.stored(signature_id=signed["id"])
    assert stored[0].annulled_at is None


async def test_annulling_twice_is_a_conflict_and_a_reason_is_required(signing, staff, unit):
    occurrence, signed = await signed_occurrence(signing, staff, unit)
    with pytest.raises(GraphQLError) as refused:
        await staff(ANNUL, {"id": signed["id"], "reason": "  "})
    assert refused.value.code == "BAD_USER_INPUT"
    await staff(ANNUL, {"id": signed["id"], "reason": "fel"})
    with pytest.raises(GraphQLError) as refused:
        await staff(ANNUL, {"id": signed["id"], "reason": "fel igen"})
    assert refused.value.code == "CONFLICT"
    assert (
        await signing.outbox_count(type_=SignatureAnnulled.TYPE, subject=occurrence.occurrence_id)
        == 1
    )


async def test_documentation_is_confirmed_once_for_deviating_signatures_only(signing, staff, unit):
    occurrence, deviating = await signed_occurrence(
        signing, staff, unit, status="NOT_DONE", note="Orkade inte"
    )
    _, done = await signed_occurrence(signing, staff, unit)
    admin_id = new_id("admin")
    admin = signing.client(admin_id, {unit: [Role.SOL_ADMIN]})
    signing.clock.advance(timedelta(hours=2))

    confirmed = (await admin(CONFIRM, {"id": deviating["id"]}))["confirmDocumented"]
    signing.clock.advance(timedelta(hours=1))
    again = (await staff(CONFIRM, {"id": deviating["id"]}))["confirmDocumented"]

    assert confirmed["documentedAt"] == (signing.clock.now() - timedelta(hours=1)).isoformat()
    assert confirmed["documentedBy"] == {"id": admin_id}
    assert again == confirmed
    assert (
        await signing.outbox_count(type_=DeviationDocumented.TYPE, subject=occurrence.occurrence_id)
        == 1
    )
    with pytest.raises(GraphQLError) as refused:
        await staff(CONFIRM, {"id": done["id"]})
    assert refused.value.code == "CONFLICT"


CONFIRM_WITH_REFERENCE = """
mutation Confirm($id: ID!, $ref: String) {
  confirmDocumented(signatureId: $id, caseReference: $ref) { id documentedBy { id } caseReference }
}"""


@pytest.mark.parametrize("role", [Role.SOL_ADMIN, Role.UNIT_MANAGER])
async def test_a_sol_admin_or_manager_of_the_unit_may_confirm_for_the_signer(
    signing, staff, unit, role
):
    _, deviating = await signed_occurrence(signing, staff, unit, status="NOT_HOME", note="Borta")
    checker_id = new_id("checker")
    checker = signing.client(checker_id, {unit: [role]})

    confirmed = (
        await checker(CONFIRM_WITH_REFERENCE, {"id": deviating["id"], "ref": " DS-2026/41 "})
    )["confirmDocumented"]

    assert confirmed["documentedBy"] == {"id": checker_id}
    assert confirmed["caseReference"] == "DS-2026/41"


async def test_a_colleague_may_not_confirm_someone_elses_signature_and_nothing_changes(
    signing, staff, unit
):
    occurrence, deviating = await signed_occurrence(
        signing, staff, unit, status="DECLINED", note="Nej tack"
    )
    colleague = signing.client(new_id("colleague"), {unit: [Role.CARE_STAFF]})
    outsider = signing.client(new_id("outsider"), {new_id("unit"): [Role.SOL_ADMIN]})

    with pytest.raises(GraphQLError) as refused:
        await colleague(CONFIRM, {"id": deviating["id"]})
    assert refused.value.code == "FORBIDDEN"
    assert "only the signer" in refused.value.errors[0]["message"]
    with pytest.raises(GraphQLError) as hidden:
        await outsider(CONFIRM, {"id": deviating["id"]})
    assert hidden.value.code == "NOT_FOUND"
    (row,) = await signing.stored(signature_id=deviating["id"])
    assert row.documented_at is None
    assert (
        await signing.outbox_count(type_=DeviationDocumented.TYPE, subject=occurrence.occurrence_id)
        == 0
    )

    mine = (await staff(CONFIRM_WITH_REFERENCE, {"id": deviating["id"], "ref": None}))[
        "confirmDocumented"
    ]
    assert mine["caseReference"] is None


async def test_a_case_reference_longer_than_the_limit_is_refused(signing, staff, unit):
    _, deviating = await signed_occurrence(signing, staff, unit, status="NOT_DONE", note="Nej")
    with pytest.raises(GraphQLError) as refused:
        await staff(CONFIRM_WITH_REFERENCE, {"id": deviating["id"], "ref": "x" * 101})
    assert refused.value.code == "BAD_USER_INPUT"
    assert "caseReference" in refused.value.errors[0]["message"]
    (row,) = await signing.stored(signature_id=deviating["id"])
    assert row.documented_at is None


async def test_an_annulled_deviation_cannot_be_confirmed(signing, staff, unit):
    _, signed = await signed_occurrence(signing, staff, unit, status="DECLINED", note="Nej tack")
    await staff(ANNUL, {"id": signed["id"], "reason": "fel"})
    with pytest.raises(GraphQLError) as refused:
        await staff(CONFIRM, {"id": signed["id"]})
    assert refused.value.code == "CONFLICT"
