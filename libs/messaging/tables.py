"""The outbox and inbox tables, added to each service's own metadata (and its migrations)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from libs.database import UtcDateTime

__all__ = ["MessagingTables"]


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table

    @classmethod
    def define(cls, metadata: MetaData) -> MessagingTables:
        outbox = Table(
            "outbox",
            metadata,
            # BigInteger autoincrement on Postgres; SQLite needs INTEGER for its rowid alias.
            Column(
                "id",
                BigInteger().with_variant(Integer(), "sqlite"),
                primary_key=True,
                autoincrement=True,
            ),
            Column("event_id", String(64), nullable=False, unique=True),
            Column("topic", String(200), nullable=False),
            Column("type", String(200), nullable=False),
            Column("source", String(200), nullable=False),
            Column("subject", String(200), nullable=False),
            Column("time", UtcDateTime(), nullable=False),
            Column("data", JSON, nullable=False),
            Column("correlation_id", String(64)),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("published_at", UtcDateTime()),
        )
        Index("ix_outbox_unpublished", outbox.c.published_at, outbox.c.id)
        inbox = Table(
            "inbox",
            metadata,
            Column("consumer", String(100), primary_key=True),
            Column("event_id", String(64), primary_key=True),
            Column("event_type", String(200), nullable=False),
            Column("handled_at", UtcDateTime(), nullable=False),
            Column("error", Text),
        )
        return cls(outbox=outbox, inbox=inbox)
