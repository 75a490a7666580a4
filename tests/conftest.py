"""Test isolation: no test touches the internet or the user's real cache and config.

Every test gets its own ``ACTKIT_HOME`` and service URLs that point at a closed local port,
so a test that forgets to start a fake server fails fast instead of calling the real APIs.
Tests that need the services start ``pytest-httpserver`` and point the
``ACTKIT_POSTCODES_API`` / ``ACTKIT_MEMBERS_API`` variables at it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Speed is measured in benchmarks/, never asserted: a property test on a loaded machine
# must not fail for taking longer than Hypothesis's default 200 ms an example.
settings.register_profile("actkit", deadline=None)
settings.load_profile("actkit")

# The local test servers log every request; that is noise in test output.
logging.getLogger("werkzeug").setLevel(logging.ERROR)

CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens, connection refused


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "actkit-home"
    monkeypatch.setenv("ACTKIT_HOME", str(home))
    monkeypatch.setenv("ACTKIT_POSTCODES_API", CLOSED_PORT_URL)
    monkeypatch.setenv("ACTKIT_MEMBERS_API", CLOSED_PORT_URL)
    for devolved in ("SCOTTISH_PARLIAMENT", "SENEDD", "NI_ASSEMBLY"):
        monkeypatch.setenv(f"ACTKIT_{devolved}_API", CLOSED_PORT_URL)
    monkeypatch.delenv("ACTKIT_CAMPAIGN", raising=False)
    # Rich and Typer must not add colour codes to output that tests compare.
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    yield home


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep retry behaviour but not the sleeps between attempts."""
    monkeypatch.setattr("actkit.http.BACKOFF_FACTOR", 0.0)


@pytest.fixture
def services(httpserver: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Fake postcodes.io and Members API on a real local HTTP server."""
    from tests.fakes import FakeServices

    fake = FakeServices(httpserver)
    monkeypatch.setenv("ACTKIT_POSTCODES_API", fake.url)
    monkeypatch.setenv("ACTKIT_MEMBERS_API", fake.url)
    return fake
