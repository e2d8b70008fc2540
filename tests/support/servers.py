"""Running a service's FastAPI app on a real port inside the test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from libs.devstack.broker import find_free_port
from libs.settings import CommonSettings
from libs.web import server_config


@asynccontextmanager
async def serve(app: FastAPI, *, port: int | None = None) -> AsyncIterator[str]:
    """Start ``app`` (lifespan included) on 127.0.0.1 and yield its base URL."""
    port = port or find_free_port()
    config = server_config(
        app,
        host="127.0.0.1",
        port=port,
        keep_alive_seconds=CommonSettings().http_keep_alive_seconds,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=20)
