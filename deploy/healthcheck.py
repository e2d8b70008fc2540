"""Container health probe for `signa serve <service>` (the slim image has no curl).

    python /opt/signa/healthcheck.py [/healthz|/readyz]

Finds which service this container serves from the process table, takes its port from
SIGNA_<SERVICE>_PORT (or the default) and exits 0 on HTTP 200, 1 otherwise. A container
that runs anything else (`signa migrate ...`, `signa admin ...`) counts as healthy.
"""

import os
import sys
import urllib.request
from pathlib import Path

DEFAULT_PORTS = {"identity": 8101, "interventions": 8102, "signing": 8103, "alarms": 8104}


def served_service() -> str | None:
    # PID 1 first (the usual case); then any process, for `init: true` / tini as PID 1.
    for cmdline in [Path("/proc/1/cmdline"), *Path("/proc").glob("[0-9]*/cmdline")]:
        try:
            args = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        for index, arg in enumerate(args[:-1]):
            if arg == "serve" and args[index + 1] in DEFAULT_PORTS:
                return args[index + 1]
    return None


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
    service = served_service()
    if service is None:
        return 0
    port = os.environ.get(f"SIGNA_{service.upper()}_PORT", str(DEFAULT_PORTS[service]))
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:
            return 0 if response.status == 200 else 1
    except Exception:
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
