"""Configuration of the signing service (environment prefix ``SIGNA_SIGNING_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.settings import ServiceSettings

__all__ = ["SigningSettings"]


class SigningSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNA_SIGNING_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.signa/signing.db"
    port: int = 8103
