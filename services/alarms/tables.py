"""The alarms service's tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from libs.database import new_metadata
from libs.runtime import infrastructure_tables

__all__ = ["INFRASTRUCTURE", "Base"]


class Base(DeclarativeBase):
    metadata = new_metadata()


INFRASTRUCTURE = infrastructure_tables(Base.metadata)
