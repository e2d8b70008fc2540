"""The gateway serves the built front ends at the same origin as /graphql (gateway/web.ts)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.gateway.test_gateway_edge import gateway_for_echo

SCRIPT = "console.log('signa');\n" * 400  # over the size worth compressing


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built web/dist in miniature: the phone app at the root, the admin web under admin/."""
    root = tmp_path_factory.mktemp("web")
    (root / "assets").mkdir()
    (root / "admin" / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>phone</title>")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (root / "manifest.webmanifest").write_text('{"name": "Signa"}')
    (root / "assets" / "index-AbCd1234.js").write_text(SCRIPT)
    (root / "admin" / "index.html").write_text("<!doctype html><title>admin</title>")
    (root / "admin" / "assets" / "index-Zz9_8Yy7.css").write_text("body{}")
    (root.parent / "secret.txt").write_text("outside the web directory")
    return root


@pytest.fixture(scope="module")
async def site(tmp_path_factory, tokens, web_dir) -> AsyncIterator[str]:
    work = tmp_path_factory.mktemp("site")
    async with gateway_for_echo(work, tokens, web_dir=web_dir) as gateway:
        yield gateway.url.removesuffix("/graphql")


async def test_pages_carry_the_security_headers(site, http):
    response = await http.get(f"{site}/")
    csp = response.headers["content-security-policy"]
    assert response.status_code == 200
    assert "phone" in response.text
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "connect-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_hashed_assets_are_immutable_and_pages_are_revalidated(site, http):
    asset = await http.get(f"{site}/assets/index-AbCd1234.js")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-type"].startswith("text/javascript")
    assert "content-security-policy" in asset.headers
    for page in ("/", "/index.html", "/sw.js", "/manifest.webmanifest", "/admin/"):
        response = await http.get(f"{site}{page}")
        assert response.status_code == 200, page
        assert response.headers["cache-control"] == "no-cache", page


async def test_an_app_route_falls_back_to_its_apps_page(site, http):
    for route, app in (("/activate", "phone"), ("/vid-behov", "phone"), ("/admin/larm/7", "admin")):
        response = await http.get(f"{site}{route}")
        assert response.status_code == 200, route
        assert f"<title>{app}</title>" in response.text, route


async def test_a_missing_file_is_not_found(site, http):
    for path in ("/assets/index-gone1234.js", "/admin/assets/x.css", "/favicon.ico"):
        response = await http.get(f"{site}{path}")
        assert response.status_code == 404, path
        assert "phone" not in response.text


async def test_nothing_outside_the_web_directory_is_served(site):
    # Sent as typed: httpx would tidy the dots away.
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
        raw = await asyncio.to_thread(
            subprocess.run,
            ["curl", "-s", "--path-as-is", f"{site}{path}"],
            capture_output=True,
            text=True,
        )
        assert "outside the web directory" not in raw.stdout, path


async def test_graphql_and_the_probes_are_left_to_the_gateway(site, http):
    query = await http.get(f"{site}/graphql", params={"query": "{ requestId }"})
    assert query.json()["data"]["requestId"]
    assert (await http.get(f"{site}/healthcheck")).status_code == 200
    assert (await http.get(f"{site}/readiness")).status_code == 200


async def test_text_is_sent_compressed_to_a_browser_that_takes_brotli(site):
    async with httpx.AsyncClient() as raw:  # httpx without brotli leaves the body as sent
        response = await raw.get(
            f"{site}/assets/index-AbCd1234.js", headers={"accept-encoding": "br"}
        )
    assert response.headers["content-encoding"] == "br"
    assert response.headers["vary"] == "accept-encoding"
    assert len(response.content) < len(SCRIPT) / 10
    unpacked = await asyncio.to_thread(
        subprocess.run,
        [
            "node",
            "-e",
            "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(0)))",
        ],
        input=response.content,
        capture_output=True,
    )
    assert unpacked.stdout.decode() == SCRIPT
