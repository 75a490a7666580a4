"""The shape of the code: a thin CLI over a library that never needs it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "actkit"
LIBRARY = sorted(p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_modules_never_import_the_cli_framework(path: Path) -> None:
    assert not imported_modules(path) & {"typer", "click", "rich"}


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_only_the_http_module_imports_requests(path: Path) -> None:
    if path.name != "http.py":
        assert not imported_modules(path) & {"requests", "requests_cache", "urllib3"}


def test_the_library_works_without_typer_installed() -> None:
    probe = (
        "import sys; sys.modules['typer'] = None\n"
        "from actkit import find_mp, render_letter, plan_event, normalise_postcode\n"
        "print(normalise_postcode('nr21ab'))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stdout == "NR2 1AB\n"


COMMANDS = [
    [],
    ["lookup"],
    ["cache"],
    ["cache", "info"],
    ["cache", "clear"],
    ["data"],
    ["data", "info"],
    ["config"],
    ["config", "set"],
    ["config", "show"],
    ["config", "unset"],
    ["letter"],
    ["letter", "write"],
    ["letter", "batch"],
    ["templates"],
    ["templates", "list"],
    ["templates", "show"],
    ["facts"],
    ["facts", "list"],
    ["facts", "show"],
    ["init"],
    ["event"],
    ["event", "plan"],
    ["event", "kinds"],
    ["event", "export"],
    ["log"],
    ["log", "show"],
    ["log", "forget"],
    ["log", "export"],
    ["log", "path"],
    ["sent"],
    ["replied"],
    ["chase"],
    ["report"],
    ["serve"],
    ["supporters"],
    ["supporters", "export"],
    ["supporters", "clear"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "actkit")
def test_every_command_has_help_and_is_in_the_readme(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: actkit" in result.stdout
    readme = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"actkit {' '.join(command)}".strip() in readme
