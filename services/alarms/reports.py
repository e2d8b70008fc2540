"""The compliance report as CSV over authenticated HTTP, for spreadsheets and reporting tools.

``GET /reports/compliance.csv?unitId=&from=&to=`` with ``Authorization: Bearer <token>``.
The figures come from the same use case as the ``complianceReport`` query. Clients fetch it
from the gateway at the same path (``gateway/reports.ts`` forwards it here, keeping the status,
``content-type`` and ``content-disposition`` of these answers).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import Response

from libs.auth.verifier import InvalidToken
from libs.graphql.context import bearer_token
from libs.runtime import ServiceRuntime
from services.alarms import handlers
from services.alarms.domain import (
    AlarmNotFound,
    ComplianceRow,
    InvalidPeriod,
    NotPermitted,
)
from services.alarms.settings import AlarmsSettings

__all__ = ["COLUMNS", "compliance_csv", "reports_router"]

COLUMNS = (
    "date",
    "intervention_id",
    "planned",
    "on_time",
    "outside_window",
    "missed",
    "pending",
    "deviating_not_done",
    "deviating_not_home",
    "deviating_declined",
    "alarms_raised",
    "acknowledged_in_time",
    "median_seconds_to_acknowledge",
    "retrospective",
)


def compliance_csv(rows: Sequence[ComplianceRow]) -> str:
    """One line per day and intervention; the last line (``TOTAL``) is the whole period.

    New columns go at the end, so a spreadsheet reading columns by position keeps working."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.day.isoformat() if row.day else "TOTAL",
                row.intervention_id or "",
                row.planned,
                row.on_time,
                row.outside_window,
                row.missed,
                row.pending,
                row.deviating.get("NOT_DONE", 0),
                row.deviating.get("NOT_HOME", 0),
                row.deviating.get("DECLINED", 0),
                row.alarms_raised,
                row.acknowledged_within,
                ""
                if row.median_seconds_to_acknowledge is None
                else row.median_seconds_to_acknowledge,
                row.retrospective,
            ]
        )
    return out.getvalue()


def reports_router(*, runtime: ServiceRuntime, settings: AlarmsSettings) -> APIRouter:
    router = APIRouter(prefix="/reports")

    @router.get("/compliance.csv")
    async def compliance(
        unit_id: Annotated[str, Query(alias="unitId", min_length=1, max_length=64)],
        start: Annotated[date, Query(alias="from")],
        end: Annotated[date, Query(alias="to")],
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        token = bearer_token(authorization)
        if token is None:
            raise HTTPException(401, "sign in first: no bearer token")
        try:
            principal = await runtime.verifier.verify(token)
        except InvalidToken as error:
            raise HTTPException(401, "the access token is not valid") from error
        try:
            async with runtime.unit_of_work() as uow:
                rows = await handlers.compliance_report(
                    uow,
                    principal=principal,
                    unit_id=unit_id,
                    start=start,
                    end=end,
                    settings=settings,
                )
        except AlarmNotFound as error:
            raise HTTPException(404, error.message) from error
        except NotPermitted as error:
            raise HTTPException(403, error.message) from error
        except InvalidPeriod as error:
            raise HTTPException(400, error.message) from error
        filename = f"compliance-{unit_id}-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(
            compliance_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "content-disposition": f'attachment; filename="{filename}"',
                "cache-control": "no-store",
            },
        )

    return router
