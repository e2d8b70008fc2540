"""Follow-up notes ("uppföljning med personal") on alarms and deviation reports."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from libs.auth.principal import Role
from services.identity.events import RecordsAccessed
from tests.alarms.conftest import Unit, advance_to, missed_alarm, new_id, outbox
from tests.alarms.test_follow_up import expect_error

ADD = """mutation($input: AddFollowUpNoteInput!) {
  addFollowUpNote(input: $input) { id text writtenBy { id } writtenAt }
}"""
ALARM_NOTES = """query($id: ID!) {
  alarm(id: $id) { followUpNotes { id text writtenBy { id } writtenAt } }
}"""
DEVIATION_NOTES = """query($u: ID!) {
  deviations(unitId: $u) { id followUpNotes { id text writtenBy { id } } }
}"""
REPORT = """mutation($input: ReportDeviationInput!) { reportDeviation(input: $input) { id } }"""


async def test_notes_on_an_alarm_and_its_deviation_keep_their_history_for_admins_and_managers(
    service, unit
):
    alarm = await missed_alarm(service, unit)
    admin_id, manager_id = new_id("admin"), new_id("manager")
    admin = service.client(unit.token(Role.SOL_ADMIN, user_id=admin_id))
    manager = service.client(unit.token(Role.UNIT_MANAGER, user_id=manager_id))
    staff = service.client(unit.token(Role.CARE_STAFF))

    first = (
        await admin(
            ADD, {"input": {"alarmId": alarm.alarm_id, "text": "  Pratat med Anna om signering.  "}}
        )
    )["addFollowUpNote"]
    assert first["text"] == "Pratat med Anna om signering."
    assert first["writtenBy"] == {"id": admin_id}
    written_at = first["writtenAt"]
    advance_to(service.clock, service.clock.now() + timedelta(minutes=5))
    second = (
        await manager(ADD, {"input": {"alarmId": alarm.alarm_id, "text": "Uppföljt på APT."}})
    )["addFollowUpNote"]
    assert second["writtenAt"] > written_at

    notes = (await manager(ALARM_NOTES, {"id": alarm.alarm_id}))["alarm"]["followUpNotes"]
    assert [(n["id"], n["text"], n["writtenBy"]["id"]) for n in notes] == [
        (first["id"], "Pratat med Anna om signering.", admin_id),
        (second["id"], "Uppföljt på APT.", manager_id),
    ]
    assert (await admin(ALARM_NOTES, {"id": alarm.alarm_id}))["alarm"]["followUpNotes"] == notes
    # Care staff read the alarm, not the notes about their colleagues.
    assert (await staff(ALARM_NOTES, {"id": alarm.alarm_id}))["alarm"]["followUpNotes"] == []

    deviation = (
        await admin(REPORT, {"input": {"alarmId": alarm.alarm_id, "description": "Ej utförd"}})
    )["reportDeviation"]["id"]
    on_deviation = (
        await manager(ADD, {"input": {"deviationId": deviation, "text": "Samtal med personal."}})
    )["addFollowUpNote"]
    (listed,) = (await admin(DEVIATION_NOTES, {"u": unit.unit_id}))["deviations"]
    assert listed["followUpNotes"] == [
        {"id": on_deviation["id"], "text": "Samtal med personal.", "writtenBy": {"id": manager_id}}
    ]
    # The alarm's notes and its deviation's are kept apart.
    after = (await admin(ALARM_NOTES, {"id": alarm.alarm_id}))["alarm"]["followUpNotes"]
    assert [n["id"] for n in after] == [first["id"], second["id"]]

    # Each write is in the access log; no event carries the text.
    logged = await outbox(service, RecordsAccessed.TYPE, user_id=manager_id)
    writes = [e for e in logged if e["action"] == "follow_up_note.write"]
    assert [e["records"] for e in writes] == [
        [{"tenant_id": unit.tenant_id, "unit_id": unit.unit_id}]
    ] * 2
    tables = service.runtime.definition.tables.messaging
    async with service.runtime.sessions() as session:
        payloads = (await session.execute(select(tables.outbox.c.data))).scalars().all()
    assert not [p for p in payloads if "APT" in str(p) or "Samtal" in str(p)]


async def test_who_may_write_a_note_and_what_it_must_say(service, unit, tokens):
    alarm = await missed_alarm(service, unit)
    admin = service.client(unit.token(Role.SOL_ADMIN))

    def add(client, text="Pratat med personalen.", **subject):
        return client(ADD, {"input": {**subject, "text": text}})

    on_alarm = {"alarmId": alarm.alarm_id}
    await expect_error(add(service.client(None), **on_alarm), "UNAUTHENTICATED")
    await expect_error(add(service.client(unit.token(Role.CARE_STAFF)), **on_alarm), "FORBIDDEN")
    stranger = service.client(Unit(tokens=tokens).token(Role.UNIT_MANAGER))
    await expect_error(add(stranger, **on_alarm), "NOT_FOUND")
    await expect_error(add(admin, alarmId="no-such-alarm"), "NOT_FOUND")
    await expect_error(add(admin, deviationId="no-such-deviation"), "NOT_FOUND")
    for subject in ({}, {"alarmId": alarm.alarm_id, "deviationId": "some-deviation"}):
        error = await expect_error(add(admin, **subject), "BAD_USER_INPUT")
        assert "exactly one" in error.errors[0]["message"]
    await expect_error(add(admin, text="   ", **on_alarm), "BAD_USER_INPUT")
    await expect_error(add(admin, text="x" * 4001, **on_alarm), "BAD_USER_INPUT")
    longest = (await add(admin, text="x" * 4000, **on_alarm))["addFollowUpNote"]
    assert len(longest["text"]) == 4000

    # Nothing refused was kept.
    notes = (await admin(ALARM_NOTES, {"id": alarm.alarm_id}))["alarm"]["followUpNotes"]
    assert [n["id"] for n in notes] == [longest["id"]]
