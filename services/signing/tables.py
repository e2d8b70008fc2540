"""The signing service's tables: signatures, and read models of interventions' facts.

Uniqueness is enforced by the database, not by checks in code, so concurrent requests and
replicas cannot both win: at most one active (non-annulled) signature per occurrence, and one
signature per (signer, idempotency key).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase

from libs.database import UtcDateTime, new_metadata
from libs.runtime import infrastructure_tables

__all__ = ["INFRASTRUCTURE", "Base", "interventions", "occurrences", "signatures"]


class Base(DeclarativeBase):
    metadata = new_metadata()


INFRASTRUCTURE = infrastructure_tables(Base.metadata)

ID = 64

occurrences = Table(
    "occurrences",
    Base.metadata,
    Column("occurrence_id", String(ID), primary_key=True),
    Column("intervention_id", String(ID), nullable=False),
    Column("tenant_id", String(ID), nullable=False),
    Column("unit_id", String(ID), nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("window_end", UtcDateTime(), nullable=False),
    Column("prn", Boolean, nullable=False),
    Column("cancelled_at", UtcDateTime()),
    # CloudEvent time of the newest fact applied, so a late duplicate cannot undo a newer one.
    Column("changed_at", UtcDateTime(), nullable=False),
)

interventions = Table(
    "interventions",
    Base.metadata,
    Column("intervention_id", String(ID), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("unit_id", String(ID), nullable=False),
    Column("prn", Boolean, nullable=False),
    Column("state", String(16), nullable=False),  # ACTIVE | PAUSED | ENDED
    Column("changed_at", UtcDateTime(), nullable=False),
)

signatures = Table(
    "signatures",
    Base.metadata,
    Column("signature_id", String(ID), primary_key=True),
    # None for PRN signatures, which belong to an intervention but no planned occurrence.
    Column("occurrence_id", String(ID)),
    Column("intervention_id", String(ID), nullable=False),
    Column("tenant_id", String(ID), nullable=False),
    Column("unit_id", String(ID), nullable=False),
    Column("prn", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("note", Text),
    Column("timing", String(16)),
    Column("signed_by", String(ID), nullable=False),
    Column("signed_at", UtcDateTime(), nullable=False),
    Column("performed_at", UtcDateTime(), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("documented_at", UtcDateTime()),
    Column("documented_by", String(ID)),
    Column("case_reference", String(100)),
    Column("annulled_at", UtcDateTime()),
    Column("annulled_by", String(ID)),
    Column("annul_reason", Text),
    Column("retrospective", Boolean, nullable=False, server_default=false()),
)

Index(
    "uq_signatures_active_occurrence",
    signatures.c.occurrence_id,
    unique=True,
    postgresql_where=signatures.c.annulled_at.is_(None),
    sqlite_where=signatures.c.annulled_at.is_(None),
)
Index(
    "uq_signatures_signer_key",
    signatures.c.signed_by,
    signatures.c.idempotency_key,
    unique=True,
)
Index("ix_signatures_intervention", signatures.c.intervention_id, signatures.c.signed_at)
Index("ix_signatures_history", signatures.c.occurrence_id, signatures.c.signed_at)
