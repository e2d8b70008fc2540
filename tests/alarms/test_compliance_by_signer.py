"""The compliance report per signer, against a fixture whose figures are worked out by hand."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from libs.auth.principal import Role
from services.identity.events import RecordsAccessed
from tests.alarms.conftest import T0, Unit, advance_to, new_id, outbox
from tests.alarms.test_follow_up import expect_error
from tests.support.waiting import eventually

BY_SIGNER = """query($u: ID!, $from: Date!, $to: Date!) {
  complianceBySigner(unitId: $u, from: $from, to: $to) {
    signer { id } signed onTime outsideWindow retrospective missed pending
    deviating { notDone notHome declined total }
  }
}"""
DAY = T0.date().isoformat()  # 08:00-20:00 Stockholm: every window below is on this local day


def deviating(*, not_done=0, not_home=0, declined=0) -> dict:
    total = not_done + not_home + declined
    return {"notDone": not_done, "notHome": not_home, "declined": declined, "total": total}


def row(signer, signed, on_time, outside, retrospective, *, missed=None, pending=None, **dev):
    return {
        "signer": {"id": signer} if signer else None,
        "signed": signed,
        "onTime": on_time,
        "outsideWindow": outside,
        "retrospective": retrospective,
        "missed": missed,
        "pending": pending,
        "deviating": deviating(**dev),
    }


async def test_figures_per_signer_and_the_unit_s_unsigned_windows(service, unit, tokens):
    anna = unit  # signs as unit.staff_id
    bo = dataclasses.replace(unit, staff_id=new_id("bo"))
    elsewhere = Unit(tokens=tokens, staff_id=anna.staff_id)
    windows = [unit.scheduled(T0 + timedelta(hours=hour)) for hour in (1, 2, 3, 4, 5, 6, 7, 12)]
    o1, o2, o3, o4, o5, o6, _unsigned, _pending = windows
    next_day = unit.scheduled(T0 + timedelta(days=1, hours=1))
    other_unit = elsewhere.scheduled(T0 + timedelta(hours=1))

    def at(occurrence, minutes: int):
        return occurrence.window_start + timedelta(minutes=minutes)

    annulled = anna.signed(o6, performed_at=at(o6, 10), timing="ON_TIME")
    await service.publish(
        *windows,
        next_day,
        other_unit,
        anna.signed(o1, performed_at=at(o1, 10), timing="ON_TIME"),
        anna.signed(o2, performed_at=at(o2, 10), timing="ON_TIME", status="NOT_DONE"),
        anna.signed(o3, performed_at=at(o3, 90), timing="LATE"),
        bo.signed(
            o4,
            performed_at=at(o4, 10),
            signed_at=at(o4, 10) + timedelta(hours=2),
            timing="ON_TIME",
            retrospective=True,
        ),
        bo.signed(o5, performed_at=at(o5, -30), timing="EARLY", status="DECLINED"),
        annulled,
        anna.annulled(annulled, at(o6, 20)),
        bo.signed(next_day, performed_at=at(next_day, 10), timing="ON_TIME"),
        elsewhere.signed(other_unit, performed_at=at(other_unit, 10), timing="ON_TIME"),
    )
    # o6 (annulled) and o7 are over unsigned; o8 (from 19:00 local) is still to come.
    advance_to(service.clock, T0 + timedelta(hours=9))
    manager = service.client(unit.token(Role.UNIT_MANAGER))
    period = {"u": unit.unit_id, "from": DAY, "to": DAY}

    expected = [
        # Anna: o1 on time, o2 on time and NOT_DONE, o3 late; her annulled o6 is nobody's.
        row(anna.staff_id, 3, 2, 1, 0, not_done=1),
        # Bo: o4 on time but retrospective, o5 early and DECLINED; next day's is not in the period.
        row(bo.staff_id, 2, 1, 1, 1, declined=1),
        # The unit's: o6 and o7 missed, o8 pending; 3 + 2 + 2 + 1 = the 8 planned windows.
        row(None, 0, 0, 0, 0, missed=2, pending=1),
    ]

    async def figures():
        rows = (await manager(BY_SIGNER, period))["complianceBySigner"]
        return rows if rows == expected else None

    await eventually(figures)
    admin = service.client(unit.token(Role.SOL_ADMIN))
    assert (await admin(BY_SIGNER, period))["complianceBySigner"] == expected


async def test_only_those_who_follow_up_read_it_and_reading_is_logged(service, unit, tokens):
    period = {"u": unit.unit_id, "from": DAY, "to": DAY}
    occurrence = unit.scheduled(T0 + timedelta(hours=1))
    await service.publish(occurrence)
    await service.wait_until_known(occurrence.occurrence_id)

    staff = service.client(unit.token(Role.CARE_STAFF))
    await expect_error(staff(BY_SIGNER, period), "FORBIDDEN")
    stranger = service.client(Unit(tokens=tokens).token(Role.UNIT_MANAGER))
    await expect_error(stranger(BY_SIGNER, period), "NOT_FOUND")
    manager_id = new_id("manager")
    manager = service.client(unit.token(Role.UNIT_MANAGER, user_id=manager_id))
    reversed_period = {**period, "from": "2026-03-11", "to": "2026-03-10"}
    await expect_error(manager(BY_SIGNER, reversed_period), "BAD_USER_INPUT")

    # Nothing signed: only the unit's row.
    (only,) = (await manager(BY_SIGNER, period))["complianceBySigner"]
    assert (only["signer"], only["signed"]) == (None, 0)
    logged = await outbox(service, RecordsAccessed.TYPE, user_id=manager_id)
    assert [(e["records"], e["action"]) for e in logged] == [
        ([{"tenant_id": unit.tenant_id, "unit_id": unit.unit_id}], "compliance.by_signer.read")
    ]
