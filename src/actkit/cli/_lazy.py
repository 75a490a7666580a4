"""A command tree built on demand: only the command that runs is imported and set up.

Typer builds a Click command (and, from Typer 0.29, Pydantic adapters for its parameters)
for every command it knows. actkit has dozens, and most runs use one, so the root group
knows each top-level command only by name, module and one line of help. The module is
imported, and its commands built, when the command is run or its own help is asked for;
the root ``--help`` lists the one-line helps without importing anything.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup

from actkit.cli._coercion import defer_pydantic, defer_pydantic_below

__all__ = ["LazyCommand", "LazyGroup"]


@dataclass(frozen=True)
class LazyCommand:
    module: str
    """The CLI module whose ``register(app)`` adds this command (and perhaps others)."""
    help: str
    """The one line shown in ``actkit --help``; a test keeps it equal to the command's."""


class LazyGroup(TyperGroup):
    # Contexts are typed Any: their class is Typer's vendored Click, which is private.
    """A root group that imports a command's module only when the command is needed."""

    entries: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in self.entries if name not in eager)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = self.entries.get(cmd_name)
        if entry is not None and cmd_name not in self.commands:
            if self._listing:
                return _summary(cmd_name, entry)
            loaded = _load(entry.module, self.rich_markup_mode)
            defer_pydantic_below(loaded.values(), ctx)
            self.commands.update(loaded)
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        defer_pydantic(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # Listing the commands needs only their one-line help, not the commands.
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def _load(module_name: str, markup_mode: Any) -> dict[str, Any]:
    """Every top-level command that ``module_name`` registers, built by Typer."""
    module = importlib.import_module(module_name)
    holder = typer.Typer(rich_markup_mode=markup_mode)
    module.register(holder)
    group = typer.main.get_group(holder)
    return dict(group.commands)


def _summary(name: str, entry: LazyCommand) -> Any:
    """A stand-in that only describes the command, for the root help's list."""
    return typer.core.TyperCommand(name=name, help=entry.help, short_help=entry.help)
