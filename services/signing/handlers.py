"""Use cases: sign, sign PRN, sync an offline batch, annul, confirm documentation, read.

Each loads what it needs, decides with the rules in ``domain``, and commits the change with
its events in one unit of work. Races between requests (a double tap, two phones, replicas)
are settled by the database's unique indexes; the loser's IntegrityError is turned into the
answer it would have got had it come second: the original signature, or a conflict.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.auth.principal import Principal
from libs.clock import Clock
from libs.database import SessionFactory
from libs.messaging.unit_of_work import UnitOfWork, UnitOfWorkFactory
from libs.observability import get_logger
from services.identity.events import RecordAccessed
from services.signing import repository
from services.signing.domain import (
    AlreadyAnnulled,
    AlreadySigned,
    InvalidSigning,
    KeyReused,
    NotDeviating,
    NotFound,
    Occurrence,
    OccurrenceClosed,
    Signature,
    SigningError,
    SigningPolicy,
    SigningStatus,
    check_annul_permission,
    check_idempotency_key,
    check_performed_at,
    clean_note,
    clean_reason,
    judge_timing,
    may_sign_in,
    require_offset,
)
from services.signing.events import DeviationDocumented, OccurrenceSigned, SignatureAnnulled

__all__ = [
    "SignCommand",
    "SignPrnCommand",
    "SignResult",
    "Signing",
    "annul",
    "confirm_documented",
    "current_signatures",
    "prn_signatures",
    "sign",
    "sign_prn",
    "signature_history",
    "sync",
    "visible_signature",
]

log = get_logger(__name__)

SERVICE = "signing"

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class Signing:
    """What the use cases need from the process: storage, the clock and the limits."""

    units_of_work: UnitOfWorkFactory
    sessions: SessionFactory
    clock: Clock
    policy: SigningPolicy
    occurrence_wait: float
    sync_max_items: int = 200
    sync_parallelism: int = 6


@dataclass(frozen=True, kw_only=True)
class SignCommand:
    occurrence_id: str
    status: SigningStatus
    note: str | None
    performed_at: datetime
    idempotency_key: str


@dataclass(frozen=True, kw_only=True)
class SignPrnCommand:
    intervention_id: str
    status: SigningStatus
    note: str | None
    performed_at: datetime
    idempotency_key: str


@dataclass(frozen=True, kw_only=True)
class SignResult:
    """One item of an offline batch: its signature, or the error that item alone met."""

    command: SignCommand
    signature: Signature | None = None
    error: SigningError | None = None


async def sign(command: SignCommand, *, principal: Principal, signing: Signing) -> Signature:
    require_offset(command.performed_at)
    key = check_idempotency_key(command.idempotency_key)
    async with signing.sessions() as session:
        earlier = await repository.find_by_key(session, signed_by=principal.user_id, key=key)
        occurrence = (
            None if earlier else await repository.get_occurrence(session, command.occurrence_id)
        )
    if earlier is not None:
        return _replay(
            earlier,
            principal=principal,
            occurrence_id=command.occurrence_id,
            status=command.status,
            performed_at=command.performed_at,
        )
    now = signing.clock.now()
    note = clean_note(status=command.status, note=command.note)
    check_performed_at(performed_at=command.performed_at, signed_at=now, policy=signing.policy)
    if occurrence is None:
        occurrence = await _await_occurrence(signing, command.occurrence_id)
    if occurrence is None or not may_sign_in(principal, occurrence.unit_id):
        raise NotFound("no such occurrence")
    if occurrence.cancelled:
        raise OccurrenceClosed("the occurrence was cancelled and cannot be signed")
    if occurrence.prn:
        raise InvalidSigning("this occurrence belongs to a PRN intervention: use signPrn")
    signature = Signature(
        signature_id=str(uuid.uuid4()),
        occurrence_id=occurrence.occurrence_id,
        intervention_id=occurrence.intervention_id,
        tenant_id=occurrence.tenant_id,
        unit_id=occurrence.unit_id,
        prn=False,
        status=command.status,
        note=note,
        timing=judge_timing(
            performed_at=command.performed_at,
            window_start=occurrence.window_start,
            window_end=occurrence.window_end,
        ),
        signed_by=principal.user_id,
        signed_at=now,
        performed_at=command.performed_at,
        idempotency_key=key,
    )
    return await _store(signature, principal=principal, signing=signing)


async def sign_prn(command: SignPrnCommand, *, principal: Principal, signing: Signing) -> Signature:
    require_offset(command.performed_at)
    key = check_idempotency_key(command.idempotency_key)
    async with signing.sessions() as session:
        earlier = await repository.find_by_key(session, signed_by=principal.user_id, key=key)
        intervention = (
            None if earlier else await repository.get_intervention(session, command.intervention_id)
        )
    if earlier is not None:
        return _replay(
            earlier,
            principal=principal,
            intervention_id=command.intervention_id,
            status=command.status,
            performed_at=command.performed_at,
        )
    now = signing.clock.now()
    note = clean_note(status=command.status, note=command.note)
    check_performed_at(performed_at=command.performed_at, signed_at=now, policy=signing.policy)
    if intervention is None:
        intervention = await _wait_for(
            signing, lambda session: repository.get_intervention(session, command.intervention_id)
        )
    if intervention is None or not may_sign_in(principal, intervention.unit_id):
        raise NotFound("no such intervention")
    if not intervention.prn:
        raise InvalidSigning("this intervention is scheduled: sign its occurrences instead")
    if not intervention.active:
        raise OccurrenceClosed("the intervention is not active")
    signature = Signature(
        signature_id=str(uuid.uuid4()),
        occurrence_id=None,
        intervention_id=intervention.intervention_id,
        tenant_id=intervention.tenant_id,
        unit_id=intervention.unit_id,
        prn=True,
        status=command.status,
        note=note,
        timing=None,
        signed_by=principal.user_id,
        signed_at=now,
        performed_at=command.performed_at,
        idempotency_key=key,
    )
    return await _store(signature, principal=principal, signing=signing)


async def sync(
    commands: Sequence[SignCommand], *, principal: Principal, signing: Signing
) -> list[SignResult]:
    """Each item on its own: one item's error neither stops nor undoes the others.

    Items for the same occurrence are stored in the order the phone sent them, so the first
    wins as it did on the phone; different occurrences are stored side by side.
    """
    if len(commands) > signing.sync_max_items:
        raise InvalidSigning(f"at most {signing.sync_max_items} signatures per sync")
    results: list[SignResult | None] = [None] * len(commands)
    by_occurrence: dict[str, list[int]] = {}
    for index, command in enumerate(commands):
        by_occurrence.setdefault(command.occurrence_id, []).append(index)
    gate = asyncio.Semaphore(signing.sync_parallelism)

    async def run(indexes: list[int]) -> None:
        async with gate:
            for index in indexes:
                results[index] = await _sync_one(commands[index], principal, signing)

    await asyncio.gather(*(run(indexes) for indexes in by_occurrence.values()))
    return [result for result in results if result is not None]


async def _sync_one(command: SignCommand, principal: Principal, signing: Signing) -> SignResult:
    try:
        return SignResult(
            command=command, signature=await sign(command, principal=principal, signing=signing)
        )
    except SigningError as error:
        return SignResult(command=command, error=error)
    except Exception:
        # One item failing for an unforeseen reason must not cost the phone the whole batch.
        log.exception("storing an offline signature failed", occurrence_id=command.occurrence_id)
        return SignResult(command=command, error=SigningError("unexpected error; send it again"))


async def annul(
    signature_id: str, *, reason: str, principal: Principal, signing: Signing
) -> Signature:
    reason = clean_reason(reason)
    async with signing.units_of_work() as uow:
        signature = await _visible(uow, signature_id, principal)
        if signature.annulled:
            raise AlreadyAnnulled("the signature is already annulled")
        now = signing.clock.now()
        check_annul_permission(
            principal=principal,
            unit_id=signature.unit_id,
            signed_by=signature.signed_by,
            signed_at=signature.signed_at,
            now=now,
            policy=signing.policy,
        )
        annulled = await repository.mark_annulled(
            uow.session, signature_id=signature_id, by=principal.user_id, at=now, reason=reason
        )
        if not annulled:
            raise AlreadyAnnulled("the signature is already annulled")
        await uow.emit(
            SignatureAnnulled(
                signature_id=signature.signature_id,
                occurrence_id=_event_occurrence_id(signature),
                intervention_id=signature.intervention_id,
                tenant_id=signature.tenant_id,
                unit_id=signature.unit_id,
                annulled_by=principal.user_id,
                annulled_at=now,
            )
        )
        await _accessed(uow, principal, signature, "signature.annul")
        await uow.commit()
    return replace(signature, annulled_at=now, annulled_by=principal.user_id, annul_reason=reason)


async def confirm_documented(
    signature_id: str, *, principal: Principal, signing: Signing
) -> Signature:
    async with signing.units_of_work() as uow:
        signature = await _visible(uow, signature_id, principal)
        if signature.documented_at is not None:
            return signature  # confirming twice is harmless: the first confirmation stands
        if not signature.status.deviating:
            raise NotDeviating("only a deviating signature is documented in the case system")
        if signature.annulled:
            raise AlreadyAnnulled("the signature is annulled")
        now = signing.clock.now()
        if not await repository.mark_documented(
            uow.session, signature_id=signature_id, by=principal.user_id, at=now
        ):
            await uow.session.rollback()
            return await _visible(uow, signature_id, principal)
        await uow.emit(
            DeviationDocumented(
                signature_id=signature.signature_id,
                occurrence_id=_event_occurrence_id(signature),
                unit_id=signature.unit_id,
                documented_by=principal.user_id,
                documented_at=now,
            )
        )
        await _accessed(uow, principal, signature, "signature.document")
        await uow.commit()
    return replace(signature, documented_at=now, documented_by=principal.user_id)


async def signature_history(
    occurrence_id: str, *, principal: Principal, signing: Signing
) -> list[Signature]:
    async with signing.units_of_work() as uow:
        occurrence = await repository.get_occurrence(uow.session, occurrence_id)
        if occurrence is None or not may_sign_in(principal, occurrence.unit_id):
            raise NotFound("no such occurrence")
        signatures = await repository.history(uow.session, occurrence_id)
        await _record_reads(uow, principal, [(occurrence.tenant_id, occurrence.unit_id)])
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
        await _record_reads(uow, principal, [(intervention.tenant_id, intervention.unit_id)])
        await uow.commit()
    return signatures


async def visible_signature(
    signature_id: str, *, principal: Principal, signing: Signing
) -> Signature | None:
    async with signing.units_of_work() as uow:
        try:
            signature = await _visible(uow, signature_id, principal)
        except NotFound:
            return None
        await _accessed(uow, principal, signature, "signature.read")
        await uow.commit()
    return signature


async def current_signatures(
    occurrence_ids: Sequence[str], *, principal: Principal, signing: Signing
) -> dict[str, Signature]:
    """The active signature of each occurrence the caller may see (the worklist's column)."""
    async with signing.units_of_work() as uow:
        found = await repository.active_signatures_for(uow.session, occurrence_ids)
        visible = {
            occurrence_id: signature
            for occurrence_id, signature in found.items()
            if may_sign_in(principal, signature.unit_id)
        }
        await _record_reads(uow, principal, ((s.tenant_id, s.unit_id) for s in visible.values()))
        await uow.commit()
    return visible


def _replay(
    earlier: Signature,
    *,
    principal: Principal,
    status: SigningStatus,
    performed_at: datetime,
    occurrence_id: str | None = None,
    intervention_id: str | None = None,
) -> Signature:
    if not may_sign_in(principal, earlier.unit_id):
        raise NotFound("no such occurrence")
    if not earlier.same_request(
        occurrence_id=occurrence_id,
        intervention_id=intervention_id,
        status=status,
        performed_at=performed_at,
    ):
        raise KeyReused(existing_signature_id=earlier.signature_id)
    return earlier


async def _store(signature: Signature, *, principal: Principal, signing: Signing) -> Signature:
    try:
        async with signing.units_of_work() as uow:
            await repository.add_signature(uow.session, signature)
            await uow.emit(
                OccurrenceSigned(
                    signature_id=signature.signature_id,
                    occurrence_id=_event_occurrence_id(signature),
                    intervention_id=signature.intervention_id,
                    tenant_id=signature.tenant_id,
                    unit_id=signature.unit_id,
                    status=signature.status.value,
                    timing=signature.timing.value if signature.timing else None,
                    performed_at=signature.performed_at,
                    signed_at=signature.signed_at,
                    signed_by=signature.signed_by,
                    prn=signature.prn,
                )
            )
            await _accessed(uow, principal, signature, "signature.create")
            await uow.commit()
    except IntegrityError:
        # Another request got there first; answer as if this one had come second.
        async with signing.sessions() as session:
            earlier = await repository.find_by_key(
                session, signed_by=signature.signed_by, key=signature.idempotency_key
            )
            if earlier is not None:
                return _replay(
                    earlier,
                    principal=principal,
                    occurrence_id=signature.occurrence_id,
                    intervention_id=None if signature.occurrence_id else signature.intervention_id,
                    status=signature.status,
                    performed_at=signature.performed_at,
                )
            if signature.occurrence_id is not None:
                active = await repository.active_signature(session, signature.occurrence_id)
                if active is not None:
                    raise AlreadySigned(existing_signature_id=active.signature_id) from None
        raise
    return signature


def _event_occurrence_id(signature: Signature) -> str:
    # A PRN signing has no planned occurrence; its own id keeps the event keyed and unique.
    return signature.occurrence_id or signature.signature_id


async def _await_occurrence(signing: Signing, occurrence_id: str) -> Occurrence | None:
    return await _wait_for(
        signing, lambda session: repository.get_occurrence(session, occurrence_id)
    )


async def _wait_for(
    signing: Signing, load: Callable[[AsyncSession], Awaitable[T | None]]
) -> T | None:
    """Poll the read model for a fact that may still be on its way from interventions.

    A phone shows an occurrence as soon as interventions scheduled it, and our copy arrives
    through the broker a moment later; waiting briefly here spares the user a false
    not-found. Polling (not an in-process signal) works when another replica consumes it.
    The wait is wall time on purpose: it bounds a request, not a domain deadline.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + signing.occurrence_wait
    delay = 0.02
    while (remaining := deadline - loop.time()) > 0:
        await asyncio.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.25)
        async with signing.sessions() as session:
            found = await load(session)
        if found is not None:
            return found
    return None


async def _visible(uow: UnitOfWork, signature_id: str, principal: Principal) -> Signature:
    signature = await repository.get_signature(uow.session, signature_id)
    if signature is None or not may_sign_in(principal, signature.unit_id):
        raise NotFound("no such signature")
    return signature


async def _accessed(
    uow: UnitOfWork, principal: Principal, signature: Signature, action: str
) -> None:
    await _record_reads(uow, principal, [(signature.tenant_id, signature.unit_id)], action=action)


async def _record_reads(
    uow: UnitOfWork,
    principal: Principal,
    records: Iterable[tuple[str, str]],
    *,
    action: str = "signature.read",
) -> None:
    """One access-log entry per care recipient touched (HSLF-FS 2016:40 4 kap. 9 §)."""
    now = uow.clock.now()
    for tenant_id, unit_id in sorted(set(records)):
        await uow.emit(
            RecordAccessed(
                user_id=principal.user_id,
                tenant_id=tenant_id,
                unit_id=unit_id,
                action=action,
                service=SERVICE,
                accessed_at=now,
            )
        )
