"""GraphQL types of the alarms subgraph, kept apart from the rows they are made from."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from libs.graphql.entities import PRELOADABLE
from services.alarms import domain
from services.alarms.access import FOLLOW_UP
from services.alarms.domain import ComplianceRow as ComplianceFigures
from services.alarms.domain import SignerComplianceRow as SignerFigures
from services.alarms.graphql import notes
from services.alarms.graphql.context import Info
from services.alarms.repository import AlarmView
from services.alarms.tables import DeviationRow, FollowUpNoteRow, SignatureRow

__all__ = [
    "AckOutcome",
    "Alarm",
    "AlarmConnection",
    "AlarmEvent",
    "AlarmKind",
    "AlarmOverview",
    "AlarmState",
    "ComplianceReport",
    "Deviation",
    "FollowUpNote",
    "Occurrence",
    "SignerComplianceRow",
]

# The domain's enums are the GraphQL enums (names and values fixed by DESIGN §5).
for _enum in (domain.AlarmKind, domain.AlarmState, domain.AckOutcome, domain.SigningStatus):
    strawberry.enum(_enum)
AlarmKind = domain.AlarmKind
AlarmState = domain.AlarmState
AckOutcome = domain.AckOutcome
SigningStatus = domain.SigningStatus


@strawberry.enum
class AlarmEventType(Enum):
    RAISED = "RAISED"
    UPDATED = "UPDATED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    ESCALATED = "ESCALATED"


# Entities other subgraphs own, referenced here by key only (`@key(resolvable: false)`).
_REFERENCE_ONLY = Key(fields=FieldSet("id"), resolvable=False)


@strawberry.federation.type(directives=[_REFERENCE_ONLY])
class User:
    id: strawberry.ID


@strawberry.federation.type(directives=[_REFERENCE_ONLY])
class Tenant:
    id: strawberry.ID


@strawberry.federation.type(directives=[_REFERENCE_ONLY])
class Intervention:
    id: strawberry.ID


@strawberry.federation.type(directives=[_REFERENCE_ONLY])
class Signature:
    id: strawberry.ID


def _user(user_id: str | None) -> User | None:
    return User(id=strawberry.ID(user_id)) if user_id else None


def _lag_seconds(signature: SignatureRow | None) -> int | None:
    if signature is None or not signature.retrospective:
        return None
    if signature.signed_at is None or signature.performed_at is None:
        return None
    return int((signature.signed_at - signature.performed_at).total_seconds())


@strawberry.type(
    description="A follow-up with the staff (uppföljning med personal): what was done."
)
class FollowUpNote:
    id: strawberry.ID
    text: str
    written_by: User
    written_at: datetime

    @classmethod
    def from_row(cls, row: FollowUpNoteRow) -> FollowUpNote:
        return cls(
            id=strawberry.ID(row.note_id),
            text=row.text,
            written_by=User(id=strawberry.ID(row.written_by)),
            written_at=row.written_at,
        )


async def _follow_up_notes(
    info: Info, *, unit_id: str, kind: str, subject_id: str
) -> list[FollowUpNote]:
    principal = await info.context.principal()
    if not principal.has_role(unit_id, *FOLLOW_UP):
        return []
    rows = await notes.notes_of(info, kind=kind, subject_id=subject_id)
    return [FollowUpNote.from_row(row) for row in rows]


_NOTES_DESCRIPTION = (
    "Follow-up notes, oldest first; they are never changed or removed. Readable by SOL_ADMIN "
    "and UNIT_MANAGER of the unit (they hold free text); empty for care staff."
)


@strawberry.type
class SigningRecord:
    """One signature of the occurrence as it stood when the deviation was reported."""

    signature: Signature
    status: SigningStatus | None
    timing: str | None
    performed_at: datetime | None
    signed_at: datetime | None
    signed_by: User | None
    annulled_at: datetime | None
    documented_at: datetime | None

    @classmethod
    def from_snapshot(cls, item: dict[str, Any]) -> SigningRecord:
        def instant(name: str) -> datetime | None:
            value = item.get(name)
            return datetime.fromisoformat(value) if value else None

        return cls(
            signature=Signature(id=strawberry.ID(item["signatureId"])),
            status=domain.SigningStatus(item["status"]) if item.get("status") else None,
            timing=item.get("timing"),
            performed_at=instant("performedAt"),
            signed_at=instant("signedAt"),
            signed_by=_user(item.get("signedBy")),
            annulled_at=instant("annulledAt"),
            documented_at=instant("documentedAt"),
        )


@strawberry.type
class Deviation:
    id: strawberry.ID
    alarm_id: strawberry.ID
    occurrence: Occurrence
    intervention: Intervention
    tenant: Tenant
    window_start: datetime | None
    window_end: datetime | None
    signing_history: list[SigningRecord]
    description: str
    reported_by: User
    reported_at: datetime
    lex_sarah: bool | None = strawberry.field(
        description="The unit manager's Lex Sarah assessment; null until assessed."
    )
    motivation: str | None
    assessed_by: User | None
    assessed_at: datetime | None
    report_to_ivo_by: date | None = strawberry.field(
        description=(
            "For a Lex Sarah case, the last day to report it to IVO ('snarast'): "
            "the assessment date plus the configured days (14 by default)."
        )
    )
    unit_id: strawberry.Private[str]

    @strawberry.field(description=_NOTES_DESCRIPTION)
    async def follow_up_notes(self, info: Info) -> list[FollowUpNote]:
        return await _follow_up_notes(
            info, unit_id=self.unit_id, kind=notes.DEVIATION, subject_id=str(self.id)
        )

    @classmethod
    def from_row(cls, row: DeviationRow) -> Deviation:
        return cls(
            id=strawberry.ID(row.deviation_id),
            alarm_id=strawberry.ID(row.alarm_id),
            occurrence=Occurrence(id=strawberry.ID(row.occurrence_id)),
            intervention=Intervention(id=strawberry.ID(row.intervention_id)),
            tenant=Tenant(id=strawberry.ID(row.tenant_id)),
            window_start=row.window_start,
            window_end=row.window_end,
            signing_history=[SigningRecord.from_snapshot(item) for item in row.signing_history],
            description=row.description,
            reported_by=User(id=strawberry.ID(row.reported_by)),
            reported_at=row.reported_at,
            lex_sarah=row.lex_sarah,
            motivation=row.motivation,
            assessed_by=_user(row.assessed_by),
            assessed_at=row.assessed_at,
            report_to_ivo_by=row.report_to_ivo_by,
            unit_id=row.unit_id,
        )


@strawberry.federation.type(keys=["id"])
class Alarm:
    id: strawberry.ID
    # Shareable: interventions answers these too for the worklist (Occurrence.alarms).
    kind: AlarmKind = strawberry.federation.field(shareable=True)
    state: AlarmState = strawberry.federation.field(shareable=True)
    occurrence: Occurrence
    intervention: Intervention
    tenant: Tenant
    unit_id: strawberry.ID
    window_start: datetime | None
    window_end: datetime | None
    raised_at: datetime
    updated_at: datetime | None
    overdue: bool = strawberry.field(description="Open longer than the follow-up limit (7 days).")
    escalated_at: datetime | None
    acknowledged_by: User | None
    acknowledged_at: datetime | None
    outcome: AckOutcome | None
    comment: str | None
    # Shown by the `deviation` field, to those who may follow alarms up only.
    deviation_report: strawberry.Private[Deviation | None]
    signature: Signature | None = strawberry.field(
        description=(
            "OUTSIDE_WINDOW/DEVIATING: the signature concerned. MISSED: the signature made "
            "after the window was judged missed, if any (who signed late and when)."
        )
    )
    signing_status: SigningStatus | None
    signed_by: User | None
    signed_at: datetime | None
    performed_at: datetime | None
    signature_annulled: bool
    documentation_confirmed: bool = strawberry.field(
        description="DEVIATING: the signer confirmed it is documented in the case system."
    )
    documented_at: datetime | None
    retrospective: bool = strawberry.field(
        description=(
            "The signature concerned reached the server long after its performedAt (signing's "
            "limit, 15 min by default). On a MISSED alarm: signed retrospectively, so the alarm "
            "stays open for acknowledgement (PERFORMED_NOT_SIGNED once the reason is checked)."
        )
    )
    signature_lag_seconds: int | None = strawberry.field(
        description="signedAt − performedAt of a retrospective signature, in whole seconds."
    )

    @strawberry.field(
        description=(
            "The deviation report written for this alarm. Readable by SOL_ADMIN and "
            "UNIT_MANAGER of the unit only, as `deviations` is (it holds free text); null for "
            "care staff."
        )
    )
    async def deviation(self, info: Info) -> Deviation | None:
        principal = await info.context.principal()
        return self.deviation_report if principal.has_role(self.unit_id, *FOLLOW_UP) else None

    @strawberry.field(description=_NOTES_DESCRIPTION)
    async def follow_up_notes(self, info: Info) -> list[FollowUpNote]:
        return await _follow_up_notes(
            info, unit_id=str(self.unit_id), kind=notes.ALARM, subject_id=str(self.id)
        )

    @classmethod
    def from_view(cls, view: AlarmView, *, now: datetime, overdue_after: timedelta) -> Alarm:
        alarm, occurrence, signature = view.alarm, view.occurrence, view.signature
        state = domain.AlarmState(alarm.state)
        return cls(
            id=strawberry.ID(alarm.alarm_id),
            kind=domain.AlarmKind(alarm.kind),
            state=state,
            occurrence=Occurrence(id=strawberry.ID(alarm.occurrence_id)),
            intervention=Intervention(id=strawberry.ID(alarm.intervention_id)),
            tenant=Tenant(id=strawberry.ID(alarm.tenant_id)),
            unit_id=strawberry.ID(alarm.unit_id),
            window_start=occurrence.window_start if occurrence else None,
            window_end=occurrence.window_end if occurrence else None,
            raised_at=alarm.raised_at,
            updated_at=alarm.updated_at,
            overdue=domain.is_overdue(
                state=state, raised_at=alarm.raised_at, now=now, after=overdue_after
            ),
            escalated_at=alarm.escalated_at,
            acknowledged_by=_user(alarm.acknowledged_by),
            acknowledged_at=alarm.acknowledged_at,
            outcome=domain.AckOutcome(alarm.outcome) if alarm.outcome else None,
            comment=alarm.comment,
            deviation_report=Deviation.from_row(view.deviation) if view.deviation else None,
            signature=Signature(id=strawberry.ID(alarm.signature_id))
            if alarm.signature_id
            else None,
            signing_status=(
                domain.SigningStatus(signature.status) if signature and signature.status else None
            ),
            signed_by=_user(signature.signed_by) if signature else None,
            signed_at=signature.signed_at if signature else None,
            performed_at=signature.performed_at if signature else None,
            signature_annulled=bool(signature and signature.annulled_at),
            documentation_confirmed=bool(signature and signature.documented_at),
            documented_at=signature.documented_at if signature else None,
            retrospective=bool(signature and signature.retrospective),
            signature_lag_seconds=_lag_seconds(signature),
        )

    @classmethod
    async def resolve_references(
        cls, info: Info, representations: list[dict[str, Any]]
    ) -> list[Alarm | None]:
        """A worklist's alarms for the fields interventions does not show (``comment`` ...)."""
        from services.alarms.graphql.queries import alarms_by_ids

        return await alarms_by_ids(info, [str(r["id"]) for r in representations])


@strawberry.federation.type(keys=["id"])
class Occurrence:
    """Interventions' occurrence; this subgraph adds its alarms."""

    id: strawberry.ID
    # What `resolve_references` loaded for the gateway's batch: field name -> value.
    preloaded: strawberry.Private[dict[str, Any]] = dataclasses.field(default_factory=dict)

    @strawberry.federation.field(
        shareable=True,
        description="Alarms of the occurrence in units the caller may see.",
        metadata=PRELOADABLE,
    )
    async def alarms(self, info: Info) -> list[Alarm]:
        from services.alarms.graphql.queries import alarms_of_occurrences

        if "alarms" in self.preloaded:
            preloaded: list[Alarm] = self.preloaded["alarms"]
            return preloaded
        context = info.context
        if context.occurrence_alarms is None:
            context.occurrence_alarms = DataLoader(
                load_fn=lambda ids: alarms_of_occurrences(info, list(ids))
            )
        found: list[Alarm] = await context.occurrence_alarms.load(str(self.id))
        return found

    @classmethod
    async def resolve_references(
        cls, info: Info, representations: list[dict[str, Any]]
    ) -> list[Occurrence]:
        """The gateway's worklist: every occurrence's alarms in one transaction."""
        from services.alarms.graphql.queries import alarms_of_occurrences

        ids = [str(representation["id"]) for representation in representations]
        found = await alarms_of_occurrences(info, ids)
        return [
            cls(id=strawberry.ID(occurrence_id), preloaded={"alarms": alarms})
            for occurrence_id, alarms in zip(ids, found, strict=True)
        ]


@strawberry.type
class AlarmEdge:
    node: Alarm
    cursor: str


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class AlarmConnection:
    edges: list[AlarmEdge]
    nodes: list[Alarm]
    page_info: PageInfo
    total_count: int


@strawberry.type
class AlarmCounts:
    missed: int
    outside_window: int
    deviating: int
    total: int


@strawberry.type
class AlarmOverview:
    unit_id: strawberry.ID
    open: AlarmCounts = strawberry.field(description="Open alarms by kind.")
    acknowledged: int
    acknowledged_this_week: int = strawberry.field(
        description="Alarms acknowledged since Monday 00:00 in the unit's timezone."
    )
    overdue: int = strawberry.field(description="Open alarms past the follow-up limit.")
    escalated: int = strawberry.field(description="Open alarms escalated to the unit manager.")
    undocumented: int = strawberry.field(
        description=(
            "Open DEVIATING alarms whose signature stands and whose documentation is still not "
            "confirmed longer than the limit (24 h by default) after signing."
        )
    )
    oldest_open_raised_at: datetime | None
    last_acknowledged_at: datetime | None = strawberry.field(
        description="When the unit's alarms were last acknowledged: the last follow-up round."
    )


@strawberry.type
class DeviatingCounts:
    not_done: int
    not_home: int
    declined: int
    total: int


@strawberry.type
class ComplianceRow:
    day: date | None = strawberry.field(
        name="date", description="The unit-local day; null on the total row."
    )
    intervention: Intervention | None
    planned: int
    on_time: int = strawberry.field(description="Signed (any status) within the window.")
    outside_window: int = strawberry.field(description="Signed before or after the window.")
    missed: int = strawberry.field(description="Window over without a valid signature.")
    pending: int = strawberry.field(description="Window not over yet and not signed.")
    deviating: DeviatingCounts
    alarms_raised: int
    acknowledged_in_time: int = strawberry.field(
        description="Alarms acknowledged within the follow-up limit (7 days) of being raised."
    )
    median_seconds_to_acknowledge: float | None
    retrospective: int = strawberry.field(
        description=(
            "Signed retrospectively: reached the server long after performedAt (counted with "
            "performedAt in onTime/outsideWindow as well)."
        )
    )

    @classmethod
    def from_figures(cls, row: ComplianceFigures) -> ComplianceRow:
        deviating = row.deviating
        return cls(
            day=row.day,
            intervention=Intervention(id=strawberry.ID(row.intervention_id))
            if row.intervention_id
            else None,
            planned=row.planned,
            on_time=row.on_time,
            outside_window=row.outside_window,
            missed=row.missed,
            pending=row.pending,
            deviating=_deviating_counts(deviating),
            alarms_raised=row.alarms_raised,
            acknowledged_in_time=row.acknowledged_within,
            median_seconds_to_acknowledge=row.median_seconds_to_acknowledge,
            retrospective=row.retrospective,
        )


def _deviating_counts(deviating: dict[str, int]) -> DeviatingCounts:
    return DeviatingCounts(
        not_done=deviating.get("NOT_DONE", 0),
        not_home=deviating.get("NOT_HOME", 0),
        declined=deviating.get("DECLINED", 0),
        total=sum(deviating.values()),
    )


@strawberry.type(
    description=(
        "One signer's standing signatures on the period's planned windows; the row with "
        "signer null is the unit's: windows left unsigned belong to nobody."
    )
)
class SignerComplianceRow:
    signer: User | None = strawberry.field(description="Null on the unit's row.")
    signed: int = strawberry.field(description="Windows whose standing signature is theirs.")
    on_time: int = strawberry.field(description="Of those, performed within the window.")
    outside_window: int = strawberry.field(description="Of those, before or after the window.")
    deviating: DeviatingCounts = strawberry.field(
        description="Of those, by deviating status (overlaps the timing counts)."
    )
    retrospective: int = strawberry.field(
        description="Of those, signed retrospectively (overlaps the timing counts)."
    )
    missed: int | None = strawberry.field(
        description="The unit's row only: windows over without a valid signature."
    )
    pending: int | None = strawberry.field(
        description="The unit's row only: windows not over yet and not signed."
    )

    @classmethod
    def from_figures(cls, row: SignerFigures) -> SignerComplianceRow:
        return cls(
            signer=_user(row.signer_id),
            signed=row.signed,
            on_time=row.on_time,
            outside_window=row.outside_window,
            deviating=_deviating_counts(row.deviating),
            retrospective=row.retrospective,
            missed=row.missed,
            pending=row.pending,
        )


@strawberry.type
class ComplianceReport:
    unit_id: strawberry.ID
    from_: date = strawberry.field(name="from")
    to: date
    rows: list[ComplianceRow] = strawberry.field(description="Per day and intervention.")
    total: ComplianceRow


@strawberry.type
class AlarmEvent:
    type: AlarmEventType
    alarm: Alarm
