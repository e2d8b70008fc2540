"""How this repository runs its Hive Gateway: the one command ``make dev``, the tests and the
benchmarks start it with, on the JavaScript runtime ``gateway/package.json`` pins."""

from __future__ import annotations

import os
from pathlib import Path

GATEWAY_DIR = Path(__file__).resolve().parent.parent / "gateway"
CONFIG = GATEWAY_DIR / "gateway.config.ts"
_CLI = GATEWAY_DIR / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"

# SIGNA_GATEWAY_RUNTIME names another runtime's executable, to compare runtimes on the same
# config, plugins and supergraph (bench/gateway.py --runtime).
RUNTIME_VARIABLE = "SIGNA_GATEWAY_RUNTIME"


def gateway_runtime() -> str:
    """The executable the gateway runs on."""
    return os.environ.get(RUNTIME_VARIABLE) or "node"


def gateway_argv() -> list[str]:
    """``hive-gateway supergraph -c gateway.config.ts`` on the gateway's runtime; the
    supergraph, port and the rest come from the environment (gateway/README.md)."""
    return [gateway_runtime(), str(_CLI), "supergraph", "-c", str(CONFIG)]
