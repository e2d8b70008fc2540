"""The compliance CSV at the gateway's origin: forwarded to alarms (gateway/reports.ts)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from libs.auth.principal import Role
from libs.clock import FakeClock
from libs.devstack.broker import find_free_port
from services.alarms.app import build_service_schema
from tests.alarms.conftest import T0, Unit, running_service
from tests.gateway.test_gateway_edge import EchoGateway, gateway_for_echo, hive_gateway

CSV = "/reports/compliance.csv"
SECURITY = ("content-security-policy", "referrer-policy", "x-content-type-options")


@pytest.fixture(scope="module")
async def reports(tmp_path_factory, tokens) -> AsyncIterator[EchoGateway]:
    """A gateway whose alarms subgraph echoes; it serves apps too, whose fallback must not
    answer for the CSV."""
    work = tmp_path_factory.mktemp("reports")
    web_dir = work / "web"
    web_dir.mkdir()
    (web_dir / "index.html").write_text("<!doctype html><title>phone</title>")
    async with gateway_for_echo(work, tokens, web_dir=web_dir, name="alarms") as gateway:
        yield gateway


def site(gateway: EchoGateway) -> str:
    return gateway.url.removesuffix("/graphql")


async def test_the_query_and_token_reach_alarms_and_its_csv_comes_back(reports, http, tokens):
    token = tokens.token("manager-1")
    query = "unitId=unit-1&from=2026-03-01&to=2026-03-31"
    response = await http.get(
        f"{site(reports)}{CSV}?{query}",
        headers={"authorization": f"Bearer {token}", "x-request-id": "report-7"},
    )
    assert response.status_code == 200
    assert response.text == f"Bearer {token}\r\n{query}\r\n"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="echo.csv"'
    assert response.headers["cache-control"] == "no-store"
    assert all(name in response.headers for name in SECURITY)
    # The subgraph's own headers stay behind.
    assert "set-cookie" not in response.headers
    assert "x-subgraph-only" not in response.headers


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_alarms_refusals_pass_through(reports, http, status):
    response = await http.get(f"{site(reports)}{CSV}", params={"status": status})
    assert response.status_code == status
    assert response.json() == {"detail": f"answered {status}"}
    assert response.headers["cache-control"] == "no-store"


async def test_only_a_get_of_the_compliance_csv_is_forwarded(reports, http):
    before = list(reports.subgraph.state.report_requests)
    for method in ("POST", "PUT", "DELETE", "HEAD"):
        response = await http.request(method, f"{site(reports)}{CSV}")
        assert response.status_code == 405, method
        assert response.headers["allow"] == "GET"
    for path in ("/reports/", "/reports/other.csv", "/reports/compliance", f"{CSV}/x"):
        response = await http.get(f"{site(reports)}{path}")
        assert response.status_code == 404, path
        assert "phone" not in response.text, path  # nor an app's page
    assert reports.subgraph.state.report_requests == before
    # Everything else is still the apps'.
    assert "phone" in (await http.get(f"{site(reports)}/rapporter")).text


async def test_a_proxy_failing_in_front_of_alarms_is_unavailable_with_retry_after(reports, http):
    response = await http.get(f"{site(reports)}{CSV}", params={"status": 502})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


async def test_alarms_out_of_reach_is_unavailable_with_retry_after(tmp_path, http, tokens):
    nobody_there = f"http://127.0.0.1:{find_free_port()}"
    async with gateway_for_echo(tmp_path, tokens, route_to=nobody_there, name="alarms") as gateway:
        response = await http.get(f"{site(gateway)}{CSV}", params={"unitId": "u"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["cache-control"] == "no-store"
    assert "alarms" in response.json()["detail"]


async def test_a_units_compliance_csv_comes_through_the_gateway_as_alarms_makes_it(
    tmp_path: Path, databases, common_settings, tokens, http
):
    """The real alarms service behind the real gateway: the CSV for a manager of the unit;
    another unit's manager and a caller without a token refused as alarms refuses them."""
    async with running_service(
        url=await databases.create("alarms"),
        common=common_settings,
        clock=FakeClock(T0),
        tokens=tokens,
        http=http,
    ) as alarms:
        unit = Unit(tokens=tokens)
        occurrence = unit.scheduled(T0 + timedelta(hours=2))
        await alarms.publish(occurrence)
        await alarms.wait_until_known(occurrence.occurrence_id)
        subgraphs = {
            "alarms": (build_service_schema(alarms.settings).as_str(), f"{alarms.url}/graphql")
        }
        async with hive_gateway(
            tmp_path, subgraphs=subgraphs, jwks_url=f"{alarms.url}/.well-known/jwks.json"
        ) as (url, _child):
            day = T0.date().isoformat()
            params = {"unitId": unit.unit_id, "from": day, "to": day}

            async def download(base: str, token: str | None):
                headers = {"authorization": f"Bearer {token}"} if token else {}
                return await http.get(f"{base}{CSV}", params=params, headers=headers)

            manager = unit.token(Role.UNIT_MANAGER)
            through = await download(url.removesuffix("/graphql"), manager)
            direct = await download(alarms.url, manager)
            stranger = await download(
                url.removesuffix("/graphql"), Unit(tokens=tokens).token(Role.UNIT_MANAGER)
            )
            anonymous = await download(url.removesuffix("/graphql"), None)
    assert through.status_code == 200, through.text
    assert through.text == direct.text
    assert through.headers["content-disposition"] == direct.headers["content-disposition"]
    assert through.headers["content-type"].startswith("text/csv")
    total = list(csv.DictReader(io.StringIO(through.text)))[-1]
    assert (total["date"], total["planned"]) == ("TOTAL", "1")
    assert stranger.status_code == 404
    assert anonymous.status_code == 401
