"""Cited facts: loading and validating facts files, and numbering citations in a letter.

A facts file is YAML: ``facts:`` followed by a list of facts, each with ``id``,
``statement``, ``as_of``, ``source`` {``title``, ``publisher``, ``author``?, ``published``,
``url``, ``archived_url``?}, ``verified`` and ``note``. Problems are reported as
``file:line: field: problem``; a broken facts file never produces a letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from actkit.errors import FactsProblem
from actkit.text import format_date

FACT_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
URL = re.compile(r"https?://[^\s<>\"]+")
FACT_FIELDS = {"id", "statement", "as_of", "source", "verified", "note"}
REQUIRED_FACT_FIELDS = ("id", "statement", "as_of", "source", "verified")
SOURCE_FIELDS = {"title", "publisher", "author", "published", "url", "archived_url"}
REQUIRED_SOURCE_FIELDS = ("title", "publisher", "published")


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    publisher: str
    published: date | None
    url: str | None
    """Required for a verified fact; an unverified one may record that no source was found."""
    author: str | None = None
    archived_url: str | None = None


# Compared and hashed by identity: facts are loaded once and cited by reference, and
# hashing every field on each lookup showed up when formatting thousands of letters.
@dataclass(frozen=True, slots=True, eq=False)
class Fact:
    id: str
    statement: str
    as_of: date | None
    """The date the statement describes; None where the source gave none."""
    source: Source
    verified: bool
    note: str = ""
    origin: str = ""
    """``file:line`` where the fact is defined, for messages."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "statement": self.statement,
            "as_of": _iso(self.as_of),
            "source": {
                "title": self.source.title,
                "publisher": self.source.publisher,
                "author": self.source.author,
                "published": _iso(self.source.published),
                "url": self.source.url,
                "archived_url": self.source.archived_url,
            },
            "verified": self.verified,
            "note": self.note,
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- Loading with line numbers -----------------------------------------------------------


class LocatedMapping(dict[str, Any]):
    """A YAML mapping that remembers the line of each key, for error messages."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_located(loader: _LineLoader, node: yaml.MappingNode) -> LocatedMapping:
    mapping = LocatedMapping(
        {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    )
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
    return mapping


def _construct_date_leniently(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    # "2020-13-01" looks like a date to YAML but is not one: keep the text, so validation
    # can report it with its line instead of the parser failing without one.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_located)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date_leniently)


def load_yaml_with_lines(text: str, label: str) -> Any:
    """Parse YAML whose mappings carry ``line`` and ``key_lines``; syntax errors name the line."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark else 0
        raise FactsProblem(f"{label}:{line}: YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise FactsProblem(f"{label}: YAML: {error}") from None


@dataclass
class _Problems:
    label: str
    found: list[str] = field(default_factory=list)

    def add(self, line: int, field_name: str, problem: str) -> None:
        self.found.append(f"{self.label}:{line}: {field_name}: {problem}")


def parse_facts(text: str, label: str) -> list[Fact]:
    """Validate and parse one facts file; raise FactsProblem listing every problem."""
    document = load_yaml_with_lines(text, label)
    problems = _Problems(label)
    items = document.get("facts") if isinstance(document, Mapping) else None
    if not isinstance(items, list):
        line = getattr(document, "line", 1)
        raise FactsProblem(f"{label}:{line}: facts: expected a 'facts:' list at the top level")
    facts: list[Fact] = []
    seen: dict[str, int] = {}
    for item in items:
        fact = _parse_fact(item, problems)
        if fact is None:
            continue
        line = getattr(item, "line", 0)
        if fact.id in seen:
            problems.add(
                line, "id", f"duplicate id {fact.id!r} (first defined on line {seen[fact.id]})"
            )
            continue
        seen[fact.id] = line
        facts.append(fact)
    if problems.found:
        raise FactsProblem("\n".join(problems.found))
    return facts


def _parse_fact(item: Any, problems: _Problems) -> Fact | None:
    if not isinstance(item, LocatedMapping):
        problems.add(0, "facts", "each fact must be a mapping of fields")
        return None
    before = len(problems.found)
    _check_fields(item, FACT_FIELDS, REQUIRED_FACT_FIELDS, "", problems)
    fact_id = _string(item, "id", problems, "")
    if fact_id and not FACT_ID.fullmatch(fact_id):
        problems.add(_line(item, "id"), "id", "use lower-case letters, digits, '.', '_' and '-'")
    statement = _string(item, "statement", problems, "")
    as_of = _optional_date(item, "as_of", problems, "")
    verified = item.get("verified")
    if "verified" in item and not isinstance(verified, bool):
        problems.add(_line(item, "verified"), "verified", "must be true or false")
    note = item.get("note", "")
    if note is not None and not isinstance(note, str):
        problems.add(_line(item, "note"), "note", "must be text")
    source = _parse_source(item.get("source"), item, problems, needs_url=verified is True)
    if len(problems.found) > before or source is None:
        return None
    return Fact(
        id=fact_id or "",
        statement=statement or "",
        as_of=as_of,
        source=source,
        verified=bool(verified),
        note=note or "",
        origin=f"{problems.label}:{item.line}",
    )


def _parse_source(
    raw: Any, parent: LocatedMapping, problems: _Problems, *, needs_url: bool
) -> Source | None:
    if not isinstance(raw, LocatedMapping):
        if "source" in parent:
            problems.add(
                _line(parent, "source"), "source", "must be a mapping (title, publisher, …)"
            )
        return None
    _check_fields(raw, SOURCE_FIELDS, REQUIRED_SOURCE_FIELDS, "source.", problems)
    title = _string(raw, "title", problems, "source.")
    publisher = _string(raw, "publisher", problems, "source.")
    published = _optional_date(raw, "published", problems, "source.")
    url = _url(raw, "url", problems, required=needs_url)
    if needs_url and "url" not in raw:
        problems.add(raw.line, "source.url", "missing (a verified fact needs its source's URL)")
    archived = _url(raw, "archived_url", problems, required=False)
    author = raw.get("author")
    if author is not None and not isinstance(author, str):
        problems.add(_line(raw, "author"), "source.author", "must be text")
    if not (title and publisher) or (needs_url and not url):
        return None
    return Source(
        title=title,
        publisher=publisher,
        published=published,
        url=url,
        author=author if isinstance(author, str) else None,
        archived_url=archived,
    )


def _check_fields(
    item: LocatedMapping,
    allowed: set[str],
    required: Iterable[str],
    prefix: str,
    problems: _Problems,
) -> None:
    for key in item:
        if key not in allowed:
            problems.add(
                _line(item, key),
                f"{prefix}{key}",
                f"unknown field (allowed: {', '.join(sorted(allowed))})",
            )
    for key in required:
        if key not in item:
            problems.add(item.line, f"{prefix}{key}", "missing")


def _line(item: LocatedMapping, key: str) -> int:
    return item.key_lines.get(key, item.line)


def _string(item: LocatedMapping, key: str, problems: _Problems, prefix: str) -> str | None:
    value = item.get(key)
    if key in item and (not isinstance(value, str) or not value.strip()):
        problems.add(_line(item, key), f"{prefix}{key}", "must be non-empty text")
        return None
    return value.strip() if isinstance(value, str) else None


def _optional_date(item: LocatedMapping, key: str, problems: _Problems, prefix: str) -> date | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, date):
        return value
    problems.add(_line(item, key), f"{prefix}{key}", "must be a date like 2024-12-08, or null")
    return None


def _url(item: LocatedMapping, key: str, problems: _Problems, *, required: bool) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not URL.fullmatch(value.strip()):
        if key in item:
            problems.add(_line(item, key), f"source.{key}", "must be an http(s) URL")
        return None
    return value.strip()


# --- The fact book ------------------------------------------------------------------------


BUILTIN_FACTS = "fact_files"


def builtin_fact_files() -> list[tuple[str, str]]:
    """(label, text) of the facts shipped in the package."""
    folder = files("actkit") / BUILTIN_FACTS
    return [
        (f"{entry.name} (built-in)", entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".yaml", ".yml"))
    ]


def load_facts(campaign: Path | None = None) -> dict[str, Fact]:
    """Every fact by id: the built-ins, then the campaign's (which replace same-id built-ins)."""
    facts: dict[str, Fact] = {}
    for label, text in builtin_fact_files():
        facts.update((fact.id, fact) for fact in parse_facts(text, label))
    if campaign is not None:
        campaign_facts: dict[str, Fact] = {}
        for path in sorted((campaign / "facts").glob("*.y*ml")):
            for fact in parse_facts(path.read_text(encoding="utf-8"), str(path)):
                if fact.id in campaign_facts:
                    raise FactsProblem(
                        f"{fact.origin}: id: {fact.id!r} is also defined at "
                        f"{campaign_facts[fact.id].origin}"
                    )
                campaign_facts[fact.id] = fact
        facts.update(campaign_facts)
    return facts


def stale_facts(facts: Iterable[Fact], *, on: date, max_age_days: int) -> list[str]:
    """Warnings for facts older than ``max_age_days`` on the letter's date, or undated."""
    warnings = []
    for fact in facts:
        if fact.as_of is None:
            warnings.append(f"fact {fact.id!r} has no 'as of' date, so its age cannot be checked")
            continue
        age = (on - fact.as_of).days
        if age > max_age_days:
            warnings.append(
                f"fact {fact.id!r} is {age:,} days old (as of {format_date(fact.as_of)}), "
                f"older than {max_age_days:,} days: make sure the letter presents it as history"
            )
    return warnings
