"""The signing service as the benchmark runs it: its own OS process, keys from a JWKS file.

    .venv/bin/python bench/signing_server.py JWKS_FILE

Settings come from the environment (``SIGNA_SIGNING_*``, ``SIGNA_*``) as in production; only
the token keys are read from a file instead of identity's JWKS endpoint, so no identity
service is needed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn

from libs.auth.verifier import StaticKeySource
from libs.observability import configure_logging
from libs.settings import load_settings
from libs.web import server_config
from services.signing.app import create_app
from services.signing.settings import SigningSettings


def main() -> None:
    keys = StaticKeySource(json.loads(Path(sys.argv[1]).read_text()))
    settings = load_settings(SigningSettings)
    configure_logging(service="signing", level="WARNING", json=True)
    app = create_app(settings, keys=keys)
    config = server_config(
        app,
        host=settings.host,
        port=settings.port,
        keep_alive_seconds=settings.common.http_keep_alive_seconds,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    profile_to = os.environ.get("SIGNA_BENCH_PROFILE")
    if profile_to:
        # Where the server's time goes: `python -m pstats FILE` after the run.
        # uvicorn re-raises SIGTERM after its graceful shutdown; this handler then saves.
        import cProfile
        import signal

        profiler = cProfile.Profile()
        target: str = profile_to

        def save(*_: object) -> None:
            profiler.disable()
            profiler.dump_stats(target)
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, save)
        profiler.enable()
        main()
    else:
        main()
