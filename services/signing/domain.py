"""The rules of signing, free of I/O: statuses, timing, accepted device time, annulment.

Errors a caller can cause are named here and translated once, in ``graphql.py``:

    SigningError
    ├── InvalidSigning        bad input (note missing, device time out of range ...)
    ├── NotFound              no such record, or one in a unit the caller may not see
    ├── AlreadySigned         the occurrence has an active signature (names it)
    ├── OccurrenceClosed      the occurrence was cancelled, or the PRN intervention is not active
    ├── KeyReused             an idempotency key sent again with a different signing
    ├── AlreadyAnnulled
    ├── NotDeviating          confirmDocumented on a DONE signature
    └── NotAllowed            known record, but this caller may not do that to it
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from libs.auth.principal import Principal, Role

__all__ = [
    "MAX_CASE_REFERENCE",
    "MAX_IDEMPOTENCY_KEY",
    "MAX_NOTE",
    "MAX_REASON",
    "SIGNING_ROLES",
    "AlreadyAnnulled",
    "AlreadySigned",
    "Intervention",
    "InvalidSigning",
    "KeyReused",
    "NotAllowed",
    "NotDeviating",
    "NotFound",
    "Occurrence",
    "OccurrenceClosed",
    "Request",
    "Signature",
    "SigningError",
    "SigningPolicy",
    "SigningStatus",
    "Timing",
    "check_annul_permission",
    "check_document_permission",
    "check_idempotency_key",
    "check_performed_at",
    "clean_case_reference",
    "clean_note",
    "clean_reason",
    "is_retrospective",
    "judge_timing",
    "may_sign_in",
    "require_offset",
    "sign_occurrence",
    "sign_prn_intervention",
]

MAX_NOTE = 4000
MAX_REASON = 1000
MAX_IDEMPOTENCY_KEY = 100
MAX_CASE_REFERENCE = 100

# DESIGN §5: who may sign, annul their own and confirm documentation in a unit.
SIGNING_ROLES = (Role.CARE_STAFF, Role.SOL_ADMIN, Role.UNIT_MANAGER)


class SigningStatus(StrEnum):
    DONE = "DONE"
    NOT_DONE = "NOT_DONE"
    NOT_HOME = "NOT_HOME"
    DECLINED = "DECLINED"

    @property
    def deviating(self) -> bool:
        return self is not SigningStatus.DONE


class Timing(StrEnum):
    ON_TIME = "ON_TIME"
    EARLY = "EARLY"
    LATE = "LATE"


class SigningError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidSigning(SigningError):
    pass


class NotFound(SigningError):
    pass


class AlreadySigned(SigningError):
    def __init__(self, *, existing_signature_id: str) -> None:
        super().__init__("the occurrence is already signed; annul that signature first")
        self.existing_signature_id = existing_signature_id


class OccurrenceClosed(SigningError):
    pass


class KeyReused(SigningError):
    def __init__(self, *, existing_signature_id: str) -> None:
        super().__init__("this idempotency key was already used for a different signing")
        self.existing_signature_id = existing_signature_id


class AlreadyAnnulled(SigningError):
    pass


class NotDeviating(SigningError):
    pass


class NotAllowed(SigningError):
    pass


@dataclass(frozen=True, kw_only=True)
class Signature:
    signature_id: str
    occurrence_id: str | None
    intervention_id: str
    tenant_id: str
    unit_id: str
    prn: bool
    status: SigningStatus
    note: str | None
    timing: Timing | None
    signed_by: str
    signed_at: datetime
    performed_at: datetime
    idempotency_key: str
    documented_at: datetime | None = None
    documented_by: str | None = None
    case_reference: str | None = None
    annulled_at: datetime | None = None
    annulled_by: str | None = None
    annul_reason: str | None = None
    retrospective: bool = False

    @property
    def annulled(self) -> bool:
        return self.annulled_at is not None

    @property
    def lag_seconds(self) -> int | None:
        """signedAt − performedAt in whole seconds, for a retrospective signature only."""
        if not self.retrospective:
            return None
        return int((self.signed_at - self.performed_at).total_seconds())

    def same_request(
        self,
        *,
        occurrence_id: str | None,
        intervention_id: str | None,
        status: SigningStatus,
        performed_at: datetime,
    ) -> bool:
        """Whether a retry with this signature's idempotency key asks for the same thing."""
        target_matches = (
            self.occurrence_id == occurrence_id
            if occurrence_id is not None
            else self.intervention_id == intervention_id
        )
        return target_matches and self.status is status and self.performed_at == performed_at


@dataclass(frozen=True, kw_only=True)
class Occurrence:
    """What signing knows of a planned occurrence (from interventions' events)."""

    occurrence_id: str
    intervention_id: str
    tenant_id: str
    unit_id: str
    window_start: datetime
    window_end: datetime
    prn: bool
    cancelled: bool


@dataclass(frozen=True, kw_only=True)
class Intervention:
    """What signing knows of an intervention: where it belongs, whether it is PRN and active."""

    intervention_id: str
    tenant_id: str
    unit_id: str
    prn: bool
    active: bool


@dataclass(frozen=True, kw_only=True)
class SigningPolicy:
    """The configurable limits (see ``SigningSettings``)."""

    performed_back: timedelta = timedelta(hours=24)
    performed_ahead: timedelta = timedelta(minutes=2)
    annul_limit: timedelta = timedelta(hours=24)
    # A signature reaching the server longer than this after its performedAt is retrospective.
    retrospective_after: timedelta = timedelta(minutes=15)


def is_retrospective(*, performed_at: datetime, signed_at: datetime, policy: SigningPolicy) -> bool:
    """Signed long after it was performed (an offline phone, or signing from memory): it
    counts with its device time, but alarms leave its MISSED alarm for a person to check."""
    return signed_at - performed_at > policy.retrospective_after


def judge_timing(*, performed_at: datetime, window_start: datetime, window_end: datetime) -> Timing:
    """Timing against ``[window_start, window_end)``: performing at the end instant is late."""
    if performed_at < window_start:
        return Timing.EARLY
    if performed_at >= window_end:
        return Timing.LATE
    return Timing.ON_TIME


def check_performed_at(
    *, performed_at: datetime, signed_at: datetime, policy: SigningPolicy
) -> None:
    """Device time is trusted only within a bounded skew of server time (DESIGN §6)."""
    require_offset(performed_at)
    if performed_at < signed_at - policy.performed_back:
        raise InvalidSigning(
            f"performedAt is more than {_hours(policy.performed_back)} before the server time; "
            "sign this in the case system instead"
        )
    if performed_at > signed_at + policy.performed_ahead:
        raise InvalidSigning(
            f"performedAt is more than {_hours(policy.performed_ahead)} after the server time; "
            "check the phone's clock"
        )


def require_offset(performed_at: datetime) -> None:
    if performed_at.tzinfo is None:
        raise InvalidSigning("performedAt needs a UTC offset, e.g. 2026-05-01T08:30:00+02:00")


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def clean_note(*, status: SigningStatus, note: str | None) -> str | None:
    """A deviating status needs a note saying why; blank notes count as none."""
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidSigning(f"the note is longer than {MAX_NOTE} characters")
    if status.deviating and not text:
        raise InvalidSigning(f"a note is required when the status is {status.value}")
    return text or None


def clean_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidSigning("a reason is required to annul a signature")
    if len(text) > MAX_REASON:
        raise InvalidSigning(f"the reason is longer than {MAX_REASON} characters")
    return text


def check_idempotency_key(key: str) -> str:
    text = key.strip()
    if not text or len(text) > MAX_IDEMPOTENCY_KEY:
        raise InvalidSigning(f"idempotencyKey must be 1–{MAX_IDEMPOTENCY_KEY} characters")
    return text


def may_sign_in(principal: Principal, unit_id: str) -> bool:
    return principal.has_role(unit_id, *SIGNING_ROLES)


def check_annul_permission(
    *,
    principal: Principal,
    unit_id: str,
    signed_by: str,
    signed_at: datetime,
    now: datetime,
    policy: SigningPolicy,
) -> None:
    """The signer within the limit, or a SoL administrator of the unit at any time."""
    if principal.has_role(unit_id, Role.SOL_ADMIN):
        return
    if principal.user_id != signed_by:
        raise NotAllowed("only the signer or a SoL administrator of the unit may annul")
    if now - signed_at > policy.annul_limit:
        raise NotAllowed(
            f"the signer may annul within {_hours(policy.annul_limit)} of signing; "
            "ask a SoL administrator"
        )


def check_document_permission(*, principal: Principal, unit_id: str, signed_by: str) -> None:
    """The signer, who documented it, or a SoL administrator or manager of the unit, who
    checked it was documented; a colleague cannot vouch for someone else's entry."""
    if principal.user_id == signed_by:
        return
    if principal.has_role(unit_id, Role.SOL_ADMIN, Role.UNIT_MANAGER):
        return
    raise NotAllowed(
        "only the signer, or a SoL administrator or unit manager of the unit, may confirm "
        "that a deviating signature is documented"
    )


def clean_case_reference(reference: str | None) -> str | None:
    """The case system's reference to the entry (an id or a short title); blank counts as none."""
    text = (reference or "").strip()
    if len(text) > MAX_CASE_REFERENCE:
        raise InvalidSigning(f"caseReference is longer than {MAX_CASE_REFERENCE} characters")
    return text or None


@dataclass(frozen=True, kw_only=True)
class Request:
    """What the phone asks for, already checked (note cleaned, device time within skew)."""

    signature_id: str
    signer: Principal
    status: SigningStatus
    note: str | None
    performed_at: datetime
    idempotency_key: str
    signed_at: datetime
    retrospective: bool = False


def sign_occurrence(request: Request, occurrence: Occurrence | None) -> Signature:
    """A signature of a planned occurrence, if the signer may sign it and it is open."""
    if occurrence is None or not may_sign_in(request.signer, occurrence.unit_id):
        raise NotFound("no such occurrence")
    if occurrence.cancelled:
        raise OccurrenceClosed("the occurrence was cancelled and cannot be signed")
    if occurrence.prn:
        raise InvalidSigning("this occurrence belongs to a PRN intervention: use signPrn")
    return _signature(
        request,
        occurrence_id=occurrence.occurrence_id,
        intervention_id=occurrence.intervention_id,
        tenant_id=occurrence.tenant_id,
        unit_id=occurrence.unit_id,
        timing=judge_timing(
            performed_at=request.performed_at,
            window_start=occurrence.window_start,
            window_end=occurrence.window_end,
        ),
    )


def sign_prn_intervention(request: Request, intervention: Intervention | None) -> Signature:
    """A PRN signing: no occurrence and no window, so no timing; any number per intervention."""
    if intervention is None or not may_sign_in(request.signer, intervention.unit_id):
        raise NotFound("no such intervention")
    if not intervention.prn:
        raise InvalidSigning("this intervention is scheduled: sign its occurrences instead")
    if not intervention.active:
        raise OccurrenceClosed("the intervention is not active")
    return _signature(
        request,
        occurrence_id=None,
        intervention_id=intervention.intervention_id,
        tenant_id=intervention.tenant_id,
        unit_id=intervention.unit_id,
        timing=None,
    )


def _signature(
    request: Request,
    *,
    occurrence_id: str | None,
    intervention_id: str,
    tenant_id: str,
    unit_id: str,
    timing: Timing | None,
) -> Signature:
    return Signature(
        signature_id=request.signature_id,
        occurrence_id=occurrence_id,
        intervention_id=intervention_id,
        tenant_id=tenant_id,
        unit_id=unit_id,
        prn=occurrence_id is None,
        status=request.status,
        note=request.note,
        timing=timing,
        signed_by=request.signer.user_id,
        signed_at=request.signed_at,
        performed_at=request.performed_at,
        idempotency_key=request.idempotency_key,
        retrospective=request.retrospective,
    )
