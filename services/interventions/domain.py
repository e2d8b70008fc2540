"""The interventions domain: schedules, occurrence windows, the intervention life cycle.

No I/O here. Handlers load rows, ask these functions what follows, and store the answer.

    InterventionsError
    ├── InvalidInput          the command cannot be carried out as given (BAD_USER_INPUT)
    │   ├── InvalidSchedule   RRULE, window starts or window length unusable
    │   └── InvalidValidity   valid-to before valid-from, absence ending before it starts
    ├── UnknownRecord         no such record, or one in a unit the caller may not see
    ├── NotPermitted          a known record, but the caller's role may not do this
    └── IllegalTransition     the state of the intervention, absence or care recipient
                              forbids it (CONFLICT)

Time rules (DESIGN §6): a window's start is a local wall time on a local date in the unit's
timezone; a schedule may give several (home care visits morning, noon and night), each its own
window and so its own occurrence. A wall time that does not exist (spring-forward gap) moves
forward by the gap, and a wall time that exists twice (fall-back) means its first occurrence —
which is exactly what ``zoneinfo`` does with ``fold=0``. The window's length is elapsed time,
so a two-hour window across a DST change still lasts two hours; windows may run past local
midnight and belong to the local date they start on. Two wall times the gap moves onto one
instant (02:15 and 03:15 on the spring-forward night) are one window that night.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

__all__ = [
    "DEFAULT_RRULE",
    "DEFAULT_TIMEZONE",
    "MAX_WINDOWS_PER_DAY",
    "AbsenceKind",
    "Action",
    "CancelReason",
    "Category",
    "IllegalTransition",
    "InterventionState",
    "InterventionsError",
    "InvalidInput",
    "InvalidSchedule",
    "InvalidValidity",
    "NotPermitted",
    "Schedule",
    "UnknownRecord",
    "Window",
    "check_validity",
    "in_any",
    "local_dates",
    "next_state",
    "optional_text",
    "parse_schedule",
    "required_text",
    "unit_zone",
    "upcoming",
    "windows",
    "windows_on",
]

DEFAULT_RRULE = "FREQ=DAILY"
DEFAULT_TIMEZONE = "Europe/Stockholm"
MINUTES_PER_DAY = 24 * 60
MAX_WINDOWS_PER_DAY = 12


class InterventionsError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(InterventionsError):
    pass


class InvalidSchedule(InvalidInput):
    pass


class InvalidValidity(InvalidInput):
    pass


class UnknownRecord(InterventionsError):
    pass


class NotPermitted(InterventionsError):
    pass


class IllegalTransition(InterventionsError):
    pass


class Category(StrEnum):
    SOL = "SOL"
    HSL = "HSL"


class InterventionState(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


class AbsenceKind(StrEnum):
    HOSPITAL = "HOSPITAL"
    SHORT_TERM_STAY = "SHORT_TERM_STAY"
    OTHER = "OTHER"


class CancelReason(StrEnum):
    PAUSED = "PAUSED"
    ENDED = "ENDED"
    CHANGED = "CHANGED"
    ABSENCE = "ABSENCE"


class Action(StrEnum):
    CONFIRM = "CONFIRM"
    PAUSE = "PAUSE"
    RESUME = "RESUME"
    END = "END"


_TRANSITIONS: dict[tuple[InterventionState, Action], InterventionState] = {
    (InterventionState.DRAFT, Action.CONFIRM): InterventionState.ACTIVE,
    (InterventionState.ACTIVE, Action.PAUSE): InterventionState.PAUSED,
    (InterventionState.PAUSED, Action.RESUME): InterventionState.ACTIVE,
    (InterventionState.ACTIVE, Action.END): InterventionState.ENDED,
    (InterventionState.PAUSED, Action.END): InterventionState.ENDED,
    # A draft that will never be anchored is ended rather than left lying around.
    (InterventionState.DRAFT, Action.END): InterventionState.ENDED,
}


def next_state(current: InterventionState, action: Action) -> InterventionState:
    try:
        return _TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition(
            f"cannot {action.value.lower()} an intervention that is {current.value}"
        ) from None


_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# The window starts fix the times of day, so rules may only pick days.
_FORBIDDEN_PARTS = ("DTSTART", "BYHOUR", "BYMINUTE", "BYSECOND", "RDATE", "EXDATE")
_DAY_OR_LONGER = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_RRULE_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
)
MAX_RRULE_LENGTH = 500  # the column's
MAX_INTERVAL = 99
_PROBE_FROM = datetime(2000, 1, 1)
_PROBE_SPAN = timedelta(days=8 * 366)  # two leap years at least: 29 February comes up


@dataclass(frozen=True)
class Schedule:
    """Which local days (an RRULE), and the windows on each: their start wall times (sorted,
    at least one) and their common length."""

    rrule: str
    window_starts: tuple[time, ...]
    window_minutes: int

    @property
    def window_starts_text(self) -> tuple[str, ...]:
        return tuple(start.strftime("%H:%M") for start in self.window_starts)


def parse_schedule(
    *,
    rrule_text: str | None,
    window_start: str | None,
    window_minutes: int,
    window_starts: Sequence[str] | None = None,
) -> Schedule:
    """``window_starts``, when given, are the windows' starts (in any order), and
    ``window_start`` may be left out or must be the earliest of them; otherwise
    ``window_start`` is the one window's start."""
    text = (rrule_text or DEFAULT_RRULE).strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    starts = _window_starts(window_start, window_starts)
    if not 0 < window_minutes < MINUTES_PER_DAY:
        raise InvalidSchedule("window length must be more than 0 and less than 1440 minutes")
    _check_apart(starts, window_minutes)
    _check_rrule(text)
    return Schedule(rrule=text, window_starts=starts, window_minutes=window_minutes)


def _wall_time(text: str) -> time:
    match = _HH_MM.match(text.strip())
    if match is None:
        raise InvalidSchedule(f"window start must be HH:MM (00:00–23:59), got {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _window_starts(
    window_start: str | None, window_starts: Sequence[str] | None
) -> tuple[time, ...]:
    if window_starts is None:
        if window_start is None:
            raise InvalidSchedule("give a window start, or the list of window starts")
        return (_wall_time(window_start),)
    if not window_starts:
        raise InvalidSchedule("the list of window starts must not be empty")
    if len(window_starts) > MAX_WINDOWS_PER_DAY:
        raise InvalidSchedule(f"a schedule may have at most {MAX_WINDOWS_PER_DAY} windows a day")
    starts = sorted(_wall_time(start) for start in window_starts)
    for earlier, later in pairwise(starts):
        if earlier == later:
            raise InvalidSchedule(f"the window start {earlier:%H:%M} is given twice")
    if window_start is not None and _wall_time(window_start) != starts[0]:
        raise InvalidSchedule(
            f"the window start must be the first of the window starts ({starts[0]:%H:%M}), "
            "or be left out"
        )
    return tuple(starts)


def _check_apart(starts: tuple[time, ...], minutes: int) -> None:
    """No window may overlap the next, and the day's last is followed by the next day's first."""
    offsets = [start.hour * 60 + start.minute for start in starts]
    following = [*offsets[1:], offsets[0] + MINUTES_PER_DAY]
    for start, offset, next_start, next_offset in zip(
        starts, offsets, [*starts[1:], starts[0]], following, strict=True
    ):
        if next_offset - offset < minutes:
            raise InvalidSchedule(
                f"the {minutes}-minute window at {start:%H:%M} overlaps the next one, at "
                f"{next_start:%H:%M}: windows must not overlap"
            )


def _check_rrule(text: str) -> None:
    """A rule the scheduler can expand: day-choosing parts only, in range, and falling on some
    day. Checked here, once, because dateutil accepts rules it then cannot expand: INTERVAL=0
    never advances (the scheduler's loop, and with it the service, would hang), BYDAY=+9MO
    fails only when expanded, and February the 30th scans every year up to 9999 in vain."""
    if len(text) > MAX_RRULE_LENGTH:
        raise InvalidSchedule(f"the RRULE may be at most {MAX_RRULE_LENGTH} characters")
    parts = {
        part.partition("=")[0].strip().upper(): part.partition("=")[2].strip().upper()
        for part in text.split(";")
        if part.strip()
    }
    if "\n" in text or any(name in parts for name in _FORBIDDEN_PARTS):
        raise InvalidSchedule(
            "the RRULE may only choose days: DTSTART, BYHOUR, BYMINUTE, BYSECOND are not "
            "allowed (give several window starts for several windows a day)"
        )
    if unknown := sorted(parts.keys() - _RRULE_PARTS):
        raise InvalidSchedule(
            f"the RRULE may use {', '.join(sorted(_RRULE_PARTS))}; not {', '.join(unknown)}"
        )
    if parts.get("FREQ") not in _DAY_OR_LONGER:
        raise InvalidSchedule("the RRULE needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY")
    _numbers(parts, "INTERVAL", 1, MAX_INTERVAL)
    _numbers(parts, "COUNT", 1, 10_000)
    months = _numbers(parts, "BYMONTH", 1, 12) or list(range(1, 13))
    days = _numbers(parts, "BYMONTHDAY", -31, 31, zero=False)
    _numbers(parts, "BYSETPOS", -366, 366, zero=False)
    # A leap year's month lengths: 29 February is a day the rule may fall on.
    if days and not any(abs(d) <= monthrange(2000, m)[1] for m in months for d in days):
        raise InvalidSchedule("the RRULE's BYMONTH and BYMONTHDAY name no day that exists")
    try:
        rule = rrulestr(text, dtstart=_PROBE_FROM)
        if not isinstance(rule, rrule):
            raise InvalidSchedule("exactly one RRULE is expected")
        # Expanded over a few years, bounded, as the scheduler will expand it.
        first = next(iter(rule.replace(until=_PROBE_FROM + _PROBE_SPAN, count=None)), None)
    except (ValueError, TypeError, IndexError, OverflowError) as error:
        raise InvalidSchedule(f"not a valid RFC 5545 RRULE: {error}") from None
    if first is None:
        raise InvalidSchedule("the RRULE falls on no day")


def _numbers(
    parts: dict[str, str], name: str, low: int, high: int, *, zero: bool = True
) -> list[int]:
    """The whole numbers of a comma-separated part, each checked to lie in ``low..high``."""
    if name not in parts:
        return []
    try:
        values = [int(value) for value in parts[name].split(",")]
    except ValueError:
        raise InvalidSchedule(f"{name} must be whole numbers") from None
    if any(not low <= value <= high or (value == 0 and not zero) for value in values):
        nonzero = ", not 0" if not zero else ""
        raise InvalidSchedule(f"{name} must lie between {low} and {high}{nonzero}")
    return values


def required_text(value: str, what: str, *, limit: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{what} must not be empty")
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters")
    return value


def optional_text(value: str | None, what: str, *, limit: int) -> str | None:
    if value is None or not value.strip():
        return None
    return required_text(value, what, limit=limit)


def check_validity(valid_from: date, valid_to: date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise InvalidValidity("valid-to is before valid-from")


def unit_zone(name: str | None) -> ZoneInfo:
    """The unit's timezone; units not (yet) known here run on the default."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


@dataclass(frozen=True, order=True)
class Window:
    start: datetime  # aware UTC
    end: datetime  # aware UTC, exclusive
    local_date: date


@lru_cache(maxsize=4096)
def _rule_dates(rule_text: str, first: date, start: date, stop: date) -> tuple[date, ...]:
    # Cached: a municipality's interventions share a handful of rules, and the scheduler
    # expands every active one on each pass.
    rule = rrulestr(rule_text, dtstart=datetime.combine(first, time()))
    assert isinstance(rule, rrule)
    between = rule.between(
        datetime.combine(start, time()), datetime.combine(stop, time()), inc=True
    )
    return tuple(moment.date() for moment in between)


def local_dates(
    schedule: Schedule, *, valid_from: date, valid_to: date | None, start: date, stop: date
) -> tuple[date, ...]:
    """The local dates in ``[start, stop]`` (and the validity) the rule falls on."""
    start = max(start, valid_from)
    if valid_to is not None:
        stop = min(stop, valid_to)
    if stop < start:
        return ()
    return _rule_dates(schedule.rrule, valid_from, start, stop)


def windows_on(schedule: Schedule, day: date, zone: ZoneInfo) -> list[Window]:
    """The day's windows, by start."""
    found: dict[datetime, Window] = {}
    length = timedelta(minutes=schedule.window_minutes)
    for wall_time in schedule.window_starts:
        # fold=0: a gap time is read with the offset before the change (so it moves forward by
        # the gap), a repeated time means its first occurrence.
        start = datetime.combine(day, wall_time, tzinfo=zone).astimezone(UTC)
        found.setdefault(start, Window(start=start, end=start + length, local_date=day))
    return sorted(found.values())


def windows(
    schedule: Schedule,
    *,
    zone: ZoneInfo,
    valid_from: date,
    valid_to: date | None,
    start: date,
    stop: date,
) -> Iterator[Window]:
    """The windows on local dates ``start``..``stop`` inclusive, by local date and start."""
    for day in local_dates(
        schedule, valid_from=valid_from, valid_to=valid_to, start=start, stop=stop
    ):
        yield from windows_on(schedule, day, zone)


# How far ahead `upcoming` looks: two months (enough for any daily rule), else eight years.
_UPCOMING_SPANS = (timedelta(days=62), _PROBE_SPAN)


def upcoming(
    schedule: Schedule,
    *,
    zone: ZoneInfo,
    valid_from: date,
    valid_to: date | None,
    after: datetime,
    count: int,
) -> list[Window]:
    """The first ``count`` windows that end after ``after``: those that activating the
    schedule at ``after`` schedules, then those the scheduler adds as the days come."""
    # A window starting the local day before may still be open (it crosses midnight).
    first_day = after.astimezone(zone).date() - timedelta(days=1)
    found: list[Window] = []
    for span in _UPCOMING_SPANS:
        found = [
            window
            for window in windows(
                schedule,
                zone=zone,
                valid_from=valid_from,
                valid_to=valid_to,
                start=first_day,
                stop=first_day + span,
            )
            if window.end > after
        ]
        if len(found) >= count:
            break
    return found[:count]


def in_any(instant: datetime, periods: Iterable[tuple[datetime, datetime | None]]) -> bool:
    """Whether ``instant`` lies in one of the half-open periods (an open end never ends)."""
    return any(begin <= instant and (end is None or instant < end) for begin, end in periods)
