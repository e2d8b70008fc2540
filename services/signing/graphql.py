"""The signing subgraph: types, queries and mutations of the public graph this service owns.

Domain errors become client errors in one place, `errors.translated`.
``Occurrence`` belongs to interventions; this subgraph adds ``signature`` to it. ``User`` and
``Intervention`` are references to entities other subgraphs resolve.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types import Info

from libs.graphql.context import ServiceContext
from libs.graphql.entities import PRELOADABLE
from libs.runtime import ServiceRuntime
from services.signing import domain, handlers, queries
from services.signing.errors import translated
from services.signing.handlers import SignCommand, Signing, SignPrnCommand

__all__ = ["Mutation", "Query", "SigningContext", "entity_types"]

MAX_PAGE = 100

# Registering the domain enums keeps one definition; SigningStatus must match other subgraphs'.
strawberry.enum(domain.SigningStatus, name="SigningStatus")
strawberry.enum(
    domain.Timing,
    name="SignatureTiming",
    description="performedAt against the window [windowStart, windowEnd); at windowEnd is LATE.",
)
SigningStatus = domain.SigningStatus
# References to entities other subgraphs own and resolve.
REFERENCE = [Key(fields=FieldSet("id"), resolvable=False)]


class SigningContext(ServiceContext):
    """The request context: the use cases' dependencies and a per-request signature loader."""

    def __init__(self, *, runtime: ServiceRuntime, signing: Signing) -> None:
        super().__init__(runtime=runtime)
        self.signing = signing
        self.current_signature: DataLoader[str, domain.Signature | None] = DataLoader(
            load_fn=self._load_current
        )

    async def _load_current(self, occurrence_ids: list[str]) -> list[domain.Signature | None]:
        # The worklist asks for many occurrences at once: one query and one access-log entry
        # per care recipient, not one per occurrence.
        found = await queries.current_signatures(
            occurrence_ids, principal=await self.principal(), signing=self.signing
        )
        return [found.get(occurrence_id) for occurrence_id in occurrence_ids]


def _context(info: Info[Any, Any]) -> SigningContext:
    context = info.context
    assert isinstance(context, SigningContext)
    return context


@strawberry.federation.type(keys=REFERENCE)
class User:
    id: strawberry.ID


@strawberry.federation.type(keys=REFERENCE)
class Intervention:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class Occurrence:
    id: strawberry.ID
    # What `resolve_references` loaded for the gateway's batch: field name -> value.
    preloaded: strawberry.Private[dict[str, Any]] = dataclasses.field(default_factory=dict)

    # Shareable: interventions answers it too, from its read model, for the worklist's
    # fields of Signature below (services/interventions/views.py).
    @strawberry.federation.field(
        shareable=True,
        description="The current signature; null while unsigned or annulled.",
        metadata=PRELOADABLE,
    )
    async def signature(self, info: Info[Any, Any]) -> Signature | None:
        if "signature" in self.preloaded:
            preloaded: Signature | None = self.preloaded["signature"]
            return preloaded
        loaded = await _context(info).current_signature.load(str(self.id))
        return Signature.from_domain(loaded) if loaded else None

    @classmethod
    async def resolve_references(
        cls, info: Info[Any, Any], representations: list[dict[str, Any]]
    ) -> list[Occurrence]:
        """The gateway's worklist: every occurrence's signature in one query."""
        # The batch is the whole request's: loaded at once, without a DataLoader's future per
        # key (load_many was ~9 % of signing's CPU in a gateway worklist of 800, py-spy).
        context = _context(info)
        ids = [str(representation["id"]) for representation in representations]
        found = await queries.current_signatures(
            ids, principal=await context.principal(), signing=context.signing
        )
        return [
            cls(
                id=strawberry.ID(occurrence_id),
                preloaded={
                    "signature": Signature.from_domain(signature)
                    if (signature := found.get(occurrence_id))
                    else None
                },
            )
            for occurrence_id in ids
        ]


@strawberry.federation.type(keys=["id"])
class Signature:
    id: strawberry.ID
    occurrence: Occurrence | None = strawberry.field(
        description="The signed occurrence; null for a PRN signing, which has none."
    )
    intervention: Intervention
    prn: bool
    status: SigningStatus = strawberry.federation.field(shareable=True)
    note: str | None
    signed_by: User
    signed_at: datetime = strawberry.federation.field(
        shareable=True, description="Server time of signing."
    )
    performed_at: datetime = strawberry.field(description="The phone's time of performing.")
    timing: domain.Timing | None = strawberry.federation.field(
        shareable=True, description="Null for PRN signatures."
    )
    documented_at: datetime | None
    documented_by: User | None
    case_reference: str | None = strawberry.field(
        description="The case-system entry the deviation is documented in, if given."
    )
    annulled: bool
    annulled_at: datetime | None
    annulled_by: User | None
    annul_reason: str | None
    retrospective: bool = strawberry.field(
        description=(
            "Reached the server more than the configured limit (15 min by default) after "
            "performedAt. It counts with performedAt, but its MISSED alarm stays open for a "
            "SoL administrator to check."
        )
    )
    lag_seconds: int | None = strawberry.field(
        description="signedAt − performedAt in whole seconds; null unless retrospective."
    )

    @classmethod
    def from_domain(cls, signature: domain.Signature) -> Signature:
        return cls(
            id=strawberry.ID(signature.signature_id),
            occurrence=(
                Occurrence(id=strawberry.ID(signature.occurrence_id))
                if signature.occurrence_id
                else None
            ),
            intervention=Intervention(id=strawberry.ID(signature.intervention_id)),
            prn=signature.prn,
            status=signature.status,
            note=signature.note,
            signed_by=User(id=strawberry.ID(signature.signed_by)),
            signed_at=signature.signed_at,
            performed_at=signature.performed_at,
            timing=signature.timing,
            documented_at=signature.documented_at,
            documented_by=_user(signature.documented_by),
            case_reference=signature.case_reference,
            annulled=signature.annulled,
            annulled_at=signature.annulled_at,
            annulled_by=_user(signature.annulled_by),
            annul_reason=signature.annul_reason,
            retrospective=signature.retrospective,
            lag_seconds=signature.lag_seconds,
        )

    @classmethod
    async def resolve_references(
        cls, info: Info[Any, Any], representations: list[dict[str, Any]]
    ) -> list[Signature | None]:
        """A worklist's signatures for the fields interventions does not show (``note`` ...)."""
        context = _context(info)
        ids = [str(representation["id"]) for representation in representations]
        found = await queries.visible_signatures(
            ids, principal=await context.principal(), signing=context.signing
        )
        return [cls.from_domain(found[i]) if i in found else None for i in ids]


def _user(user_id: str | None) -> User | None:
    return User(id=strawberry.ID(user_id)) if user_id else None


@strawberry.input
class SignInput:
    occurrence_id: strawberry.ID
    status: SigningStatus
    performed_at: datetime = strawberry.field(description="The phone's time, with offset.")
    idempotency_key: str = strawberry.field(
        description="Made by the phone per signing; a retry with the same key is the same one."
    )
    note: str | None = strawberry.field(
        default=None, description="Required for NOT_DONE, NOT_HOME and DECLINED."
    )

    def to_command(self) -> SignCommand:
        return SignCommand(
            occurrence_id=str(self.occurrence_id),
            status=self.status,
            note=self.note,
            performed_at=self.performed_at,
            idempotency_key=self.idempotency_key,
        )


@strawberry.input
class SignPrnInput:
    intervention_id: strawberry.ID
    status: SigningStatus
    performed_at: datetime
    idempotency_key: str
    note: str | None = None

    def to_command(self) -> SignPrnCommand:
        return SignPrnCommand(
            intervention_id=str(self.intervention_id),
            status=self.status,
            note=self.note,
            performed_at=self.performed_at,
            idempotency_key=self.idempotency_key,
        )


@strawberry.type
class SignError:
    code: str
    message: str
    existing_signature_id: strawberry.ID | None = None


@strawberry.type
class SignResult:
    idempotency_key: str
    occurrence_id: strawberry.ID
    signature: Signature | None = None
    error: SignError | None = None

    @classmethod
    def from_result(cls, result: handlers.SignResult) -> SignResult:
        command = result.command
        outcome = cls(
            idempotency_key=command.idempotency_key,
            occurrence_id=strawberry.ID(command.occurrence_id),
        )
        if result.signature is not None:
            outcome.signature = Signature.from_domain(result.signature)
        if result.error is not None:
            client_error = translated.client_error(result.error)
            outcome.error = (
                SignError(
                    code=str(client_error.extensions["code"]),
                    message=client_error.message,
                    existing_signature_id=client_error.extensions.get("existingSignatureId"),
                )
                if client_error
                else SignError(code="INTERNAL_SERVER_ERROR", message="Unexpected error.")
            )
        return outcome


@strawberry.type
class Query:
    @strawberry.field(description="The name of the subgraph answering; a liveness probe.")
    def signing_service(self) -> str:
        return "signing"

    @strawberry.field(description="Every signature of an occurrence, annulled ones included.")
    async def signature_history(
        self, info: Info[Any, Any], occurrence_id: strawberry.ID
    ) -> list[Signature]:
        context = _context(info)
        with translated():
            found = await queries.signature_history(
                str(occurrence_id), principal=await context.principal(), signing=context.signing
            )
        return [Signature.from_domain(signature) for signature in found]

    @strawberry.field
    async def signature(self, info: Info[Any, Any], id: strawberry.ID) -> Signature | None:
        context = _context(info)
        found = await queries.visible_signature(
            str(id), principal=await context.principal(), signing=context.signing
        )
        return Signature.from_domain(found) if found else None

    @strawberry.field(description="PRN signings of an intervention, newest first.")
    async def prn_signatures(
        self, info: Info[Any, Any], intervention_id: strawberry.ID, first: int = 50
    ) -> list[Signature]:
        context = _context(info)
        with translated():
            found = await queries.prn_signatures(
                str(intervention_id),
                limit=max(1, min(first, MAX_PAGE)),
                principal=await context.principal(),
                signing=context.signing,
            )
        return [Signature.from_domain(signature) for signature in found]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def sign(self, info: Info[Any, Any], input: SignInput) -> Signature:
        context = _context(info)
        with translated():
            signature = await handlers.sign(
                input.to_command(), principal=await context.principal(), signing=context.signing
            )
        return Signature.from_domain(signature)

    @strawberry.mutation
    async def sign_prn(self, info: Info[Any, Any], input: SignPrnInput) -> Signature:
        context = _context(info)
        with translated():
            signature = await handlers.sign_prn(
                input.to_command(), principal=await context.principal(), signing=context.signing
            )
        return Signature.from_domain(signature)

    @strawberry.mutation(description="An offline phone catching up: a result per item.")
    async def sync_signatures(
        self, info: Info[Any, Any], inputs: list[SignInput]
    ) -> list[SignResult]:
        context = _context(info)
        principal = await context.principal()
        with translated():
            results = await handlers.sync(
                [item.to_command() for item in inputs], principal=principal, signing=context.signing
            )
        return [SignResult.from_result(result) for result in results]

    @strawberry.mutation
    async def annul_signature(
        self, info: Info[Any, Any], signature_id: strawberry.ID, reason: str
    ) -> Signature:
        context = _context(info)
        with translated():
            signature = await handlers.annul(
                str(signature_id),
                reason=reason,
                principal=await context.principal(),
                signing=context.signing,
            )
        return Signature.from_domain(signature)

    @strawberry.mutation(
        description=(
            "Snarast dokumenteras: the deviation is documented in the case system. By the "
            "signer, or a SOL_ADMIN or UNIT_MANAGER of the unit; the first confirmation stands."
        )
    )
    async def confirm_documented(
        self,
        info: Info[Any, Any],
        signature_id: strawberry.ID,
        case_reference: Annotated[
            str | None,
            strawberry.argument(
                description=f"The case-system entry, ≤ {domain.MAX_CASE_REFERENCE} characters."
            ),
        ] = None,
    ) -> Signature:
        context = _context(info)
        with translated():
            signature = await handlers.confirm_documented(
                str(signature_id),
                case_reference=case_reference,
                principal=await context.principal(),
                signing=context.signing,
            )
        return Signature.from_domain(signature)


def entity_types() -> list[type]:
    """Types the schema must know though no root field returns them directly."""
    return [Occurrence, User, Intervention]
