"""Loading and saving signatures and the occurrence / intervention read models (SQL Core).

The statements on the signing path are built once with bind parameters and executed with a
parameter dict: building a fresh construct with literal values per request costs more CPU in
SQLAlchemy than the database spends running it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, Row, and_, bindparam, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from libs.database import members_by_value
from services.signing.domain import Intervention, Occurrence, Signature, SigningStatus, Timing
from services.signing.tables import interventions, occurrences, signatures

__all__ = [
    "active_signature",
    "active_signatures_for",
    "add_signature",
    "find_by_key",
    "find_key_and_occurrence",
    "get_intervention",
    "get_occurrence",
    "get_occurrences",
    "get_signature",
    "get_signatures",
    "history",
    "mark_annulled",
    "mark_documented",
    "prn_history",
]


# A worklist through the gateway turns 800 rows into signatures.
_STATUSES = members_by_value(SigningStatus)
_TIMINGS = members_by_value(Timing)


def _signature(row: Row[Any] | dict[str, Any]) -> Signature:
    values = dict(row) if isinstance(row, dict) else row._asdict()
    values["status"] = _STATUSES[values["status"]]
    values["timing"] = _TIMINGS[values["timing"]] if values["timing"] else None
    return Signature(**values)


async def get_signature(session: AsyncSession, signature_id: str) -> Signature | None:
    row = (
        await session.execute(select(signatures).where(signatures.c.signature_id == signature_id))
    ).first()
    return _signature(row) if row else None


async def get_signatures(session: AsyncSession, signature_ids: Sequence[str]) -> list[Signature]:
    rows = await session.execute(
        select(signatures).where(signatures.c.signature_id.in_(list(signature_ids)))
    )
    return [_signature(row) for row in rows]


_FIND_BY_KEY = select(signatures).where(
    signatures.c.signed_by == bindparam("signed_by"),
    signatures.c.idempotency_key == bindparam("key"),
)
_GET_OCCURRENCE = select(occurrences).where(
    occurrences.c.occurrence_id == bindparam("occurrence_id")
)
_ADD_SIGNATURE = signatures.insert()
_SIGNATURE_FIELDS = [field.name for field in fields(Signature)]


async def find_by_key(session: AsyncSession, *, signed_by: str, key: str) -> Signature | None:
    row = (await session.execute(_FIND_BY_KEY, {"signed_by": signed_by, "key": key})).first()
    return _signature(row) if row else None


async def active_signature(session: AsyncSession, occurrence_id: str) -> Signature | None:
    found = await active_signatures_for(session, [occurrence_id])
    return found.get(occurrence_id)


async def active_signatures_for(
    session: AsyncSession, occurrence_ids: Iterable[str]
) -> dict[str, Signature]:
    rows = await session.execute(
        select(signatures).where(
            signatures.c.occurrence_id.in_(list(occurrence_ids)),
            signatures.c.annulled_at.is_(None),
        )
    )
    return {row.occurrence_id: _signature(row) for row in rows}


async def history(session: AsyncSession, occurrence_id: str) -> list[Signature]:
    rows = await session.execute(
        select(signatures)
        .where(signatures.c.occurrence_id == occurrence_id)
        .order_by(signatures.c.signed_at, signatures.c.signature_id)
    )
    return [_signature(row) for row in rows]


async def prn_history(
    session: AsyncSession, intervention_id: str, *, limit: int
) -> list[Signature]:
    rows = await session.execute(
        select(signatures)
        .where(signatures.c.intervention_id == intervention_id, signatures.c.prn.is_(True))
        .order_by(signatures.c.performed_at.desc(), signatures.c.signature_id)
        .limit(limit)
    )
    return [_signature(row) for row in rows]


async def add_signature(session: AsyncSession, signature: Signature) -> None:
    """Insert; raises IntegrityError when the occurrence or the key is already taken."""
    # Not `asdict`: it deep-copies every value, a few per cent of a sign's CPU.
    values = {name: getattr(signature, name) for name in _SIGNATURE_FIELDS}
    values["status"] = signature.status.value
    values["timing"] = signature.timing.value if signature.timing else None
    await session.execute(_ADD_SIGNATURE, values)


async def mark_annulled(
    session: AsyncSession, *, signature_id: str, by: str, at: datetime, reason: str
) -> bool:
    """False when someone else annulled it first (the row is only changed once)."""
    result = await session.execute(
        update(signatures)
        .where(signatures.c.signature_id == signature_id, signatures.c.annulled_at.is_(None))
        .values(annulled_at=at, annulled_by=by, annul_reason=reason)
    )
    return _changed(result)


async def mark_documented(
    session: AsyncSession,
    *,
    signature_id: str,
    by: str,
    at: datetime,
    case_reference: str | None,
) -> bool:
    result = await session.execute(
        update(signatures)
        .where(signatures.c.signature_id == signature_id, signatures.c.documented_at.is_(None))
        .values(documented_at=at, documented_by=by, case_reference=case_reference)
    )
    return _changed(result)


def _changed(result: object) -> bool:
    return int(getattr(result, "rowcount", 0)) > 0


async def get_occurrence(session: AsyncSession, occurrence_id: str) -> Occurrence | None:
    row = (await session.execute(_GET_OCCURRENCE, {"occurrence_id": occurrence_id})).first()
    return _occurrence(row) if row else None


async def get_occurrences(
    session: AsyncSession, occurrence_ids: Iterable[str]
) -> dict[str, Occurrence]:
    wanted = list(occurrence_ids)
    if not wanted:
        return {}
    rows = await session.execute(select(occurrences).where(occurrences.c.occurrence_id.in_(wanted)))
    return {row.occurrence_id: _occurrence(row) for row in rows}


def _occurrence(row: Any) -> Occurrence:
    return Occurrence(
        occurrence_id=row.occurrence_id,
        intervention_id=row.intervention_id,
        tenant_id=row.tenant_id,
        unit_id=row.unit_id,
        window_start=row.window_start,
        window_end=row.window_end,
        prn=row.prn,
        cancelled=row.cancelled_at is not None,
    )


# The earlier signature with the caller's key and the occurrence to sign, in one round trip
# (each is absent or one row): the two lookups every `sign` starts with.
_EARLIER = signatures.alias("earlier")
_TARGET = occurrences.alias("target")
_ANCHOR = select(literal(1).label("anchor")).subquery("anchor")
_KEY_AND_OCCURRENCE = (
    select(_EARLIER, _TARGET)
    .select_from(
        _ANCHOR.outerjoin(
            _EARLIER,
            and_(
                _EARLIER.c.signed_by == bindparam("signed_by"),
                _EARLIER.c.idempotency_key == bindparam("key"),
            ),
        ).outerjoin(_TARGET, _TARGET.c.occurrence_id == bindparam("occurrence_id"))
    )
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)


async def find_key_and_occurrence(
    session: AsyncSession, *, signed_by: str, key: str, occurrence_id: str
) -> tuple[Signature | None, Occurrence | None]:
    row = (
        (
            await session.execute(
                _KEY_AND_OCCURRENCE,
                {"signed_by": signed_by, "key": key, "occurrence_id": occurrence_id},
            )
        )
        .one()
        ._mapping
    )
    earlier = (
        _signature({column.name: row[column] for column in _EARLIER.c})
        if row[_EARLIER.c.signature_id] is not None
        else None
    )
    target = (
        _occurrence(SimpleNamespace(**{column.name: row[column] for column in _TARGET.c}))
        if row[_TARGET.c.occurrence_id] is not None
        else None
    )
    return earlier, target


async def get_intervention(session: AsyncSession, intervention_id: str) -> Intervention | None:
    row = (
        await session.execute(
            select(interventions).where(interventions.c.intervention_id == intervention_id)
        )
    ).first()
    if row is None:
        return None
    return Intervention(
        intervention_id=row.intervention_id,
        tenant_id=row.tenant_id,
        unit_id=row.unit_id,
        prn=row.prn,
        active=row.state == "ACTIVE",
    )
