"""Configuration of the alarms service (environment prefix ``SIGNA_ALARMS_``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from libs.settings import ServiceSettings

__all__ = ["AlarmsSettings"]


class AlarmsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNA_ALARMS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.signa/alarms.db"
    port: int = 8104
    # A window counts as missed this long after it ends (the routine says: at its end).
    missed_grace_seconds: int = Field(default=0, ge=0, le=24 * 3600)
    # How often the sweeper looks for ended windows and overdue alarms; MISSED must be
    # raised within 5 s of the window's end, so keep this well below that.
    sweep_interval_seconds: float = Field(default=1.0, gt=0, le=5)
    sweep_batch_size: int = Field(default=1000, ge=1, le=20_000)
    # On start, the first sweep waits (at most this long) until the events that arrived while
    # the service was down are handled: signatures among them keep their windows from MISSED.
    catch_up_wait_seconds: float = Field(default=60, ge=0, le=3600)
    overdue_after_days: float = Field(default=7, gt=0, le=365)
    ivo_report_within_days: int = Field(default=14, ge=0, le=90)
    # A deviating signature whose documentation is not confirmed this long after it was
    # signed is "undocumented" ("snarast dokumenteras"): counted in the overview, a list filter.
    undocumented_after_hours: float = Field(default=24, gt=0, le=24 * 30)
    # Events a slow live subscriber may lag behind before it is disconnected.
    live_queue_size: int = Field(default=256, ge=1, le=10_000)
    # A live subscriber shown alarms of the same care recipient again and again is logged as
    # one access per this period, not one per pushed event.
    live_access_log_seconds: int = Field(default=60, ge=0, le=3600)
    default_timezone: str = "Europe/Stockholm"
    # E-mail reminders, in each unit's local time (identity sends them; see reminders.py).
    # The escalation digest goes out at most once a local day, from this hour on.
    digest_hour: int = Field(default=7, ge=0, le=23)
    # The weekly kvittering reminder: ISO weekday (1 = Monday) and hour.
    reminder_weekday: int = Field(default=1, ge=1, le=7)
    reminder_hour: int = Field(default=8, ge=0, le=23)
    # Deviations waiting for assessment are reminded of on these weekdays, at reminder_hour.
    assessment_reminder_weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5, 6, 7]
    )
    # A Lex Sarah case is reminded of this many days before its IVO date, at reminder_hour.
    ivo_reminder_days_before: int = Field(default=3, ge=0, le=90)
    # How often the sweeper looks for reminders that have become due.
    reminder_check_seconds: float = Field(default=60, ge=0, le=3600)

    @property
    def grace(self) -> timedelta:
        return timedelta(seconds=self.missed_grace_seconds)

    @property
    def overdue_after(self) -> timedelta:
        return timedelta(days=self.overdue_after_days)

    @property
    def undocumented_after(self) -> timedelta:
        return timedelta(hours=self.undocumented_after_hours)
