"""``signa``: the command line for operators and developers.

signa serve <service>            run one service (uvicorn, settings from the environment)
signa migrate <service>          upgrade the service's database to the newest revision
signa revision <service> -m MSG  autogenerate a migration from the service's tables
signa sdl <service>              print the service's subgraph SDL (for composition in CI)
signa admin create --username U --email E   the first system administrator
signa dev                        the whole local stack (what ``make dev`` runs)
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from libs.settings import ConfigurationError, ServiceSettings, load_settings
from services.gateway import GATEWAY_DIR

SERVICES = ("identity", "interventions", "signing", "alarms")
WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def _app_module(service: str) -> ModuleType:
    return importlib.import_module(f"services.{service}.app")


def _settings_of(service: str) -> ServiceSettings:
    module = importlib.import_module(f"services.{service}.settings")
    settings_class: type[ServiceSettings] = getattr(module, f"{service.capitalize()}Settings")
    return load_settings(settings_class)


def _serve(service: str) -> None:
    import uvicorn

    from libs.observability import configure_logging
    from libs.web import server_config

    settings = _settings_of(service)
    configure_logging(
        service=service, level=settings.common.log_level, json=settings.common.log_json
    )
    app = _app_module(service).create_app(settings)
    config = server_config(
        app,
        host=settings.host,
        port=settings.port,
        keep_alive_seconds=settings.common.http_keep_alive_seconds,
    )
    uvicorn.Server(config).run()


def _migrate(service: str) -> None:
    from libs.migrations import upgrade_sync

    definition = _app_module(service).DEFINITION
    upgrade_sync(definition.migrations_dir, _settings_of(service).database_url, definition.metadata)


def _revision(service: str, message: str) -> None:
    from libs.migrations import make_revision, upgrade_sync

    definition = _app_module(service).DEFINITION
    scratch = Path(".signa") / f"revision-{service}.db"
    scratch.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{scratch}"
    upgrade_sync(definition.migrations_dir, url, definition.metadata)
    make_revision(definition.migrations_dir, url, definition.metadata, message)
    scratch.unlink(missing_ok=True)


def _sdl(service: str) -> None:
    schema = _app_module(service).build_service_schema(_settings_of(service))
    print(schema.as_str())


def subgraph_urls() -> dict[str, str]:
    """Where the gateway reaches each subgraph, from each service's host and port settings."""
    urls = {}
    for service in SERVICES:
        settings = _settings_of(service)
        urls[service] = f"http://{settings.host}:{settings.port}/graphql"
    return urls


def compose(
    *, out: Path, urls: dict[str, str], check: bool = False, public_out: Path | None = None
) -> int:
    """Compose the supergraph from SDL exported in-process (no servers needed).

    With ``public_out``, also the public schema the front ends' types are generated from.
    """
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as sdl_dir:
        for service in SERVICES:
            schema = _app_module(service).build_service_schema(_settings_of(service))
            (Path(sdl_dir) / f"{service}.graphql").write_text(schema.as_str() + "\n")
        argv = ["node", str(GATEWAY_DIR / "compose.mjs"), "--sdl-dir", sdl_dir, "--out", str(out)]
        if public_out is not None:
            argv += ["--public-out", str(public_out)]
        env = {**os.environ, "SIGNA_SUBGRAPHS": ",".join(f"{k}={v}" for k, v in urls.items())}
        return subprocess.run([*argv, *(["--check"] if check else [])], env=env).returncode  # noqa: S603


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="signa", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "migrate", "sdl"):
        commands.add_parser(name).add_argument("service", choices=SERVICES)
    revision = commands.add_parser("revision")
    revision.add_argument("service", choices=SERVICES)
    revision.add_argument("-m", "--message", required=True)
    admin = commands.add_parser("admin").add_subparsers(dest="admin_command", required=True)
    create = admin.add_parser("create")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="Systemförvaltare")
    composing = commands.add_parser("compose")
    composing.add_argument("--check", action="store_true")
    composing.add_argument("--out", type=Path, default=GATEWAY_DIR / "supergraph.graphql")
    commands.add_parser("dev")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            _serve(args.service)
        elif args.command == "migrate":
            _migrate(args.service)
        elif args.command == "revision":
            _revision(args.service, args.message)
        elif args.command == "sdl":
            _sdl(args.service)
        elif args.command == "compose":
            raise SystemExit(
                compose(
                    out=args.out,
                    urls=subgraph_urls(),
                    check=args.check,
                    public_out=WEB_DIR / "schema.graphql",
                )
            )
        elif args.command == "admin":
            from services.identity.bootstrap import create_first_admin

            asyncio.run(
                create_first_admin(username=args.username, email=args.email, name=args.name)
            )
        elif args.command == "dev":
            from services.devstack import run_dev_stack

            run_dev_stack()
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
