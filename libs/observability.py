"""Structured logs, the correlation id that follows a request through events, and metrics.

The correlation id comes from the ``x-request-id`` header (the gateway sets one) or is made
here; it is written into every event a request causes (``ce_correlationid``) and restored when
a consumer handles that event, so one log search follows a signature from phone to alarm.
Logs carry ids only, never names or other personal details.
"""

from __future__ import annotations

import logging
import sys
import uuid
from contextvars import ContextVar

import structlog
from prometheus_client import Counter, Histogram

__all__ = [
    "EVENTS_CONSUMED",
    "EVENTS_DEAD_LETTERED",
    "EVENTS_PUBLISHED",
    "HTTP_REQUESTS",
    "RELAY_LAG",
    "configure_logging",
    "correlation_id",
    "get_logger",
    "new_correlation_id",
]

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def _add_correlation_id(
    _logger: object, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    value = correlation_id.get()
    if value is not None:
        event_dict.setdefault("correlation_id", value)
    return event_dict


def configure_logging(*, service: str, level: str = "INFO", json: bool = True) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_correlation_id,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger


HTTP_REQUESTS = Histogram(
    "signa_http_request_seconds", "HTTP request duration", ["service", "path", "status"]
)
EVENTS_PUBLISHED = Counter("signa_events_published_total", "Events published", ["service", "topic"])
EVENTS_CONSUMED = Counter(
    "signa_events_consumed_total", "Events handled by a consumer", ["consumer", "outcome"]
)
EVENTS_DEAD_LETTERED = Counter(
    "signa_events_dead_lettered_total", "Events sent to a dead-letter topic", ["consumer"]
)
RELAY_LAG = Histogram(
    "signa_outbox_relay_lag_seconds",
    "Time from outbox commit to broker acknowledgement",
    ["service"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
