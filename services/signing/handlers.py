"""Use cases that change signatures: sign, sign PRN, sync an offline batch, annul, document.

Each loads what it needs, decides with the rules in ``domain``, and commits the change with
its events in one unit of work. Races between requests (a double tap, two phones, replicas)
are settled by the database's unique indexes; the loser's IntegrityError is turned into the
answer it would have got had it come second: the original signature, or a conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.auth.principal import Principal
from libs.clock import Clock
from libs.database import SessionFactory
from libs.messaging.unit_of_work import UnitOfWork, UnitOfWorkFactory
from services.signing import repository
from services.signing.access_log import record_access
from services.signing.domain import (
    AlreadyAnnulled,
    AlreadySigned,
    Intervention,
    InvalidSigning,
    KeyReused,
    NotDeviating,
    NotFound,
    Occurrence,
    Request,
    Signature,
    SigningError,
    SigningPolicy,
    SigningStatus,
    check_annul_permission,
    check_document_permission,
    check_idempotency_key,
    check_performed_at,
    clean_case_reference,
    clean_note,
    clean_reason,
    is_retrospective,
    may_sign_in,
    require_offset,
    sign_occurrence,
    sign_prn_intervention,
)
from services.signing.events import DeviationDocumented, OccurrenceSigned, SignatureAnnulled
from services.signing.waiting import wait_for_occurrences, wait_until

__all__ = [
    "SignCommand",
    "SignPrnCommand",
    "SignResult",
    "Signing",
    "annul",
    "confirm_documented",
    "load_visible",
    "sign",
    "sign_prn",
    "sync",
]

CREATE = "signature.create"


class _InUnit(Protocol):
    @property
    def unit_id(self) -> str: ...


T = TypeVar("T", bound=_InUnit)


@dataclass(frozen=True, kw_only=True)
class Signing:
    """What the use cases need from the process: storage, the clock and the limits."""

    units_of_work: UnitOfWorkFactory
    sessions: SessionFactory
    clock: Clock
    policy: SigningPolicy
    occurrence_wait: float
    sync_max_items: int = 200


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
    async def lookup(session: AsyncSession, key: str) -> tuple[Signature | None, Occurrence | None]:
        return await repository.find_key_and_occurrence(
            session, signed_by=principal.user_id, key=key, occurrence_id=command.occurrence_id
        )

    async def load(session: AsyncSession) -> Occurrence | None:
        return await repository.get_occurrence(session, command.occurrence_id)

    return await _sign(
        command,
        lookup=lookup,
        load=load,
        decide=sign_occurrence,
        principal=principal,
        signing=signing,
    )


async def sign_prn(command: SignPrnCommand, *, principal: Principal, signing: Signing) -> Signature:
    async def load(session: AsyncSession) -> Intervention | None:
        return await repository.get_intervention(session, command.intervention_id)

    async def lookup(
        session: AsyncSession, key: str
    ) -> tuple[Signature | None, Intervention | None]:
        earlier = await repository.find_by_key(session, signed_by=principal.user_id, key=key)
        return earlier, None if earlier else await load(session)

    return await _sign(
        command,
        lookup=lookup,
        load=load,
        decide=sign_prn_intervention,
        principal=principal,
        signing=signing,
    )


async def _sign(
    command: SignCommand | SignPrnCommand,
    *,
    lookup: Callable[[AsyncSession, str], Awaitable[tuple[Signature | None, T | None]]],
    load: Callable[[AsyncSession], Awaitable[T | None]],
    decide: Callable[[Request, T | None], Signature],
    principal: Principal,
    signing: Signing,
) -> Signature:
    """Replay, or check, find what is signed (waiting briefly if unknown yet) and store.

    ``lookup`` finds the signature made earlier with this idempotency key and what is to be
    signed; ``load`` finds only the latter, while waiting for it.
    """
    require_offset(command.performed_at)
    key = check_idempotency_key(command.idempotency_key)

    def own(found: T | None) -> T | None:
        # Another unit's record waits like one not known yet and then gets the same NOT_FOUND:
        # not even the answer's timing tells the two apart.
        return found if found is not None and may_sign_in(principal, found.unit_id) else None

    async def load_own(session: AsyncSession) -> T | None:
        return own(await load(session))

    waited = False
    while True:
        async with signing.units_of_work() as uow:
            earlier, found = await lookup(uow.session, key)
            if earlier is not None:
                return _replay(earlier, command, principal)
            target = own(found)
            request = _request(
                command,
                key=key,
                principal=principal,
                now=signing.clock.now(),
                policy=signing.policy,
            )
            if target is not None or waited:
                signature = decide(request, target)
                try:
                    await _record(uow, signature)
                    await record_access(
                        uow,
                        principal=principal,
                        records=[(signature.tenant_id, signature.unit_id)],
                        action=CREATE,
                    )
                    await uow.commit()
                except IntegrityError:
                    await uow.session.rollback()
                    return await _settle_race(uow.session, signature, principal)
                return signature
        await wait_until(load_own, sessions=signing.sessions, within=signing.occurrence_wait)
        waited = True


def _request(
    command: SignCommand | SignPrnCommand,
    *,
    key: str,
    principal: Principal,
    now: datetime,
    policy: SigningPolicy,
) -> Request:
    note = clean_note(status=command.status, note=command.note)
    check_performed_at(performed_at=command.performed_at, signed_at=now, policy=policy)
    return Request(
        signature_id=str(uuid.uuid4()),
        signer=principal,
        status=command.status,
        note=note,
        performed_at=command.performed_at,
        idempotency_key=key,
        signed_at=now,
        retrospective=is_retrospective(
            performed_at=command.performed_at, signed_at=now, policy=policy
        ),
    )


async def sync(
    commands: Sequence[SignCommand], *, principal: Principal, signing: Signing
) -> list[SignResult]:
    """Store an offline phone's signatures, in the order it made them, each on its own.

    One transaction holds the batch with a savepoint per item, so one item's error neither
    stops nor undoes the others while the batch pays for a single commit. Items are
    idempotent like `sign`: a batch sent twice stores nothing the second time.
    """
    if len(commands) > signing.sync_max_items:
        raise InvalidSigning(f"at most {signing.sync_max_items} signatures per sync")
    outcomes: list[Signature | SigningError] = []
    occurrence_ids = {command.occurrence_id for command in commands}

    def own(occurrence: Occurrence) -> bool:
        # As in `sign`: another unit's occurrence waits like an unknown one.
        return may_sign_in(principal, occurrence.unit_id)

    async with signing.sessions() as session:
        found = await repository.get_occurrences(session, occurrence_ids)
    occurrences = {key: occurrence for key, occurrence in found.items() if own(occurrence)}
    if missing := occurrence_ids - occurrences.keys():
        # Only items that are not replays would need them, but a replay is cheap to wait for.
        occurrences |= await wait_for_occurrences(
            missing, sessions=signing.sessions, within=signing.occurrence_wait, keep=own
        )
    async with signing.units_of_work() as uow:
        now = signing.clock.now()
        signed: list[Signature] = []
        for command in commands:
            try:
                signature = await _sync_item(
                    uow,
                    command,
                    occurrences=occurrences,
                    principal=principal,
                    now=now,
                    policy=signing.policy,
                )
            except SigningError as error:
                outcomes.append(error)
                continue
            outcomes.append(signature)
            signed.append(signature)
        await record_access(
            uow,
            principal=principal,
            records=((s.tenant_id, s.unit_id) for s in signed),
            action=CREATE,
        )
        await uow.commit()
    return [
        SignResult(command=command, error=outcome)
        if isinstance(outcome, SigningError)
        else SignResult(command=command, signature=outcome)
        for command, outcome in zip(commands, outcomes, strict=True)
    ]


async def _sync_item(
    uow: UnitOfWork,
    command: SignCommand,
    *,
    occurrences: dict[str, Occurrence],
    principal: Principal,
    now: datetime,
    policy: SigningPolicy,
) -> Signature:
    require_offset(command.performed_at)
    key = check_idempotency_key(command.idempotency_key)
    earlier = await repository.find_by_key(uow.session, signed_by=principal.user_id, key=key)
    if earlier is not None:
        return _replay(earlier, command, principal)
    request = _request(command, key=key, principal=principal, now=now, policy=policy)
    signature = sign_occurrence(request, occurrences.get(command.occurrence_id))
    try:
        async with uow.session.begin_nested():
            await _record(uow, signature)
    except IntegrityError:
        return await _settle_race(uow.session, signature, principal)
    return signature


async def annul(
    signature_id: str, *, reason: str, principal: Principal, signing: Signing
) -> Signature:
    reason = clean_reason(reason)
    async with signing.units_of_work() as uow:
        signature = await load_visible(uow, signature_id, principal)
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
        await record_access(
            uow,
            principal=principal,
            records=[(signature.tenant_id, signature.unit_id)],
            action="signature.annul",
        )
        await uow.commit()
    return replace(signature, annulled_at=now, annulled_by=principal.user_id, annul_reason=reason)


async def confirm_documented(
    signature_id: str,
    *,
    case_reference: str | None = None,
    principal: Principal,
    signing: Signing,
) -> Signature:
    async with signing.units_of_work() as uow:
        signature = await load_visible(uow, signature_id, principal)
        check_document_permission(
            principal=principal, unit_id=signature.unit_id, signed_by=signature.signed_by
        )
        reference = clean_case_reference(case_reference)
        if signature.documented_at is not None:
            return signature  # confirming twice is harmless: the first confirmation stands
        if not signature.status.deviating:
            raise NotDeviating("only a deviating signature is documented in the case system")
        if signature.annulled:
            raise AlreadyAnnulled("the signature is annulled")
        now = signing.clock.now()
        if not await repository.mark_documented(
            uow.session,
            signature_id=signature_id,
            by=principal.user_id,
            at=now,
            case_reference=reference,
        ):
            await uow.session.rollback()  # someone confirmed it a moment ago: theirs stands
            return await load_visible(uow, signature_id, principal)
        await uow.emit(
            DeviationDocumented(
                signature_id=signature.signature_id,
                occurrence_id=_event_occurrence_id(signature),
                unit_id=signature.unit_id,
                documented_by=principal.user_id,
                documented_at=now,
            )
        )
        await record_access(
            uow,
            principal=principal,
            records=[(signature.tenant_id, signature.unit_id)],
            action="signature.document",
        )
        await uow.commit()
    return replace(
        signature, documented_at=now, documented_by=principal.user_id, case_reference=reference
    )


async def load_visible(uow: UnitOfWork, signature_id: str, principal: Principal) -> Signature:
    """The signature if the caller has a role in its unit; otherwise as if it did not exist."""
    signature = await repository.get_signature(uow.session, signature_id)
    if signature is None or not may_sign_in(principal, signature.unit_id):
        raise NotFound("no such signature")
    return signature


def _replay(
    earlier: Signature, command: SignCommand | SignPrnCommand, principal: Principal
) -> Signature:
    """A request with an idempotency key already used: the original, if it asks the same."""
    if not may_sign_in(principal, earlier.unit_id):
        raise NotFound("no such occurrence")
    same = earlier.same_request(
        occurrence_id=command.occurrence_id if isinstance(command, SignCommand) else None,
        intervention_id=command.intervention_id if isinstance(command, SignPrnCommand) else None,
        status=command.status,
        performed_at=command.performed_at,
    )
    if not same:
        raise KeyReused(existing_signature_id=earlier.signature_id)
    return earlier


async def _record(uow: UnitOfWork, signature: Signature) -> None:
    """Insert; raises IntegrityError when the occurrence or the key is taken meanwhile."""
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
            retrospective=signature.retrospective,
        )
    )


async def _settle_race(
    session: AsyncSession, signature: Signature, principal: Principal
) -> Signature:
    """Another request stored first: answer as if this one had arrived second."""
    earlier = await repository.find_by_key(
        session, signed_by=signature.signed_by, key=signature.idempotency_key
    )
    if earlier is not None:
        if not earlier.same_request(
            occurrence_id=signature.occurrence_id,
            intervention_id=None if signature.occurrence_id else signature.intervention_id,
            status=signature.status,
            performed_at=signature.performed_at,
        ):
            raise KeyReused(existing_signature_id=earlier.signature_id)
        return earlier
    if signature.occurrence_id is not None:
        active = await repository.active_signature(session, signature.occurrence_id)
        if active is not None:
            raise AlreadySigned(existing_signature_id=active.signature_id)
    raise SigningError("the signature could not be stored; send it again")


def _event_occurrence_id(signature: Signature) -> str:
    # A PRN signing has no planned occurrence; its own id keeps the event keyed and unique.
    return signature.occurrence_id or signature.signature_id
