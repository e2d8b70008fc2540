"""The service shell: health, readiness, metrics, and the correlation id from HTTP to events."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from libs.graphql.context import ServiceContext
from libs.graphql.errors import ClientError
from libs.graphql.schema import build_schema
from libs.runtime import ServiceDefinition, ServiceRuntime
from libs.settings import ServiceSettings
from libs.web import create_service_app
from tests.foundation.conftest import INFRA, TOPIC, Counted, metadata
from tests.support.servers import serve


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def count(self, info: Info[ServiceContext, None], counter_id: str) -> bool:
        async with info.context.unit_of_work() as uow:
            await uow.emit(Counted(counter_id=counter_id, amount=1))
            await uow.commit()
        return True


async def test_health_metrics_and_correlation_id_reaching_the_outbox(
    counting_db, common_settings, http
):
    settings = ServiceSettings(
        database_url=counting_db, port=1, common=common_settings, migrate_on_start=False
    )
    runtime = ServiceRuntime(
        definition=ServiceDefinition(
            name="counting",
            metadata=metadata,
            tables=INFRA,
            migrations_dir=Path("unused"),
            publishes=[TOPIC],
        ),
        settings=settings,
    )
    app = create_service_app(
        runtime=runtime, schema=build_schema(query=Query, mutation=Mutation, settings=settings)
    )
    async with serve(app) as url:
        health = await http.get(f"{url}/healthz")
        ready = await http.get(f"{url}/readyz")
        counted = await http.post(
            f"{url}/graphql",
            json={"query": 'mutation { count(counterId: "c1") }'},
            headers={"x-request-id": "phone-7f3a"},
        )
        anonymous = await http.post(f"{url}/graphql", json={"query": "{ ping }"})
        # PostgreSQL cannot store a NUL character: refused as the caller's mistake, changing
        # nothing (it reached the database and came back as an internal error).
        nul_refusals = [
            await http.post(f"{url}/graphql", json=body)
            for body in (
                {
                    "query": "mutation($c: String!) { count(counterId: $c) }",
                    "variables": {"c": "c\x00"},
                },
                {"query": 'mutation { count(counterId: "c\\u0000") }'},
            )
        ]
        metrics = await http.get(f"{url}/metrics")

        # A loop the service needs dies: the process is up but useless, and says so.
        async def broken_loop() -> None:
            raise RuntimeError("a bug in a loop")

        loop_task = asyncio.create_task(broken_loop(), name="counting-loop")
        runtime.watch(loop_task)
        with contextlib.suppress(RuntimeError):
            await loop_task
        await asyncio.sleep(0)  # its done-callbacks run on the loop's next turn
        dead = await http.get(f"{url}/healthz")
        async with runtime.sessions() as session:
            stored = (
                await session.execute(select(INFRA.messaging.outbox.c.correlation_id))
            ).scalar_one()

    assert health.json() == {"status": "ok", "service": "counting"}
    assert dead.status_code == 503
    assert dead.json() == {"status": "dead", "service": "counting", "tasks": ["counting-loop"]}
    assert ready.json() == {"ready": True, "database": True, "broker": True}
    assert counted.json() == {"data": {"count": True}}
    assert counted.headers["x-request-id"] == "phone-7f3a"
    assert len(anonymous.headers["x-request-id"]) == 32  # one is made when none is given
    for refused in nul_refusals:
        assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["BAD_USER_INPUT"]
    assert stored == "phone-7f3a"
    assert 'signa_http_request_seconds_count{path="/graphql",service="counting",status="200"}' in (
        metrics.text
    )


@strawberry.type
class Nest:
    @strawberry.field
    def child(self) -> Nest:
        return Nest()

    value: int = 1


@strawberry.type
class NestQuery:
    @strawberry.field
    def nest(self) -> Nest:
        return Nest()


async def test_depth_and_alias_limits_hold_on_every_request_not_just_the_first(common_settings):
    settings = ServiceSettings(
        database_url="sqlite+aiosqlite://", port=1, common=common_settings, graphql_max_depth=5
    )
    schema = build_schema(query=NestQuery, settings=settings)
    deep = "{ nest { " + "child { " * 8 + "value" + " }" * 8 + " } }"
    aliases = "{ " + " ".join(f"a{i}: nest {{ value }}" for i in range(40)) + " }"
    shallow = "{ nest { child { value } } }"
    for _ in range(3):  # the second and third come from the validation cache
        assert (await schema.execute(deep)).errors
        assert (await schema.execute(aliases)).errors
        assert not (await schema.execute(shallow)).errors


@strawberry.type
class FailingQuery:
    @strawberry.field
    def broken(self) -> int:
        raise RuntimeError("connection string with a password in it")

    @strawberry.field
    def refused(self) -> int:
        raise ClientError("not like that")

    @strawberry.field
    def value(self) -> int:
        return 1


async def test_token_limit_introspection_and_error_codes_hold_on_every_request(common_settings):
    production = common_settings.model_copy(update={"production": True})
    settings = ServiceSettings(
        database_url="sqlite+aiosqlite://", port=1, common=production, graphql_max_tokens=100
    )
    schema = build_schema(query=FailingQuery, settings=settings)
    too_long = "{ " + "value " * 120 + "}"
    for _ in range(2):  # the second comes from the parse and validation caches
        long_errors = (await schema.execute(too_long)).errors
        assert long_errors
        assert "tokens" in long_errors[0].message
        introspection = (await schema.execute("{ __schema { types { name } } }")).errors
        assert introspection
        assert introspection[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
        broken = (await schema.execute("{ broken }")).errors
        assert broken
        assert broken[0].message == "Unexpected error."
        assert broken[0].extensions == {"code": "INTERNAL_SERVER_ERROR"}
        refused = (await schema.execute("{ refused }")).errors
        assert refused
        assert refused[0].message == "not like that"
        assert refused[0].extensions == {"code": "BAD_REQUEST"}
        assert (await schema.execute("{ value }")).data == {"value": 1}
