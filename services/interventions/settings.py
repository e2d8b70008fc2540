"""Configuration of the interventions service (environment prefix ``SIGNA_INTERVENTIONS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.settings import ServiceSettings

__all__ = ["InterventionsSettings"]


class InterventionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNA_INTERVENTIONS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.signa/interventions.db"
    port: int = 8102
