"""Bootstrap: the first system administrator from the command line, and the demo data."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from libs.database import create_engine
from services.identity.bootstrap import DEMO_UNIT_ID, create_first_admin, load_demo_data
from services.identity.tables import INFRASTRUCTURE, RoleAssignmentRow, UnitRow, UserRow
from tests.identity.conftest import TOKEN_IN_LINK


async def count_rows(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                table.name: await connection.scalar(select(func.count()).select_from(table))
                for table in (
                    UserRow.__table__,
                    UnitRow.__table__,
                    RoleAssignmentRow.__table__,
                    INFRASTRUCTURE.messaging.outbox,
                )
            }
    finally:
        await engine.dispose()


async def test_first_admin_gets_an_emailed_and_printed_activation_link_once(
    empty_identity_settings, mail_sink, capsys
):
    link = await create_first_admin(
        username="forvaltare",
        email="it@kommun.example.se",
        name="IT",
        settings=empty_identity_settings,
    )
    printed = capsys.readouterr().out
    assert link in printed
    assert link.startswith("http://signa.test/activate#token=")
    [mail] = mail_sink.messages()
    assert mail["To"] == "it@kommun.example.se"
    assert TOKEN_IN_LINK.search(mail.get_body(("plain",)).get_content()).group(1) in link

    before = await count_rows(empty_identity_settings.database_url)
    with pytest.raises(SystemExit, match="exists already"):
        await create_first_admin(
            username="Forvaltare", email="x@example.se", name="IT", settings=empty_identity_settings
        )
    assert await count_rows(empty_identity_settings.database_url) == before
    engine = create_engine(empty_identity_settings.database_url)
    async with engine.connect() as connection:
        roles = (
            await connection.execute(select(RoleAssignmentRow.role, RoleAssignmentRow.unit_id))
        ).all()
    await engine.dispose()
    assert [tuple(r) for r in roles] == [("SYSTEM_ADMIN", None)]


async def test_demo_data_is_loaded_once(empty_identity_settings):
    logins = await load_demo_data(empty_identity_settings)
    assert {login.role for login in logins} == {
        "SYSTEM_ADMIN",
        "UNIT_MANAGER",
        "SOL_ADMIN",
        "CARE_STAFF",
    }
    assert sum(login.role == "CARE_STAFF" for login in logins) == 2
    assert all(len(login.password) >= 12 for login in logins)
    first = await count_rows(empty_identity_settings.database_url)
    assert first["units"] == 1
    assert await load_demo_data(empty_identity_settings) == logins
    assert await count_rows(empty_identity_settings.database_url) == first
    engine = create_engine(empty_identity_settings.database_url)
    async with engine.connect() as connection:
        unit = (
            await connection.execute(select(UnitRow.name).where(UnitRow.id == DEMO_UNIT_ID))
        ).scalar()
    await engine.dispose()
    assert unit == "Solgläntan"
