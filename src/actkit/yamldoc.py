"""YAML files written by people: parsed safely, with the line of every value kept, so each
problem can be reported as ``file:line: field: problem``.

Checklists and facts files travel between groups, so a hostile file (deep nesting, alias
bombs) is capped before validation starts, and every problem in a file is collected so
one run shows them all.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from actkit.errors import InvalidInput
from actkit.text import one_line

if TYPE_CHECKING:
    import yaml

Path = tuple[str | int, ...]
"""Where a value sits: ("tasks", 2, "offset") is the third task's offset."""

MAX_PROBLEMS_SHOWN = 20
MAX_NODES = 20_000

MAX_DEPTH = 30
URL = re.compile(r"^https?://[^\s<>\"'`]+$")


def field_name(path: Path) -> str:
    """("tasks", 2, "offset") -> "tasks[3].offset" (list positions count from 1)."""
    if not path:
        return "(file)"
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass(frozen=True)
class Document:
    """A parsed YAML document and the line on which every value starts."""

    name: str
    data: Any
    lines: dict[Path, int]

    def line(self, path: Path) -> int:
        # A missing field has no line of its own: report its parent's.
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


class _Composer:
    """Turn a composed YAML node tree into plain values, recording line numbers."""

    def __init__(self, name: str, first_line: int, error: type[InvalidInput]) -> None:
        self.name = name
        self.error = error
        self.offset = first_line - 1
        self.lines: dict[Path, int] = {}
        self.nodes = 0
        self.constructor = _yaml().constructor.SafeConstructor()

    def fail(self, path: Path, line: int, problem: str) -> InvalidInput:
        return self.error(f"{self.name}:{line}: {field_name(path)}: {problem}")

    def value(self, node: yaml.Node, path: Path) -> Any:
        line = node.start_mark.line + 1 + self.offset
        self.lines.setdefault(path, line)
        self.nodes += 1
        if self.nodes > MAX_NODES or len(path) > MAX_DEPTH:
            raise self.fail(path, line, "the file is too large or too deeply nested")
        if isinstance(node, _yaml().MappingNode):
            return self.mapping(node, path)
        if isinstance(node, _yaml().SequenceNode):
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node)
        except Exception:  # a tag with a bad value (`!!bool x`) fails any way
            raise self.fail(path, line, f"{node.value!r} is not a valid value") from None

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, _yaml().ScalarNode) else "?"
            key_path = (*path, key)
            line = key_node.start_mark.line + 1 + self.offset
            if key in result:
                raise self.fail(key_path, line, "duplicate field")
            self.lines[key_path] = line
            result[key] = self.value(value_node, key_path)
        return result


def _refuse_deep_nesting(text: str, name: str, offset: int, error: type[InvalidInput]) -> None:
    """PyYAML composes recursively: check the nesting with its (flat) event stream first,
    so a file nested hundreds of levels deep is a problem in the file, not a crash."""
    yaml = _yaml()
    depth = 0
    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = (event.start_mark.line + 1 if event.start_mark else 1) + offset
                raise error(f"{name}:{line}: (file): nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_document(
    text: str, name: str, *, first_line: int = 1, error: type[InvalidInput] = InvalidInput
) -> Document:
    """Parse YAML safely; ``first_line`` is the file line the text starts on, and problems
    raise ``error`` (a kind of ``InvalidInput``, so exit code 2).

    A document shipped with actkit was parsed when the wheel was built (``precompile``):
    the same text gives the same values and lines without loading the YAML parser.
    """
    built = _precompiled(text, first_line)
    if built is not None:
        return replace(built, name=name)
    yaml = _yaml()
    offset = first_line - 1
    try:
        _refuse_deep_nesting(text, name, offset, error)
        root = yaml.compose(text, Loader=_loader())
    except yaml.MarkedYAMLError as broken:
        mark = broken.problem_mark or broken.context_mark
        line = (mark.line + 1 if mark is not None else 1) + offset
        problem = broken.problem or broken.context or "cannot be read"
        raise error(f"{name}:{line}: (file): not valid YAML: {problem}") from None
    except yaml.YAMLError as unreadable:
        raise error(f"{name}:{first_line}: (file): not valid YAML: {unreadable}") from None
    if root is None:
        raise error(f"{name}:{first_line}: (file): the file is empty")
    composer = _Composer(name, first_line, error)
    data = composer.value(root, ())
    return Document(name, data, composer.lines)


def _yaml() -> Any:
    import yaml  # only for documents not parsed at build time (users' files, a checkout)

    return yaml


def _loader() -> Any:
    # libyaml's parser when PyYAML was built with it (its wheels are): the same nodes,
    # marks and errors as the pure-Python one, about thirty times faster.
    yaml = _yaml()
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --- Documents parsed at build time -----------------------------------------------------

PRECOMPILED = "_precompiled_yaml"
"""Folder beside this module in a built wheel (hatch_build.py fills it); none in a checkout."""
_FORMAT = 1
_DATE, _DATETIME = "\u0000date", "\u0000datetime"
"""Keys of the JSON objects standing for a date or a datetime (no YAML key starts so)."""


class NotPrecompilable(ValueError):
    """A value JSON cannot carry exactly: its document is parsed at run time instead."""


def precompile(documents: Iterable[tuple[str, int]], folder: FilePath) -> int:
    """Parse these (text, first line) documents as ``parse_document`` does and store them
    in ``folder``, one JSON file each; a document with a value JSON cannot carry exactly
    is left out. Returns how many were stored."""
    folder.mkdir(parents=True, exist_ok=True)
    stored = 0
    for text, first_line in documents:
        doc = parse_document(text, "(built-in)", first_line=first_line)
        try:
            data = _encode(doc.data)
        except NotPrecompilable:
            continue
        entry = {
            "format": _FORMAT,
            "text": text,
            "first_line": first_line,
            "data": data,
            "lines": [[list(path), line] for path, line in doc.lines.items()],
        }
        content = json.dumps(entry, ensure_ascii=False, allow_nan=False)
        (folder / _entry_name(text, first_line)).write_text(content, encoding="utf-8")
        stored += 1
    return stored


def _entry_name(text: str, first_line: int) -> str:
    # A checksum only finds the file: the text stored in it must match exactly.
    return f"{zlib.crc32(text.encode('utf-8')):08x}-{len(text)}-{first_line}.json"


def _precompiled(text: str, first_line: int) -> Document | None:
    """The document parsed at build time from exactly this text, if there is one."""
    path = _precompiled_folder() / _entry_name(text, first_line)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # not shipped: a campaign's file, a checkout, an editable install
    if (
        not isinstance(entry, dict)
        or entry.get("format") != _FORMAT
        or entry.get("text") != text
        or entry.get("first_line") != first_line
    ):
        return None
    lines = {tuple(path): line for path, line in entry["lines"]}
    return Document("", _decode(entry["data"]), lines)


def _precompiled_folder() -> FilePath:
    return FilePath(__file__).with_name(PRECOMPILED)


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        if any(not isinstance(key, str) or key.startswith("\u0000") for key in value):
            raise NotPrecompilable(repr(list(value)))
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dt.datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    if isinstance(value, float) and not math.isfinite(value):
        raise NotPrecompilable(repr(value))
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise NotPrecompilable(repr(value))


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            if _DATE in value:
                return dt.date.fromisoformat(value[_DATE])
            if _DATETIME in value:
                return dt.datetime.fromisoformat(value[_DATETIME])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


class Problems:
    """Collects every problem in a file, so one run shows them all."""

    def __init__(self, doc: Document, error: type[InvalidInput] = InvalidInput) -> None:
        self.doc = doc
        self.error = error
        self.found: list[str] = []

    def add(self, path: Path, problem: str) -> None:
        self.found.append(f"{self.doc.name}:{self.doc.line(path)}: {field_name(path)}: {problem}")

    def raise_if_any(self) -> None:
        if not self.found:
            return
        shown = self.found[:MAX_PROBLEMS_SHOWN]
        hidden = len(self.found) - len(shown)
        if hidden:
            shown.append(f"... and {hidden} more problems")
        raise self.error("\n".join(shown))


class Fields:
    """Typed access to one YAML mapping, recording a problem for each bad field."""

    def __init__(self, problems: Problems, data: Any, path: Path, allowed: Sequence[str]):
        self.problems = problems
        self.path = path
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            problems.add(path, "must be a mapping of fields (name: value)")
        for key in self.data:
            if key not in allowed:
                problems.add((*path, key), f"unknown field (expected: {', '.join(allowed)})")

    def add(self, key: str, problem: str) -> None:
        self.problems.add((*self.path, key), problem)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.add(key, "missing")
            return None
        # Folded YAML text keeps line breaks; documents want one clean line.
        cleaned = one_line(value) if isinstance(value, str) else ""
        if not cleaned:
            self.add(key, "must be some text")
            return None
        return cleaned

    def url(self, key: str, *, required: bool = True) -> str | None:
        value = self.text(key, required=required)
        if value is not None and not URL.match(value):
            self.add(key, f"{value!r} is not a web address (http:// or https://)")
            return None
        return value

    def date(self, key: str) -> dt.date | None:
        """A date like 2024-12-08; present but ``null`` when the source gave none."""
        if key not in self.data:
            self.add(key, "missing (write null if there is no date)")
            return None
        value = self.data[key]
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        self.add(key, f"{value!r} is not a date like 2024-12-08 (or null)")
        return None

    def integer(self, key: str, *, required: bool = True, low: int, high: int) -> int | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.add(key, "missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(key, f"{value!r} is not a whole number")
            return None
        if not low <= value <= high:
            self.add(key, f"{value} is out of range ({low} to {high})")
            return None
        return value

    def choice(self, key: str, choices: Sequence[str]) -> str | None:
        value = self.text(key)
        if value is not None and value not in choices:
            self.add(key, f"{value!r} is not one of: {', '.join(choices)}")
            return None
        return value

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if not isinstance(value, bool):
            self.add(key, "missing" if value is None else f"{value!r} must be true or false")
            return None
        return value

    def items(self, key: str, *, required: bool = True) -> list[tuple[Path, Any]]:
        value = self.data.get(key)
        if value is None:
            if required:
                self.add(key, "missing")
            return []
        if not isinstance(value, list) or (required and not value):
            self.add(key, "must be a list with at least one entry")
            return []
        return [((*self.path, key, i), item) for i, item in enumerate(value)]

    def text_list(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        out: list[str] = []
        for path, item in self.items(key, required=required):
            if isinstance(item, str) and one_line(item):
                out.append(one_line(item))
            else:
                self.problems.add(path, "must be some text")
        return tuple(out)
