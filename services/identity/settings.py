"""Configuration of the identity service (environment prefix ``SIGNA_IDENTITY_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.settings import ServiceSettings

__all__ = ["IdentitySettings"]


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNA_IDENTITY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.signa/identity.db"
    port: int = 8101
