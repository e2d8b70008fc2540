"""Bad configuration stops a process at start with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from libs.settings import ConfigurationError, load_settings
from services.signing.settings import SigningSettings


def test_wrong_values_are_named_by_their_environment_variable(monkeypatch):
    monkeypatch.setenv("SIGNA_SIGNING_PORT", "not-a-port")
    monkeypatch.setenv("SIGNA_SIGNING_DATABASE_URL", "mysql://nope")
    monkeypatch.setenv("SIGNA_KAFKA_BOOTSTRAP_SERVERS", "no-port-here")
    monkeypatch.setenv("SIGNA_KAFKA_TOPIC_RETENTION_MS", "60000")  # a minute: too short
    with pytest.raises(ConfigurationError) as raised:
        load_settings(SigningSettings)
    message = str(raised.value)
    assert "SIGNA_SIGNING_PORT" in message
    assert "SIGNA_SIGNING_DATABASE_URL" in message
    assert "SIGNA_KAFKA_BOOTSTRAP_SERVERS" in message
    assert "SIGNA_KAFKA_TOPIC_RETENTION_MS" in message


def test_valid_environment_is_read_with_service_and_common_prefixes(monkeypatch):
    monkeypatch.setenv("SIGNA_SIGNING_PORT", "9999")
    monkeypatch.setenv("SIGNA_PRODUCTION", "true")
    monkeypatch.setenv("SIGNA_KAFKA_TOPIC_RETENTION_MS", "2592000000")
    settings = load_settings(SigningSettings)
    assert settings.port == 9999
    assert settings.common.production is True
    assert settings.common.kafka_topic_retention_ms == 30 * 86_400_000
    monkeypatch.delenv("SIGNA_KAFKA_TOPIC_RETENTION_MS")
    assert load_settings(SigningSettings).common.kafka_topic_retention_ms == -1  # kept


def test_a_service_refuses_to_start_on_bad_configuration():
    env = {**os.environ, "SIGNA_SIGNING_PORT": "70000"}
    started = subprocess.run(
        [sys.executable, "-m", "services.cli", "serve", "signing"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2
    assert "SIGNA_SIGNING_PORT" in started.stderr
    assert "Traceback" not in started.stderr
