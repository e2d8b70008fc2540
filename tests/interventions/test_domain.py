"""Schedule expansion, DST and the intervention life cycle, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from services.interventions import domain
from services.interventions.domain import Action, InterventionState

STOCKHOLM = domain.unit_zone("Europe/Stockholm")


def daily(start: str, minutes: int, rule: str | None = None) -> domain.Schedule:
    return domain.parse_schedule(rrule_text=rule, window_start=start, window_minutes=minutes)


def windows_between(schedule, start: date, stop: date, *, valid_from=None, valid_to=None):
    return list(
        domain.windows(
            schedule,
            zone=STOCKHOLM,
            valid_from=valid_from or date(2026, 1, 1),
            valid_to=valid_to,
            start=start,
            stop=stop,
        )
    )


def test_window_in_spring_forward_gap_moves_forward_by_the_gap():
    # 2026-03-29 02:00 CET → 03:00 CEST: 02:30 does not exist.
    [window] = windows_between(daily("02:30", 30), date(2026, 3, 29), date(2026, 3, 29))
    assert window.start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert window.start.astimezone(STOCKHOLM).time() == time(3, 30)
    assert window.end == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)


def test_window_in_repeated_fall_back_hour_uses_the_first_occurrence():
    # 2026-10-25 03:00 CEST → 02:00 CET: 02:30 happens twice; the first is 00:30 UTC.
    [window] = windows_between(daily("02:30", 30), date(2026, 10, 25), date(2026, 10, 25))
    assert window.start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert window.local_date == date(2026, 10, 25)


def test_window_length_is_elapsed_time_across_a_dst_change():
    [window] = windows_between(daily("01:30", 120), date(2026, 3, 29), date(2026, 3, 29))
    assert (window.end - window.start).total_seconds() == 7200
    assert window.end.astimezone(STOCKHOLM).time() == time(4, 30)


def test_window_crossing_midnight_belongs_to_the_day_it_starts():
    [window] = windows_between(daily("22:00", 240), date(2026, 2, 10), date(2026, 2, 10))
    assert window.local_date == date(2026, 2, 10)
    assert window.start == datetime(2026, 2, 10, 21, 0, tzinfo=UTC)
    assert window.end == datetime(2026, 2, 11, 1, 0, tzinfo=UTC)


def test_weekly_rule_falls_on_monday_wednesday_friday():
    schedule = daily("08:00", 60, "FREQ=WEEKLY;BYDAY=MO,WE,FR")
    days = [w.local_date for w in windows_between(schedule, date(2026, 2, 9), date(2026, 2, 15))]
    assert days == [date(2026, 2, 9), date(2026, 2, 11), date(2026, 2, 13)]


def test_validity_bounds_are_inclusive_and_clip_the_range():
    schedule = daily("08:00", 60)
    days = [
        w.local_date
        for w in windows_between(
            schedule,
            date(2026, 2, 1),
            date(2026, 2, 28),
            valid_from=date(2026, 2, 10),
            valid_to=date(2026, 2, 12),
        )
    ]
    assert days == [date(2026, 2, 10), date(2026, 2, 11), date(2026, 2, 12)]


def test_interval_counts_from_valid_from():
    schedule = daily("08:00", 60, "FREQ=DAILY;INTERVAL=2")
    days = [
        w.local_date
        for w in windows_between(
            schedule, date(2026, 2, 11), date(2026, 2, 14), valid_from=date(2026, 2, 10)
        )
    ]
    assert days == [date(2026, 2, 12), date(2026, 2, 14)]


@pytest.mark.parametrize(
    ("rule", "start", "minutes"),
    [
        ("FREQ=SOMETIMES", "08:00", 30),
        ("FREQ=HOURLY", "08:00", 30),
        ("FREQ=DAILY;BYHOUR=8", "08:00", 30),
        ("FREQ=DAILY;BYDAY=XX", "08:00", 30),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "08:00", 30),
        ("FREQ=DAILY", "8:00", 30),
        ("FREQ=DAILY", "24:00", 30),
        ("FREQ=DAILY", "08:00", 0),
        ("FREQ=DAILY", "08:00", 1440),
        ("FREQ=DAILY", "08:00", -5),
        # Rules dateutil parses but cannot expand, or that fall on no day.
        ("FREQ=DAILY;INTERVAL=0", "08:00", 30),  # never advances: the scheduler would hang
        ("FREQ=DAILY;INTERVAL=-1", "08:00", 30),
        ("FREQ=MONTHLY;BYDAY=+9MO", "08:00", 30),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "08:00", 30),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "08:00", 30),  # dateutil would make it daily
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", "08:00", 30),
        ("FREQ=YEARLY;BYYEARDAY=400", "08:00", 30),
        ("FREQ=DAILY;COUNT=0", "08:00", 30),
        ("FREQ=DAILY;INTERVAL=x", "08:00", 30),
        ("FREQ=WEEKLY;BYDAY=" + ",".join(["MO"] * 200), "08:00", 30),  # longer than stored
    ],
)
def test_unusable_schedules_are_refused(rule, start, minutes):
    with pytest.raises(domain.InvalidSchedule):
        domain.parse_schedule(rrule_text=rule, window_start=start, window_minutes=minutes)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=DAILY;COUNT=10",
        "FREQ=WEEKLY;WKST=MO;BYDAY=SA,SU;UNTIL=20301231",
    ],
)
def test_day_choosing_rules_of_care_plans_are_accepted(rule):
    assert domain.parse_schedule(rrule_text=rule, window_start="08:00", window_minutes=30)


def test_default_rule_is_daily_and_longest_window_is_a_minute_short_of_a_day():
    schedule = domain.parse_schedule(rrule_text=None, window_start="23:59", window_minutes=1439)
    assert schedule.rrule == "FREQ=DAILY"


def test_valid_to_before_valid_from_is_refused():
    with pytest.raises(domain.InvalidValidity):
        domain.check_validity(date(2026, 2, 2), date(2026, 2, 1))
    domain.check_validity(date(2026, 2, 2), date(2026, 2, 2))


def test_life_cycle_allows_only_the_drawn_transitions():
    assert domain.next_state(InterventionState.DRAFT, Action.CONFIRM) is InterventionState.ACTIVE
    assert domain.next_state(InterventionState.ACTIVE, Action.PAUSE) is InterventionState.PAUSED
    assert domain.next_state(InterventionState.PAUSED, Action.RESUME) is InterventionState.ACTIVE
    assert domain.next_state(InterventionState.PAUSED, Action.END) is InterventionState.ENDED
    for state, action in [
        (InterventionState.DRAFT, Action.PAUSE),
        (InterventionState.ACTIVE, Action.CONFIRM),
        (InterventionState.ACTIVE, Action.RESUME),
        (InterventionState.ENDED, Action.RESUME),
        (InterventionState.ENDED, Action.END),
    ]:
        with pytest.raises(domain.IllegalTransition):
            domain.next_state(state, action)


def test_unknown_timezone_falls_back_to_stockholm():
    assert domain.unit_zone(None).key == "Europe/Stockholm"
    assert domain.unit_zone("Mars/Olympus").key == "Europe/Stockholm"


def test_in_any_treats_periods_as_half_open_and_open_ends_as_endless():
    t = datetime(2026, 2, 1, 12, tzinfo=UTC)
    assert domain.in_any(t, [(t, None)])
    assert not domain.in_any(t, [(datetime(2026, 2, 1, 10, tzinfo=UTC), t)])


def several(starts: list[str], minutes: int, *, first: str | None = None) -> domain.Schedule:
    return domain.parse_schedule(
        rrule_text=None, window_start=first, window_starts=starts, window_minutes=minutes
    )


def test_several_window_starts_are_each_a_window_of_their_own_by_start():
    schedule = several(["21:00", "08:00", "13:00"], 45)
    assert schedule.window_starts_text == ("08:00", "13:00", "21:00")
    found = windows_between(schedule, date(2026, 2, 10), date(2026, 2, 11))
    assert [(w.local_date.day, w.start.hour) for w in found] == [
        (10, 7),
        (10, 12),
        (10, 20),
        (11, 7),
        (11, 12),
        (11, 20),
    ]
    assert all((w.end - w.start).total_seconds() == 45 * 60 for w in found)


def test_the_window_start_may_be_left_out_or_be_the_first_of_the_window_starts():
    assert several(["13:00", "08:00"], 30, first="08:00").window_starts_text == ("08:00", "13:00")
    with pytest.raises(domain.InvalidSchedule, match="first of the window starts"):
        several(["08:00", "13:00"], 30, first="13:00")


@pytest.mark.parametrize(
    ("starts", "minutes", "message"),
    [
        ([], 30, "must not be empty"),
        (["08:00", "13:00", "08:00"], 30, "08:00 is given twice"),
        ([f"{hour:02d}:00" for hour in range(13)], 30, "at most 12 windows"),
        (["08:00", "8:30"], 15, "HH:MM"),
        (["08:00", "08:30"], 45, "08:00 overlaps the next one, at 08:30"),
        # The day's last window runs into the next day's first.
        (["08:00", "21:00"], 720, "21:00 overlaps the next one, at 08:00"),
    ],
)
def test_unusable_window_starts_are_refused(starts, minutes, message):
    with pytest.raises(domain.InvalidSchedule, match=message):
        several(starts, minutes)


def test_window_starts_exactly_a_window_apart_are_accepted():
    assert several(["08:00", "08:30", "20:30"], 30).window_starts_text == (
        "08:00",
        "08:30",
        "20:30",
    )
    assert several(["08:00", "20:00"], 720)


def test_starts_the_spring_forward_gap_moves_onto_one_instant_are_one_window_that_night():
    # 02:30 does not exist on 29 March and moves to 03:30 CEST, where the 03:30 window starts.
    schedule = several(["01:30", "02:30", "03:30"], 60)
    spring = windows_between(schedule, date(2026, 3, 29), date(2026, 3, 29))
    assert [w.start for w in spring] == [
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 01:30 CET
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 03:30 CEST
    ]
    autumn = windows_between(schedule, date(2026, 10, 25), date(2026, 10, 25))
    assert [w.start for w in autumn] == [
        datetime(2026, 10, 24, 23, 30, tzinfo=UTC),  # 01:30 CEST
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the first 02:30
        datetime(2026, 10, 25, 2, 30, tzinfo=UTC),  # 03:30 CET
    ]


def test_upcoming_windows_start_with_the_one_still_open_and_cross_the_dst_change():
    schedule = several(["08:00", "21:00"], 60)
    found = domain.upcoming(
        schedule,
        zone=STOCKHOLM,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        after=datetime(2026, 3, 28, 7, 30, tzinfo=UTC),  # 08:30 CET: the 08:00 window is open
        count=4,
    )
    assert [w.start for w in found] == [
        datetime(2026, 3, 28, 7, 0, tzinfo=UTC),  # 08:00 CET
        datetime(2026, 3, 28, 20, 0, tzinfo=UTC),  # 21:00 CET
        datetime(2026, 3, 29, 6, 0, tzinfo=UTC),  # 08:00 CEST
        datetime(2026, 3, 29, 19, 0, tzinfo=UTC),  # 21:00 CEST
    ]


def test_upcoming_windows_of_a_rare_rule_look_years_ahead_and_stop_at_the_validity():
    yearly = daily("10:00", 60, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29")
    found = domain.upcoming(
        yearly,
        zone=STOCKHOLM,
        valid_from=date(2026, 1, 1),
        valid_to=date(2032, 12, 31),
        after=datetime(2026, 2, 10, 6, 0, tzinfo=UTC),
        count=5,
    )
    assert [w.local_date for w in found] == [date(2028, 2, 29), date(2032, 2, 29)]
