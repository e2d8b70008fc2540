"""Follow-up notes of alarms and deviation reports, loaded for a whole response in one query."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from services.alarms import repository
from services.alarms.graphql.context import Info
from services.alarms.tables import FollowUpNoteRow

__all__ = ["ALARM", "DEVIATION", "notes_of"]

ALARM = "alarm"
DEVIATION = "deviation"


async def notes_of(info: Info, *, kind: str, subject_id: str) -> list[FollowUpNoteRow]:
    """The notes on one alarm or deviation report, oldest first; batched per request."""
    context = info.context
    if context.follow_up_notes is None:

        async def load(keys: Sequence[tuple[str, str]]) -> list[list[FollowUpNoteRow]]:
            async with context.sessions() as session:
                rows = await repository.follow_up_notes(
                    session,
                    alarm_ids=[key for kind, key in keys if kind == ALARM],
                    deviation_ids=[key for kind, key in keys if kind == DEVIATION],
                )
            found: dict[tuple[str, str], list[FollowUpNoteRow]] = {key: [] for key in keys}
            for row in rows:
                if row.alarm_id is not None:
                    found.setdefault((ALARM, row.alarm_id), []).append(row)
                if row.deviation_id is not None:
                    found.setdefault((DEVIATION, row.deviation_id), []).append(row)
            return [found[key] for key in keys]

        context.follow_up_notes = DataLoader(load_fn=load)
    notes: list[FollowUpNoteRow] = await context.follow_up_notes.load((kind, subject_id))
    return notes
