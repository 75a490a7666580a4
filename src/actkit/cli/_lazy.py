"""A command tree built on demand: only the command that runs is imported and set up.

Typer builds a Click command (and, from Typer 0.29, Pydantic adapters for its parameters)
for every command it knows. actkit has dozens, and most runs use one, so the root group
knows each top-level command only by name, module and one line of help. The module is
imported, and its commands built, when the command is run or its own help is asked for;
the root ``--help`` lists the one-line helps without importing anything.

Building a command is itself work (Typer reads every parameter's annotations), so a run
builds only the top-level command it names and, when the next word names one of that
group's subcommands (``letter write``), only that subcommand; ``actkit letter --help`` or
a mistyped subcommand builds the whole group, for its listing and suggestions.
"""

from __future__ import annotations

import copy
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
        self._next_word: str | None = None
        self._built: dict[tuple[str, str | None], Any] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in self.entries if name not in eager)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = self.entries.get(cmd_name)
        if entry is None or cmd_name in self.commands:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            return _summary(cmd_name, entry)
        key = (cmd_name, self._next_word)
        if key not in self._built:
            loaded = _load(entry.module, self.rich_markup_mode, cmd_name, self._next_word)
            defer_pydantic_below(loaded.values(), ctx)
            self._built[key] = loaded.get(cmd_name)
        return self._built[key]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        # The word after the command's name, while it is being found: see ``_load``.
        self._next_word = args[1] if len(args) > 1 else None
        try:
            return super().resolve_command(ctx, args)
        finally:
            self._next_word = None

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # --help and the completion options, left unset, would cost Typer 0.29 a Pydantic
        # import to pass on None (cli/_coercion).
        defer_pydantic(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # Listing the commands needs only their one-line help, not the commands.
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def _load(
    module_name: str, markup_mode: Any, only: str | None = None, then: str | None = None
) -> dict[str, Any]:
    """The top-level commands that ``module_name`` registers, built by Typer: all of them,
    or just ``only``; of a group ``only``, just its subcommand ``then`` if it has one."""
    module = importlib.import_module(module_name)
    holder = typer.Typer(rich_markup_mode=markup_mode)
    module.register(holder)
    if only is not None:
        commands = [c for c in holder.registered_commands if c.name == only]
        groups = [_just(g, then) for g in holder.registered_groups if g.name == only]
        if commands or groups:  # else a name Typer derives itself: build them all
            holder.registered_commands, holder.registered_groups = commands, groups
    group = typer.main.get_group(holder)
    return dict(group.commands)


def _just(info: Any, name: str | None) -> Any:
    """A sub-app (Typer's ``TyperInfo``) with only its subcommand ``name``, if it has one."""
    app = info.typer_instance
    commands = [c for c in app.registered_commands if name is not None and c.name == name]
    groups = [g for g in app.registered_groups if name is not None and g.name == name]
    if not (commands or groups):
        return info
    lean = copy.copy(app)
    lean.registered_commands, lean.registered_groups = commands, groups
    info = copy.copy(info)
    info.typer_instance = lean
    return info


def _summary(name: str, entry: LazyCommand) -> Any:
    """A stand-in that only describes the command, for the root help's list."""
    return typer.core.TyperCommand(name=name, help=entry.help, short_help=entry.help)
