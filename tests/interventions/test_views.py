"""The worklist's signatures and alarms, from signing's and the alarms service's events on the
broker (services/interventions/views.py): in order, out of order, twice, and per entity."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.alarms.events import TOPIC as ALARMS_TOPIC
from services.alarms.events import AlarmAcknowledged, AlarmRaised, AlarmUpdated
from services.interventions.tables import SIGNATURE_VIEWS
from services.signing.events import TOPIC as SIGNING_TOPIC
from services.signing.events import OccurrenceSigned, SignatureAnnulled
from tests.interventions.conftest import START, UNIT, new_intervention, new_tenant
from tests.support.broker import cloud_event, publish
from tests.support.waiting import eventually

WORKLIST = """query($unit: ID!) { worklist(unitId: $unit) {
  id signature { id status timing signedAt } alarms { id kind state } } }"""
ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Occurrence { id signature { id status } alarms { id kind state } } } }"""


class Facts:
    """Signing's and alarms' facts about one occurrence, as their relays would publish them."""

    def __init__(self, broker: Any, occurrence: Any) -> None:
        self.bootstrap = broker.bootstrap_servers
        self.occurrence = occurrence
        self.ids = {
            "occurrence_id": occurrence.id,
            "intervention_id": occurrence.intervention_id,
            "tenant_id": occurrence.tenant_id,
            "unit_id": UNIT,
        }

    async def signed(self, signature_id: str, *, at: datetime, status: str = "DONE") -> None:
        fact = OccurrenceSigned(
            signature_id=signature_id,
            status=status,
            timing="ON_TIME",
            performed_at=at,
            signed_at=at,
            signed_by="u-staff",
            **self.ids,
        )
        await publish(self.bootstrap, SIGNING_TOPIC, [cloud_event(fact, time=at)])

    async def annulled(self, signature_id: str, *, at: datetime) -> None:
        fact = SignatureAnnulled(
            signature_id=signature_id, annulled_by="u-staff", annulled_at=at, **self.ids
        )
        await publish(self.bootstrap, SIGNING_TOPIC, [cloud_event(fact, time=at)])

    async def alarm(self, *facts: Any) -> None:
        events = [cloud_event(fact, time=START) for fact in facts]
        await publish(self.bootstrap, ALARMS_TOPIC, events)

    def raised(self, alarm_id: str, kind: str, at: datetime) -> AlarmRaised:
        return AlarmRaised(alarm_id=alarm_id, kind=kind, raised_at=at, **self.ids)

    def updated(self, alarm_id: str, kind: str, at: datetime) -> AlarmUpdated:
        return AlarmUpdated(
            alarm_id=alarm_id,
            unit_id=UNIT,
            kind=kind,
            occurrence_id=self.occurrence.id,
            updated_at=at,
        )

    def acknowledged(self, alarm_id: str, at: datetime) -> AlarmAcknowledged:
        return AlarmAcknowledged(
            alarm_id=alarm_id,
            unit_id=UNIT,
            outcome="DOCUMENTATION_VERIFIED",
            acknowledged_by="u-admin",
            acknowledged_at=at,
        )


async def facts_about_an_occurrence(service: Any, broker: Any) -> Facts:
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(service.admin, tenant, confirm=service.admin)
    [occurrence, *_] = await service.occurrences(intervention_id=intervention)
    return Facts(broker, occurrence)


async def row_of(service: Any, occurrence_id: str, ready: Any) -> dict[str, Any]:
    """The occurrence's worklist row once ``ready(row)`` holds."""

    async def row() -> dict[str, Any] | None:
        rows = (await service.staff(WORKLIST, {"unit": UNIT}))["worklist"]
        found: dict[str, Any] = next(r for r in rows if r["id"] == occurrence_id)
        return found if ready(found) else None

    found: dict[str, Any] = await eventually(row, within=20)
    return found


async def test_the_worklist_shows_the_signature_and_alarms_their_owners_announced(service, broker):
    facts = await facts_about_an_occurrence(service, broker)
    occurrence = facts.occurrence.id
    signature = str(uuid.uuid4())
    await facts.signed(signature, at=START)

    row = await row_of(service, occurrence, lambda r: r["signature"] is not None)
    assert row["signature"] == {
        "id": signature,
        "status": "DONE",
        "timing": "ON_TIME",
        "signedAt": "2026-02-10T06:00:00+00:00",
    }
    assert row["alarms"] == []

    alarm = str(uuid.uuid4())
    await facts.alarm(
        facts.raised(alarm, "MISSED", START),
        facts.updated(alarm, "OUTSIDE_WINDOW", START + timedelta(minutes=5)),
        facts.acknowledged(alarm, START + timedelta(minutes=9)),
    )
    row = await row_of(
        service, occurrence, lambda r: r["alarms"] and r["alarms"][0]["state"] == "ACKNOWLEDGED"
    )
    assert row["alarms"] == [{"id": alarm, "kind": "OUTSIDE_WINDOW", "state": "ACKNOWLEDGED"}]

    await facts.annulled(signature, at=START + timedelta(minutes=10))
    row = await row_of(service, occurrence, lambda r: r["signature"] is None)
    # The same signing delivered again (a redelivery with a new envelope) stays annulled; a
    # new signing after it is the current one.
    await facts.signed(signature, at=START)
    again = str(uuid.uuid4())
    await facts.signed(again, at=START + timedelta(minutes=11), status="NOT_HOME")
    row = await row_of(service, occurrence, lambda r: r["signature"] is not None)
    assert (row["signature"]["id"], row["signature"]["status"]) == (again, "NOT_HOME")
    # The newer signing hides the older on the worklist either way, so look at the view itself:
    # the redelivery came before `again` on the occurrence's partition and left it annulled.
    async with service.runtime.sessions() as session:
        annulled = await session.scalar(
            select(SIGNATURE_VIEWS.c.annulled).where(SIGNATURE_VIEWS.c.signature_id == signature)
        )
    assert annulled is True


async def test_facts_arriving_out_of_order_end_as_their_owner_left_them(service, broker):
    facts = await facts_about_an_occurrence(service, broker)
    occurrence = facts.occurrence.id
    # Two signing replicas' relays: the annulment of a later signature overtakes its signing,
    # and the occurrence's next signature comes in between.
    annulled, current = str(uuid.uuid4()), str(uuid.uuid4())
    await facts.annulled(annulled, at=START + timedelta(minutes=20))
    await facts.signed(current, at=START + timedelta(minutes=5))
    await facts.signed(annulled, at=START + timedelta(minutes=15))
    marker = str(uuid.uuid4())
    await facts.alarm(facts.raised(marker, "DEVIATING", START))
    row = await row_of(service, occurrence, lambda r: r["alarms"])
    assert row["signature"]["id"] == current

    # A later judgement of an alarm's kind overtakes its raising; an acknowledgement both.
    alarm = str(uuid.uuid4())
    await facts.alarm(
        facts.acknowledged(alarm, START + timedelta(minutes=30)),
        facts.updated(alarm, "OUTSIDE_WINDOW", START + timedelta(minutes=25)),
        facts.raised(alarm, "MISSED", START + timedelta(minutes=1)),
    )
    row = await row_of(service, occurrence, lambda r: len(r["alarms"]) == 2)
    assert row["alarms"] == [
        {"id": marker, "kind": "DEVIATING", "state": "OPEN"},
        {"id": alarm, "kind": "OUTSIDE_WINDOW", "state": "ACKNOWLEDGED"},
    ]


async def test_an_occurrence_the_gateway_asks_for_by_reference_has_them_too(service, broker):
    facts = await facts_about_an_occurrence(service, broker)
    occurrence = facts.occurrence.id
    signature, alarm = str(uuid.uuid4()), str(uuid.uuid4())
    await facts.signed(signature, at=START)
    await facts.alarm(facts.raised(alarm, "DEVIATING", START))
    await row_of(service, occurrence, lambda r: r["signature"] and r["alarms"])

    reps = {"reps": [{"__typename": "Occurrence", "id": occurrence}]}
    [found] = (await service.staff(ENTITIES, reps))["_entities"]
    assert found == {
        "id": occurrence,
        "signature": {"id": signature, "status": "DONE"},
        "alarms": [{"id": alarm, "kind": "DEVIATING", "state": "OPEN"}],
    }
    # Another unit's staff: the occurrence is not there, nor its signature.
    assert (await service.outsider(ENTITIES, reps))["_entities"] == [None]


async def test_a_status_or_kind_this_schema_does_not_know_yet_is_left_out_not_an_error(
    service, broker
):
    # Signing or alarms deployed first with a value added later to this subgraph's enums.
    facts = await facts_about_an_occurrence(service, broker)
    occurrence = facts.occurrence.id
    await facts.signed(str(uuid.uuid4()), at=START, status="PARTLY_DONE")
    unknown, known = str(uuid.uuid4()), str(uuid.uuid4())
    await facts.alarm(
        facts.raised(unknown, "LATE_ESCALATION", START),
        facts.raised(known, "MISSED", START + timedelta(minutes=1)),
    )
    row = await row_of(service, occurrence, lambda r: r["alarms"])
    assert row["signature"] is None
    assert row["alarms"] == [{"id": known, "kind": "MISSED", "state": "OPEN"}]
