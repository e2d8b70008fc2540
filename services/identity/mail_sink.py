"""A local SMTP server that keeps every message as a ``.eml`` file (dev stack and tests).

Nothing leaves the machine: ``make dev`` points identity at it so activation links can be
followed from ``.signa/mail/`` or from the log line it prints.
"""

from __future__ import annotations

import re
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller

from libs.observability import get_logger

__all__ = ["MailSink", "first_link"]

log = get_logger(__name__)

_LINK = re.compile(r"https?://\S+")


def first_link(text: str) -> str | None:
    match = _LINK.search(text)
    return match.group(0) if match else None


class _Handler:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        name = f"{uuid.uuid4().hex}.eml"
        (self._directory / name).write_bytes(content)
        message = message_from_bytes(content, policy=policy.default)
        body = message.get_body(("plain",)) if isinstance(message, EmailMessage) else None
        link = first_link(body.get_content() if body is not None else "")
        log.info("mail received", file=name, link=link)
        return "250 Message accepted for delivery"


class MailSink:
    """``with MailSink(directory, port):`` — an SMTP server on 127.0.0.1 writing .eml files."""

    def __init__(self, directory: Path, port: int = 8025, *, host: str = "127.0.0.1") -> None:
        self.directory = Path(directory)
        self.port = port
        self.host = host
        self.directory.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(_Handler(self.directory), hostname=host, port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def messages(self) -> list[EmailMessage]:
        """Every message received so far, oldest first."""
        files = sorted(self.directory.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
        parsed = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]
        return [message for message in parsed if isinstance(message, EmailMessage)]
