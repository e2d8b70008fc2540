"""Reads of signatures, each checked per record against the caller's units and logged."""

from __future__ import annotations

from collections.abc import Sequence

from libs.auth.principal import Principal
from libs.messaging.unit_of_work import UnitOfWork
from services.signing import repository
from services.signing.access_log import record_access
from services.signing.domain import NotFound, Signature, may_sign_in
from services.signing.handlers import Signing

__all__ = [
    "current_signatures",
    "prn_signatures",
    "signature_history",
    "visible_signature",
    "visible_signatures",
]

READ = "signature.read"


async def signature_history(
    occurrence_id: str, *, principal: Principal, signing: Signing
) -> list[Signature]:
    """Every signature of the occurrence, annulled ones included, oldest first."""
    async with signing.units_of_work() as uow:
        occurrence = await repository.get_occurrence(uow.session, occurrence_id)
        if occurrence is None or not may_sign_in(principal, occurrence.unit_id):
            raise NotFound("no such occurrence")
        signatures = await repository.history(uow.session, occurrence_id)
        await record_access(
            uow,
            principal=principal,
            records=[(occurrence.tenant_id, occurrence.unit_id)],
            action=READ,
        )
        await uow.commit()
    return signatures


async def prn_signatures(
    intervention_id: str, *, limit: int, principal: Principal, signing: Signing
) -> list[Signature]:
    async with signing.units_of_work() as uow:
        intervention = await repository.get_intervention(uow.session, intervention_id)
        if intervention is None or not may_sign_in(principal, intervention.unit_id):
            raise NotFound("no such intervention")
        signatures = await repository.prn_history(uow.session, intervention_id, limit=limit)
        await record_access(
            uow,
            principal=principal,
            records=[(intervention.tenant_id, intervention.unit_id)],
            action=READ,
        )
        await uow.commit()
    return signatures


async def visible_signature(
    signature_id: str, *, principal: Principal, signing: Signing
) -> Signature | None:
    """The signature, or None when it does not exist or lies in a unit the caller can't see."""
    found = await visible_signatures([signature_id], principal=principal, signing=signing)
    return found.get(signature_id)


async def visible_signatures(
    signature_ids: Sequence[str], *, principal: Principal, signing: Signing
) -> dict[str, Signature]:
    """Those of the signatures that exist in units the caller can see, by id (the gateway's
    references: a worklist's, in one ``_entities`` call)."""
    async with signing.units_of_work() as uow:
        found = await repository.get_signatures(uow.session, signature_ids)
        return await _visible(uow, principal, {s.signature_id: s for s in found})


async def current_signatures(
    occurrence_ids: Sequence[str], *, principal: Principal, signing: Signing
) -> dict[str, Signature]:
    """The active signature of each occurrence the caller may see (the worklist's column)."""
    async with signing.units_of_work() as uow:
        found = await repository.active_signatures_for(uow.session, occurrence_ids)
        return await _visible(uow, principal, found)


async def _visible(
    uow: UnitOfWork, principal: Principal, found: dict[str, Signature]
) -> dict[str, Signature]:
    """The entries the caller may see, their reading logged; commits."""
    visible = {key: s for key, s in found.items() if may_sign_in(principal, s.unit_id)}
    await record_access(
        uow,
        principal=principal,
        records=((s.tenant_id, s.unit_id) for s in visible.values()),
        action=READ,
    )
    await uow.commit()
    return visible
