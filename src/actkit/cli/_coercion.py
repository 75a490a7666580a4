"""Typer's parameter coercion without Pydantic for the values that need none.

From 0.29, Typer coerces every parameter of the command that runs through a Pydantic
``TypeAdapter``, built on first use, and builds it even for a parameter left at ``None``
(which it then passes through untouched). Importing Pydantic and building those adapters
is most of what a two-command hello-world Typer app costs over ``import typer``
(benchmarks/startup.py measures it), and actkit's commands take a dozen options each.

Most values need no coercion: an option the user did not give is ``None``, a flag is
already a ``bool`` (Typer skips those itself), text options get text, and a path is
``Path(text)`` once its checks pass. For those the
parameters below answer exactly as Typer would, with Typer's own ``None`` handling, and
for any other value (a number, a path, a choice, bytes) they hand over to the runtime
coercion Typer builds, so results and error messages stay Typer's. On a Typer without
this machinery (before 0.29, or a later redesign) nothing is changed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["defer_pydantic", "defer_pydantic_below"]

try:  # Typer 0.29+ (private, hence the guard: without it Typer is left as it is)
    from typer._coercion import RuntimeParam, build_runtime_param
except ImportError:  # pragma: no cover - older or redesigned Typer
    _FAST_PATH: type[Any] | None = None
else:

    @dataclass(frozen=True)
    class _PlainFirst(RuntimeParam):
        """Values that need no coercion pass through; others go to Typer's own coercion.

        ``None`` never reaches ``_coerce_value``: the inherited ``coerce`` answers it as
        Typer does (``None``, or ``()`` for a list), and refuses a lone string for a list.
        """

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            plain = _as_given(self.annotation, self.parameter_info, value)
            if plain is not _NEEDS_TYPER:
                return plain
            # Build Typer's coercion once, and let the parameter keep it from now on.
            runtime = build_runtime_param(param.type_descriptor)
            param._runtime_param = runtime
            return runtime.coerce(value, param=param, ctx=ctx)

    _FAST_PATH = _PlainFirst


_NEEDS_TYPER = object()


def _as_given(annotation: Any, info: Any, value: Any) -> Any:
    """What Typer's adapter would return for ``value``, where that is the value itself.

    Text for ``str``; a list of the texts for ``list[str]`` (Typer returns a list for a
    tuple of values too); a whole number for ``int`` inside its ``min`` and ``max`` (the
    defaults); a ``Path`` that passes its checks. Anything else (a number typed as text, a
    value out of range, a path refused, a choice) is ``_NEEDS_TYPER``: Typer coerces it,
    and words its errors.
    """
    if annotation is str:
        return value if type(value) is str else _NEEDS_TYPER
    if annotation == list[str]:
        if isinstance(value, (list, tuple)) and all(type(item) is str for item in value):
            return list(value)
        return _NEEDS_TYPER
    if annotation is int and type(value) is int and not info.clamp:
        low, high = info.min, info.max
        if (low is None or value >= low) and (high is None or value <= high):
            return value
    if annotation is Path and type(value) is str:
        return _path_as_given(Path(value), info)
    return _NEEDS_TYPER


def _path_as_given(path: Path, info: Any) -> Any:
    """``Path(text)`` where Typer's checks for a ``Path`` option would all pass.

    Typer turns the text into ``Path(text)`` (through Pydantic) and then checks it as
    declared; this makes the same checks and answers only when they pass, so that any
    refusal, and its wording, is Typer's own.
    """
    try:
        if info.path_type is not None or info.resolve_path:
            return _NEEDS_TYPER
        checks = (info.exists, info.file_okay, info.dir_okay, info.readable, info.writable)
    except AttributeError:  # pragma: no cover - a Typer with other path settings
        return _NEEDS_TYPER
    exists, file_okay, dir_okay, readable, writable = checks
    try:
        mode = path.stat().st_mode
    except OSError:
        return _NEEDS_TYPER if exists else path
    except ValueError:  # a NUL in the name: Typer's to answer
        return _NEEDS_TYPER
    if (
        (not file_okay and stat.S_ISREG(mode))
        or (not dir_okay and stat.S_ISDIR(mode))
        or (readable and not os.access(path, os.R_OK))
        or (writable and not os.access(path, os.W_OK))
    ):
        return _NEEDS_TYPER
    return path


def defer_pydantic(params: Iterable[Any]) -> None:
    """Give these parameters the plain-text fast path (a command's ``get_params(ctx)``)."""
    if _FAST_PATH is None:  # pragma: no cover - older or redesigned Typer
        return
    for param in params:
        _install(param, _FAST_PATH)


def defer_pydantic_below(commands: Iterable[Any], ctx: Any) -> None:
    """The fast path for these subcommands of the command running under ``ctx``, and theirs.

    Click makes each command's ``--help`` option on first use, from the help option names
    its context inherits from ``ctx``; it is made here, from the same names, so that it
    has the fast path too.
    """
    for command in commands:
        if "help_option_names" in (getattr(command, "context_settings", None) or {}):
            # Its own help option names: its option (and its subcommands') is left to Typer.
            defer_pydantic(getattr(command, "params", ()))
            continue
        defer_pydantic(command.get_params(ctx))
        subcommands = getattr(command, "commands", None)
        if subcommands:
            defer_pydantic_below(subcommands.values(), ctx)


def _install(param: Any, fast: type[Any]) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    # Only a parameter whose runtime coercion is still unbuilt, as Typer 0.29 leaves them.
    if descriptor is None or getattr(param, "_runtime_param", False) is not None:
        return
    if descriptor.parameter_info.parser is not None:
        return  # a custom parser must see every value
    param._runtime_param = fast(
        parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
    )
