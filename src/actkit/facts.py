"""Cited facts: loading and validating facts files, and numbering citations in a letter.

A facts file is YAML: ``facts:`` followed by a list of facts, each with ``id``,
``statement``, ``as_of``, ``source`` {``title``, ``publisher``, ``author``?, ``published``,
``url``, ``archived_url``?}, ``verified`` and ``note``. Problems are reported as
``file:line: field: problem``; a broken facts file never produces a letter.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from actkit.errors import FactsProblem
from actkit.fileio import read_text
from actkit.paths import package_path
from actkit.text import format_date
from actkit.yamldoc import Fields, Problems, parse_document

FACT_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
FACT_FIELDS = ("id", "statement", "as_of", "source", "verified", "note")
SOURCE_FIELDS = ("title", "publisher", "author", "published", "url", "archived_url")
DESCRIPTIVE_MARK = "[descriptive]"
"""Starts a source title that describes the page rather than quoting its headline."""


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    publisher: str
    published: date | None
    url: str | None
    """Required for a verified fact; an unverified one may record that no source was found."""
    author: str | None = None
    archived_url: str | None = None

    @property
    def cited_title(self) -> str:
        """The title as a reference shows it: a headline in quotes, or a label without.

        Facts files mark a title that is a description rather than the page's headline
        (none was captured) with a leading ``[descriptive]``; a reader must not take it
        for a quotation, so it is shown plain.
        """
        if self.title.startswith(DESCRIPTIVE_MARK):
            return self.title.removeprefix(DESCRIPTIVE_MARK).strip()
        return f"\u201c{self.title}\u201d"


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


# --- Reading facts files -------------------------------------------------------------------


def parse_facts(text: str, label: str) -> list[Fact]:
    """Validate and parse one facts file; raise FactsProblem listing every problem."""
    doc = parse_document(text, label, error=FactsProblem)
    problems = Problems(doc, FactsProblem)
    top = Fields(problems, doc.data, (), ("facts",))
    facts: list[Fact] = []
    seen: dict[str, int] = {}
    for path, item in top.items("facts"):
        fact = _parse_fact(Fields(problems, item, path, FACT_FIELDS), problems)
        if fact is None:
            continue
        if fact.id in seen:
            first = seen[fact.id]
            problems.add((*path, "id"), f"duplicate id {fact.id!r} (first defined on line {first})")
            continue
        seen[fact.id] = doc.line(path)
        facts.append(replace(fact, origin=f"{label}:{doc.line(path)}"))
    problems.raise_if_any()
    return facts


def _parse_fact(fields: Fields, problems: Problems) -> Fact | None:
    before = len(problems.found)
    fact_id = fields.text("id")
    if fact_id and not FACT_ID.fullmatch(fact_id):
        fields.add("id", "use lower-case letters, digits, '.', '_' and '-'")
    statement = fields.text("statement")
    as_of = fields.date("as_of")
    verified = fields.boolean("verified")
    note = fields.text("note", required=False) if fields.data.get("note") else ""
    source = fields.data.get("source")
    parsed_source = None
    if source is None:
        fields.add("source", "missing")
    else:
        source_fields = Fields(problems, source, (*fields.path, "source"), SOURCE_FIELDS)
        parsed_source = _parse_source(source_fields, needs_url=verified is True)
    if len(problems.found) > before or parsed_source is None or not (fact_id and statement):
        return None
    return Fact(
        id=fact_id,
        statement=statement,
        as_of=as_of,
        source=parsed_source,
        verified=bool(verified),
        note=note or "",
    )


def _parse_source(fields: Fields, *, needs_url: bool) -> Source | None:
    title = fields.text("title")
    publisher = fields.text("publisher")
    published = fields.date("published")
    # An unverified fact may record that no source was found; a verified one needs its URL.
    url = fields.url("url", required=needs_url)
    author = fields.text("author", required=False)
    archived = fields.url("archived_url", required=False)
    if not (title and publisher):
        return None
    return Source(
        title=title,
        publisher=publisher,
        published=published,
        url=url,
        author=author,
        archived_url=archived,
    )


# --- The fact book ------------------------------------------------------------------------


BUILTIN_FACTS = "fact_files"


def builtin_fact_files() -> list[tuple[str, str]]:
    """(label, text) of the facts shipped in the package."""
    folder = package_path(BUILTIN_FACTS)
    return [
        (f"{entry.name} (built-in)", entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".yaml", ".yml"))
    ]


@functools.cache
def _builtin_facts() -> dict[str, Fact]:
    # The package's own files never change while actkit runs: parse them once per process
    # (the stall server writes a letter for every visitor).
    facts: dict[str, Fact] = {}
    for label, text in builtin_fact_files():
        facts.update((fact.id, fact) for fact in parse_facts(text, label))
    return facts


def load_facts(campaign: Path | None = None) -> dict[str, Fact]:
    """Every fact by id: the built-ins, then the campaign's (which replace same-id built-ins).

    A campaign's files are read on every call, so edits show at once.
    """
    facts = dict(_builtin_facts())
    if campaign is not None:
        campaign_facts: dict[str, Fact] = {}
        for path in sorted((campaign / "facts").glob("*.y*ml")):
            text = read_text(path, "facts file", error=FactsProblem)
            for fact in parse_facts(text, str(path)):
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
