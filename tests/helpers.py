"""Running the CLI in-process, the way users see it."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from actkit.cli import app


def run(*args: str, input: str | None = None, **kwargs: Any) -> Any:
    """Invoke ``actkit ARGS``; unexpected exceptions propagate (they are bugs)."""
    runner = CliRunner()
    return runner.invoke(app, list(args), input=input, catch_exceptions=False, **kwargs)
