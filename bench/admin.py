"""The admin web in a real Chromium against the whole stack: first-load size, the overview of a
unit with 1,000 open alarms, and live alarms while signatures come at 50 a second (then 25
and 10, to show where the live feed keeps up).

    .venv/bin/python bench/admin.py [--runs 3] [--rates 50 25 10] [--seconds 15]

Targets (WEB.md):
- the admin web's first load ≤ 250 KB of JavaScript, gzipped, and the charts (Chart.js) in a
  chunk of their own that only the report page loads;
- from navigation to the overview of a unit with 1,000 open alarms on screen ≤ 1.0 s;
- a live alarm in the DOM ≤ 1 s after the answer to the sign that raised it, at 50 signs/s.

What runs: the stack of the end-to-end tests (tests/e2e/stack.py: the four services in this
process on PostgreSQL, the real broker, the real Hive Gateway serving a copy of web/dist) and
Debian's Chromium driven by Playwright, a desktop window of 1280×900 with no throttling. The
unit's alarms come from real signatures: NOT_HOME, DECLINED or NOT_DONE, performed now, on
windows still ahead (each such signature raises OUTSIDE_WINDOW and DEVIATING; one on a window
open now raises DEVIATING only). The SoL-administrator's session is put into the browser's
IndexedDB once; every load of the overview restores it (one refreshSession) and reads its
figures and newest 20 alarms. A live alarm's lateness is taken at three places, all against
the wall clock of this machine: its raisedAt, its event's WebSocket frame reaching the page
and its row entering the DOM (a MutationObserver). Build the apps first: ``make web``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Run as a script (`python bench/admin.py`): the repository root is not on sys.path then.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from playwright.async_api import BrowserContext, Page, Request, async_playwright, expect

from bench.browser import (
    chromium,
    first_load_javascript,
    machine_load,
    report,
    sizes,
    web_stack,
)
from bench.load import at_fixed_rate, cpu_seconds, percentile
from tests.e2e.routine import Person, first_system_admin, sign_input, today_local
from tests.e2e.stack import Stack
from tests.support.graphql import GraphQLClient, GraphQLError
from tests.support.waiting import eventually
from tests.web.admin import open_admin
from tests.web.ward import SIGN, WORKLIST, Ward, fresh_ward

ALARMS = 1000
NEWEST = 20  # the overview's table of the newest open alarms
DEVIATING_STATUSES = ("NOT_HOME", "DECLINED", "NOT_DONE")
# Twelve windows a day (the most a schedule may have), each of 110 minutes, every two hours.
WINDOW_STARTS = [f"{hour:02d}:00" for hour in range(0, 24, 2)]
WINDOW_MINUTES = 110

CREATE = """mutation($i: CreateInterventionInput!) { createIntervention(input: $i) { id } }"""
CONFIRM = "mutation($id: ID!) { confirmPlanAnchoring(interventionId: $id) { state } }"
SYNC = """mutation($inputs: [SignInput!]!) { syncSignatures(inputs: $inputs)
  { occurrenceId signature { id } error { code message } } }"""
OVERVIEW = "query($u: ID!) { alarmOverview(unitId: $u) { open { total outsideWindow deviating } } }"
ALARM_PAGE = """query($u: ID!, $after: String) { alarms(unitId: $u, first: 100, after: $after)
  { nodes { id raisedAt occurrence { id } } pageInfo { hasNextPage endCursor } } }"""

# Records when the overview is first complete: the duty line states at least ALARMS alarms and
# the table has its rows. performance.now() counts from the navigation's start.
OVERVIEW_PROBE = f"""
new MutationObserver((records, watch) => {{
  const duty = document.querySelector('[data-testid=duty]');
  const total = duty ? parseInt(duty.textContent, 10) : 0;
  if (total >= {ALARMS} && document.querySelectorAll('tr[data-alarm-id]').length >= {NEWEST}) {{
    window.__overviewAt = performance.now();
    window.__duty = duty.textContent;
    watch.disconnect();
  }}
}}).observe(document, {{ subtree: true, childList: true, characterData: true }});
"""

# When each alarm event's WebSocket frame reached the page, in wall-clock milliseconds: the
# listener is added before graphql-ws sets its onmessage, so it runs first.
FRAME_PROBE = """
window.__frames = {};
window.__feedEnds = 0;
window.WebSocket = class extends WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', (message) => {
      const at = performance.timeOrigin + performance.now();
      const body = JSON.parse(message.data);
      const event = body.payload?.data?.alarmEvents;
      if (event) window.__frames[event.alarm.id] ??= at;
      if (body.type === 'error' || body.type === 'complete' || body.payload?.errors) {
        window.__feedEnds += 1;
      }
    });
  }
};
"""

# When each alarm's row first entered the DOM, in wall-clock milliseconds.
LIVE_PROBE = """() => {
  window.__rows = {};
  const note = (row) => {
    window.__rows[row.dataset.alarmId] ??= performance.timeOrigin + performance.now();
  };
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE) continue;
        if (node.matches('tr[data-alarm-id]')) note(node);
        node.querySelectorAll('tr[data-alarm-id]').forEach(note);
      }
    }
  }).observe(document.body, { subtree: true, childList: true });
}"""


async def create_intervention(sol_admin: Person, *, tenant_id: str, title: str) -> None:
    created = await sol_admin.client(
        CREATE,
        {
            "i": {
                "tenantId": tenant_id,
                "title": title,
                "category": "SOL",
                "instructions": "Tillsyn enligt genomförandeplanen.",
                "schedule": {"windowStarts": WINDOW_STARTS, "windowMinutes": WINDOW_MINUTES},
                "validFrom": today_local().isoformat(),
            }
        },
    )
    await sol_admin.client(CONFIRM, {"id": created["createIntervention"]["id"]})


async def seed_unit(stack: Stack, admin: Person, *, tenants: int, each: int) -> Ward:
    """A unit of ``tenants`` care recipients with ``each`` interventions of twelve windows a
    day: about 30 occurrences each over the three days scheduled ahead."""
    ward = await fresh_ward(stack, admin, "Larm")

    async def tenant(number: int) -> None:
        tenant_id = await ward.tenant(f"Hyresgäst {number:03d}")
        for k in range(each):
            await create_intervention(ward.sol_admin, tenant_id=tenant_id, title=f"Tillsyn {k + 1}")

    for batch in range(0, tenants, 4):
        await asyncio.gather(*(tenant(n) for n in range(batch, min(tenants, batch + 4))))
    return ward


async def unsigned_occurrences(ward: Ward, interventions: int) -> list[dict[str, Any]]:
    """Every occurrence of today and the two days scheduled ahead, once the last day has all
    of them (an intervention's days are scheduled together, a moment after its anchoring)."""
    days = [today_local() + timedelta(days=n) for n in range(3)]

    async def day(date: Any) -> list[dict[str, Any]]:
        rows = await ward.staff.client(WORKLIST, {"u": ward.unit_id, "d": date.isoformat()})
        listed: list[dict[str, Any]] = rows["worklist"]
        return listed

    async def complete() -> bool:
        return len(await day(days[-1])) >= interventions * len(WINDOW_STARTS)

    await eventually(complete, within=60, interval=0.5)
    return [row for date in days for row in await day(date)]


def alarms_raised(occurrence: dict[str, Any], now: datetime) -> int:
    """A deviating signature performed now: DEVIATING, and OUTSIDE_WINDOW if the window is
    still ahead."""
    return 2 if datetime.fromisoformat(occurrence["windowStart"]) > now else 1


async def sign_in_bulk(staff: Person, occurrences: list[dict[str, Any]]) -> None:
    """Sign them all as a phone's queue would, 200 a call; what signing has not heard of yet
    (the occurrences reach it through the broker) is sent again."""
    statuses = cycle(DEVIATING_STATUSES)
    inputs = [
        sign_input(o["id"], next(statuses), datetime.now(UTC), note="Hyresgästen var inte hemma.")
        for o in occurrences
    ]
    for _ in range(10):
        failed = []
        for batch in range(0, len(inputs), 200):
            answer = await staff.client(SYNC, {"inputs": inputs[batch : batch + 200]})
            failed += [
                item
                for item, result in zip(
                    inputs[batch : batch + 200], answer["syncSignatures"], strict=True
                )
                if result["error"] is not None
            ]
        if not failed:
            return
        inputs = failed
        await asyncio.sleep(1)
    raise RuntimeError(f"{len(inputs)} signatures were refused ten times")


async def open_alarms(ward: Ward) -> dict[str, int]:
    answer = await ward.manager.client(OVERVIEW, {"u": ward.unit_id})
    counts: dict[str, int] = answer["alarmOverview"]["open"]
    return counts


async def seed_alarms(ward: Ward, occurrences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sign enough of the occurrences for ALARMS open alarms; returns the others."""
    now, expected, used = datetime.now(UTC), 0, 0
    while expected < ALARMS:
        expected += alarms_raised(occurrences[used], now)
        used += 1
    await sign_in_bulk(ward.staff, occurrences[:used])

    async def raised() -> dict[str, int] | None:
        counts = await open_alarms(ward)
        return counts if counts["total"] >= ALARMS else None

    counts = await eventually(raised, within=60, interval=0.5)
    print(
        f"seeded: {used} signatures, {counts['total']} open alarms "
        f"({counts['outsideWindow']} OUTSIDE_WINDOW, {counts['deviating']} DEVIATING)"
    )
    return occurrences[used:]


async def timed_overview(page: Page, *, cold: bool) -> float:
    """Milliseconds from navigation start to the overview on screen (OVERVIEW_PROBE)."""
    if cold:
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Network.clearBrowserCache")
        await cdp.detach()
    await page.goto("/admin/", wait_until="commit")
    await page.wait_for_function("() => window.__overviewAt !== undefined", timeout=30_000)
    elapsed: float = await page.evaluate("window.__overviewAt")
    await page.wait_for_timeout(500)  # the page settles (its feed connects) before the next
    return elapsed


def graphql_operation(request: Request) -> str | None:
    """The operation's name, for a request to /graphql (GET or POST)."""
    address = urlsplit(request.url)
    if not address.path.endswith("/graphql"):
        return None
    if request.method == "GET":
        fields = {key: values[0] for key, values in parse_qs(address.query).items()}
    else:
        try:
            fields = request.post_data_json or {}
        except ValueError:
            return None
    named = re.search(r"(?:query|mutation)\s+(\w+)", fields.get("query", ""))
    return fields.get("operationName") or (named.group(1) if named else "(anonymous)")


async def overview_loads(page: Page, runs: int) -> None:
    operations: list[str] = []

    def note(request: Request) -> None:
        if (name := graphql_operation(request)) is not None:
            operations.append(name)

    page.on("request", note)
    cold = [await timed_overview(page, cold=True)]
    page.remove_listener("request", note)
    cold += [await timed_overview(page, cold=True) for _ in range(runs - 1)]
    warm = [await timed_overview(page, cold=False) for _ in range(runs)]
    duty = await page.evaluate("window.__duty")
    print(f"the duty line: {duty!r}; a load's GraphQL requests: {', '.join(operations)}")
    label = f"overview with ≥ {ALARMS} open alarms on screen (duty line and {NEWEST} rows)"
    report(f"{label}, cold (no HTTP cache)", cold, "≤ 1000 ms")
    report(f"{label}, warm (HTTP cache)", warm, "≤ 1000 ms")


async def clock_offset(page: Page) -> float:
    """The page's wall clock minus this process's, in ms, read over the shortest round trip."""
    best: tuple[float, float] | None = None
    for _ in range(10):
        before = time.time()
        theirs: float = await page.evaluate("performance.timeOrigin + performance.now()")
        after = time.time()
        if best is None or after - before < best[0]:
            best = (after - before, theirs - (before + after) / 2 * 1000)
    assert best is not None
    return best[1]


async def alarms_of_unit(ward: Ward) -> list[dict[str, Any]]:
    """Every alarm of the unit: id, occurrence, raisedAt."""
    found: list[dict[str, Any]] = []
    after = None
    await ward.manager.refresh()
    while True:
        answer = await ward.manager.client(ALARM_PAGE, {"u": ward.unit_id, "after": after})
        found += answer["alarms"]["nodes"]
        if not answer["alarms"]["pageInfo"]["hasNextPage"]:
            return found
        after = answer["alarms"]["pageInfo"]["endCursor"]


def gateway_pid() -> int:
    """The Hive Gateway this process started (the stack's child)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if parent == os.getpid() and b"hive-gateway" in command:
            return int(stat.parent.name)
    raise RuntimeError("the stack's gateway process was not found")


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"p50 {statistics.median(values):.0f} ms, p95 {percentile(values, 0.95):.0f} ms, "
        f"max {max(values):.0f} ms"
    )


async def drain(page: Page, expected: int) -> None:
    """Until ``expected`` more alarm events reached the page, or none came for 5 s (at most
    60 s): a feed that fell behind is given its time, and its lateness is measured."""
    count = "() => Object.keys(window.__frames).length"
    before = last = await page.evaluate(count)
    quiet = 0
    for _ in range(60):
        await page.wait_for_timeout(1_000)
        now = await page.evaluate(count)
        quiet = 0 if now > last else quiet + 1
        last = now
        if now - before >= expected or quiet >= 5:
            return


async def live_alarms(
    page: Page, ward: Ward, occurrences: list[dict[str, Any]], *, rate: float, seconds: float
) -> list[dict[str, Any]]:
    """Sign at ``rate`` a second with the overview open; returns the occurrences left."""
    count = int(rate * seconds)
    if len(occurrences) < count:
        raise SystemExit(f"only {len(occurrences)} occurrences left to sign, {count} wanted")
    todo, left = occurrences[:count], occurrences[count:]
    now = datetime.now(UTC)
    expected = sum(alarms_raised(o, now) for o in todo)
    await ward.staff.refresh()
    answered: dict[str, float] = {}  # occurrence id → when its sign's answer came, wall ms

    async def sign(n: int) -> bool:
        item = sign_input(todo[n]["id"], "NOT_HOME", datetime.now(UTC), note="Inte hemma.")
        try:
            await ward.staff.client(SIGN, {"i": item})
        except (GraphQLError, httpx.HTTPError):
            return False
        answered[todo[n]["id"]] = time.time() * 1000
        return True

    await expect(page.get_by_test_id("live")).to_have_text(re.compile("Uppdateras direkt"))
    offset = await clock_offset(page)
    processes = {"this process": os.getpid(), "the gateway": gateway_pid()}
    cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    signs, wall = await at_fixed_rate(sign, rate=rate, count=count, clients=20)
    busy = {name: (cpu_seconds(pid) - cpu_before[name]) / wall for name, pid in processes.items()}
    await drain(page, expected)
    rows: dict[str, float] = await page.evaluate("window.__rows")
    frames: dict[str, float] = await page.evaluate("window.__frames")
    ends: int = await page.evaluate("window.__feedEnds")

    ours = [
        (a, answered[a["occurrence"]["id"]])
        for a in await alarms_of_unit(ward)
        if a["occurrence"]["id"] in answered
    ]
    raised = [datetime.fromisoformat(a["raisedAt"]).timestamp() * 1000 - t for a, t in ours]
    framed = [frames[a["id"]] - offset - t for a, t in ours if a["id"] in frames]
    shown = [rows[a["id"]] - offset - t for a, t in ours if a["id"] in rows]
    print(
        f"signing at {rate:.0f}/s for {seconds:.0f} s, the overview open: {len(signs)} of "
        f"{count} answered, {len(signs) / wall:.1f}/s achieved, {len(ours)} alarms raised "
        f"({len(ours) / wall:.0f}/s); the sign's answer {spread([s * 1000 for s in signs])} "
        f"from when it was due; CPU: this process (the four services, the signing client) "
        f"{busy['this process']:.0%}, the gateway {busy['the gateway']:.0%}"
    )
    print(f"  sign's answer → alarm raised (its raisedAt): {spread(raised)}")
    print(
        f"  → its event at the page (WebSocket frame): {spread(framed)}; {len(framed)} of "
        f"{len(ours)} came, the feed ended {ends} time(s) meanwhile"
    )
    print(
        f"  → its row in the DOM: {spread(shown)}; {len(shown)} of {len(ours)} shown (the table "
        f"keeps the newest {NEWEST})   target ≤ 1000 ms (page clock − ours {offset:+.1f} ms)"
    )
    return left


async def charts_only_on_the_report(context: BrowserContext, page: Page) -> None:
    """A fresh load of the overview requests no charts chunk; the report page does."""
    scripts: list[Request] = []
    context.on("request", lambda r: scripts.append(r) if r.url.endswith(".js") else None)
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.clearBrowserCache")
    await cdp.detach()
    await page.goto("/admin/")
    await expect(page.locator("tr[data-alarm-id]").first).to_be_visible()
    overview = [r.url.rsplit("/", 1)[1] for r in scripts]
    wire = sum([(await r.sizes())["responseBodySize"] for r in scripts])
    await page.goto("/admin/rapport")
    await expect(page.locator(".charts canvas").first).to_be_visible()
    report_page = [r.url.rsplit("/", 1)[1] for r in scripts[len(overview) :]]
    print(
        f"scripts a fresh overview requested: {', '.join(overview)} ({wire / 1024:.1f} KB on "
        f"the wire); then the report page: {', '.join(report_page) or 'none'}"
    )
    if any(name.startswith("charts-") for name in overview):
        print("  FAILED: the overview loaded the charts")
    if not any(name.startswith("charts-") for name in report_page):
        print("  FAILED: the report page did not load the charts chunk")


async def measure(
    stack: Stack, gateway: GraphQLClient, *, runs: int, rates: list[float], seconds: float
) -> None:
    admin = await first_system_admin(stack, gateway)
    tenants, each = 22, 3
    ward = await seed_unit(stack, admin, tenants=tenants, each=each)
    occurrences = await unsigned_occurrences(ward, tenants * each)
    left = await seed_alarms(ward, occurrences)
    async with async_playwright() as p:
        browser = await chromium(p)
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="sv-SE", base_url=stack.base_url
        )
        await context.add_init_script(OVERVIEW_PROBE)
        await context.add_init_script(FRAME_PROBE)
        page = await context.new_page()
        await open_admin(page, ward.sol_admin)
        await overview_loads(page, runs)
        await page.evaluate(LIVE_PROBE)
        for each_rate in rates:
            left = await live_alarms(page, ward, left, rate=each_rate, seconds=seconds)
        await charts_only_on_the_report(context, page)
        await browser.close()


async def run(*, runs: int, rates: list[float], seconds: float) -> None:
    started = time.perf_counter()
    async with web_stack() as (stack, gateway, dist):
        raw, gz, files = first_load_javascript(dist, "admin")
        print(
            f"first-load JavaScript: {gz / 1024:.1f} KB gzipped ({raw / 1024:.1f} KB raw, "
            f"{', '.join(files)})   target ≤ 250 KB"
        )
        for chunk in (dist / "admin" / "assets").glob("charts-*.js"):
            name = f"/admin/assets/{chunk.name}"
            chunk_raw, chunk_gz = sizes(dist, [name])
            where = "FAILED: in the first load" if name in files else "not in the first load"
            print(
                f"  {name}: {chunk_gz / 1024:.1f} KB gzipped ({chunk_raw / 1024:.1f} raw), {where}"
            )
        await measure(stack, gateway, runs=runs, rates=rates, seconds=seconds)
    print(f"{machine_load()}; the whole run took {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--rates", type=float, nargs="+", default=[50, 25, 10], help="signs a second, a pass each"
    )
    parser.add_argument("--seconds", type=float, default=15)
    arguments = parser.parse_args()
    asyncio.run(run(runs=arguments.runs, rates=arguments.rates, seconds=arguments.seconds))


if __name__ == "__main__":
    main()
