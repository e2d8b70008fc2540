"""Configuration of the interventions service (environment prefix ``SIGNA_INTERVENTIONS_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from libs.settings import ServiceSettings

__all__ = ["InterventionsSettings"]


class InterventionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNA_INTERVENTIONS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.signa/interventions.db"
    port: int = 8102
    # Occurrences exist from today through today + horizon_days (local dates of the unit).
    horizon_days: int = Field(default=2, ge=0, le=31)
    scheduler_interval_seconds: float = Field(default=60.0, gt=0, le=3600)
    # After downtime, windows that ended while the scheduler was down are still scheduled (so
    # alarms report them as missed) — but only this far back.
    catch_up_max_days: int = Field(default=7, ge=0, le=31)
