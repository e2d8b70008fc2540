"""Configuration of the alarms service (environment prefix ``SIGNA_ALARMS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.settings import ServiceSettings

__all__ = ["AlarmsSettings"]


class AlarmsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNA_ALARMS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.signa/alarms.db"
    port: int = 8104
