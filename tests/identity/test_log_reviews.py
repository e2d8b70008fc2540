"""Log reviews: the sample a review checked, and the earlier reviews read back per unit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from services.identity.tables import LogReviewRow, LogReviewSampleRow
from tests.identity.conftest import error_code
from tests.identity.test_access_log import accessed, publish, stored
from tests.identity.test_authorization import second_unit_with_manager
from tests.support.waiting import eventually

RECORD = """
mutation($i: RecordLogReviewInput!) {
  recordLogReview(input: $i) {
    id unitId from to findings sampleEntryIds sample { id unitId } reviewer { username }
  }
}"""
REVIEWS = """
query($u: ID, $n: Int) {
  logReviews(unitId: $u, first: $n) {
    id unitId findings recordedAt sampleEntryIds sample { id } reviewer { username }
  }
}"""
SAMPLE = """
query($u: ID!, $f: DateTime!, $t: DateTime!, $n: Int) {
  accessLogSample(unitId: $u, from: $f, to: $t, size: $n) { id }
}"""


async def logged(stack, *, unit_id: str, now: datetime) -> dict[str, str]:
    """Entries of the unit in the last hour, one two hours ago and one of another unit;
    returns their ids by what they are."""
    anna = stack.demo["anna"].user_id
    events = {
        f"recent{i}": accessed(
            user_id=anna, tenant_id=f"t{i}", unit_id=unit_id, at=now - timedelta(minutes=i)
        )
        for i in range(1, 11)
    }
    events["earlier"] = accessed(
        user_id=anna, tenant_id="t0", unit_id=unit_id, at=now - timedelta(hours=2)
    )
    events["elsewhere"] = accessed(
        user_id="someone", tenant_id="t9", unit_id=str(uuid.uuid4()), at=now - timedelta(minutes=5)
    )
    await publish(stack, list(events.values()))

    async def all_stored():
        return await stored(stack) == len(events)

    await eventually(all_stored)
    return {name: event.id for name, event in events.items()}


def review_of(unit_id: str, now: datetime, findings: str, sample=None) -> dict:
    return {
        "i": {
            "unitId": unit_id,
            "from": (now - timedelta(hours=1)).isoformat(),
            "to": now.isoformat(),
            "findings": findings,
            "sampleEntryIds": sample,
        }
    }


async def counts(stack) -> tuple[int, int]:
    async with stack.identity.deps.sessions() as session:
        reviews = await session.scalar(select(func.count()).select_from(LogReviewRow))
        samples = await session.scalar(select(func.count()).select_from(LogReviewSampleRow))
    return reviews, samples


async def test_a_review_keeps_its_sample_and_reviews_are_read_back_newest_first(stack):
    now = datetime.now(UTC).replace(microsecond=0)
    await logged(stack, unit_id=stack.unit_id, now=now)
    manager = await stack.as_user("chef")
    period = {
        "u": stack.unit_id,
        "f": (now - timedelta(hours=1)).isoformat(),
        "t": now.isoformat(),
    }
    drawn = [e["id"] for e in (await manager(SAMPLE, {**period, "n": 4}))["accessLogSample"]]
    assert len(drawn) == 4

    first = (await manager(RECORD, review_of(stack.unit_id, now, "Stickprov 4 av 10.", drawn)))[
        "recordLogReview"
    ]
    assert first["sampleEntryIds"] == drawn
    assert [e["id"] for e in first["sample"]] == drawn
    assert {e["unitId"] for e in first["sample"]} == {stack.unit_id}
    assert first["reviewer"] == {"username": "chef"}
    twice = [drawn[0], drawn[0]]
    second = (await manager(RECORD, review_of(stack.unit_id, now, "Samma igen.", twice)))[
        "recordLogReview"
    ]
    assert second["sampleEntryIds"] == [drawn[0]], "an entry checked once, however often given"
    third = (await manager(RECORD, review_of(stack.unit_id, now, "Utan stickprov.")))[
        "recordLogReview"
    ]
    assert (third["sampleEntryIds"], third["sample"]) == ([], [])

    listed = (await manager(REVIEWS, {}))["logReviews"]
    assert [r["id"] for r in listed] == [third["id"], second["id"], first["id"]]
    assert listed[2]["sampleEntryIds"] == drawn
    assert [e["id"] for e in listed[2]["sample"]] == drawn
    assert listed[2]["reviewer"] == {"username": "chef"}
    assert (await manager(REVIEWS, {"u": stack.unit_id}))["logReviews"] == listed
    assert [r["id"] for r in (await manager(REVIEWS, {"n": 1}))["logReviews"]] == [third["id"]]


async def test_pages_of_reviews_are_capped_at_a_hundred(stack):
    async with stack.identity.deps.sessions() as session, session.begin():
        now = datetime.now(UTC)
        session.add_all(
            LogReviewRow(
                id=str(uuid.uuid4()),
                unit_id=stack.unit_id,
                reviewer_id=stack.demo["chef"].user_id,
                period_from=now - timedelta(days=8),
                period_to=now - timedelta(days=1),
                findings=f"Vecka {n}",
                recorded_at=now - timedelta(hours=n),
            )
            for n in range(120)
        )
    manager = await stack.as_user("chef")
    page = (await manager(REVIEWS, {"n": 1000}))["logReviews"]
    assert len(page) == 100
    assert page[0]["findings"] == "Vecka 0"
    assert len((await manager(REVIEWS, {}))["logReviews"]) == 50


async def test_a_sample_entry_outside_the_unit_or_period_is_refused_and_nothing_written(stack):
    now = datetime.now(UTC).replace(microsecond=0)
    ids = await logged(stack, unit_id=stack.unit_id, now=now)
    manager = await stack.as_user("chef")
    for wrong in (
        [ids["recent1"], ids["elsewhere"]],  # another unit's: as if it did not exist
        [ids["recent1"], ids["earlier"]],  # before the period
        [ids["recent2"], "no-such-entry"],
        [f"{ids['recent1']}-{n}" for n in range(201)],  # over the cap
    ):
        answer = review_of(stack.unit_id, now, "Fel stickprov.", wrong)
        assert await error_code(manager(RECORD, answer)) == "BAD_USER_INPUT", wrong
    assert await counts(stack) == (0, 0)


async def test_reviews_are_read_by_the_units_manager_and_system_administrators(stack):
    now = datetime.now(UTC).replace(microsecond=0)
    admin = await stack.as_user("admin")
    manager = await stack.as_user("chef")
    other_unit, _user, other_manager = await second_unit_with_manager(stack, admin)
    mine = (await manager(RECORD, review_of(stack.unit_id, now, "Vår enhet.")))["recordLogReview"]
    theirs = (await other_manager(RECORD, review_of(other_unit, now, "Björkhagen.")))[
        "recordLogReview"
    ]

    def ids(answer) -> list[str]:
        return [review["id"] for review in answer["logReviews"]]

    assert ids(await manager(REVIEWS, {})) == [mine["id"]]
    assert ids(await other_manager(REVIEWS, {})) == [theirs["id"]]
    assert ids(await admin(REVIEWS, {})) == [theirs["id"], mine["id"]]
    assert ids(await admin(REVIEWS, {"u": stack.unit_id})) == [mine["id"]]
    assert await error_code(manager(REVIEWS, {"u": other_unit})) == "NOT_FOUND"
    assert await error_code(admin(REVIEWS, {"u": "no-such-unit"})) == "NOT_FOUND"
    for username in ("soladmin", "anna"):
        staff = await stack.as_user(username)
        assert await error_code(staff(REVIEWS, {})) == "FORBIDDEN", username
        assert await error_code(staff(REVIEWS, {"u": stack.unit_id})) == "FORBIDDEN", username
    assert await error_code(stack.api.as_user(None)(REVIEWS, {})) == "UNAUTHENTICATED"
