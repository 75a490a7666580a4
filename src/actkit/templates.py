"""Letter templates: finding them (built-in and campaign) and reading their front matter.

A template is ``<name>.md.j2``: YAML front matter between ``---`` lines (``title``,
``description``, ``subject``, ``tags``, ``facts``, ``historical``, ``bodies``), then a
Jinja2 body in Markdown. ``bodies`` lists the bodies it suits (none: every body).
``historical`` lists the facts (also under ``facts``) that the letter presents as
history, such as a 2019 casualty count: their age is the point, so no age warning is shown.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actkit.errors import InvalidInput, TemplateProblem
from actkit.fileio import read_text
from actkit.paths import package_path
from actkit.yamldoc import Fields, Problems, parse_document

SUFFIX = ".md.j2"
CAMPAIGN_ENV = "ACTKIT_CAMPAIGN"
FRONT_MATTER_FIRST_LINE = 2
"""The YAML starts on line 2 of the file, after the opening '---'."""
FRONT_MATTER_FIELDS = ("title", "description", "subject", "tags", "facts", "historical", "bodies")


@dataclass(frozen=True, slots=True)
class LetterTemplate:
    name: str
    path: Path
    origin: str
    """"built-in" or "campaign"."""
    title: str
    description: str
    subject: str
    tags: tuple[str, ...]
    facts: tuple[str, ...]
    historical: frozenset[str]
    """Facts the letter presents as history: no age warning for them."""
    body: str
    """The Jinja source, padded with blank lines so its line numbers are the file's."""
    fact_lines: dict[str, int]
    """Line of each fact id in the front matter, for messages."""
    bodies: tuple[str, ...] = ()
    """The bodies (``actkit.bodies.BODY_IDS``) it suits; empty means every body."""

    def suits(self, body_id: str) -> bool:
        return not self.bodies or body_id in self.bodies

    @property
    def label(self) -> str:
        return f"{self.path}" if self.origin == "campaign" else f"{self.name}{SUFFIX} (built-in)"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "subject": self.subject,
            "tags": list(self.tags),
            "facts": list(self.facts),
            "historical": sorted(self.historical),
            "bodies": list(self.bodies),
            "origin": self.origin,
            "path": str(self.path),
        }


def builtin_templates_dir() -> Path:
    """Inside the installed package; in a source checkout, the top-level folder."""
    packaged = Path(str(package_path("letter_templates")))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "letter_templates"


def campaign_dir(option: Path | None) -> Path | None:
    """The campaign folder from ``--campaign`` or ``ACTKIT_CAMPAIGN``; checked to exist."""
    chosen = option or (Path(os.environ[CAMPAIGN_ENV]) if os.environ.get(CAMPAIGN_ENV) else None)
    if chosen is None:
        return None
    if not chosen.is_dir():
        raise InvalidInput(
            f"campaign folder {chosen} does not exist (make one with `actkit init {chosen}`)"
        )
    return chosen


def template_paths(campaign: Path | None) -> dict[str, tuple[Path, str]]:
    """name → (path, origin); campaign templates replace built-ins of the same name."""
    found = {
        p.name[: -len(SUFFIX)]: (p, "built-in") for p in builtin_templates_dir().glob(f"*{SUFFIX}")
    }
    if campaign is not None:
        found.update(
            {
                p.name[: -len(SUFFIX)]: (p, "campaign")
                for p in (campaign / "letter_templates").glob(f"*{SUFFIX}")
            }
        )
    return dict(sorted(found.items()))


def list_templates(campaign: Path | None) -> list[LetterTemplate]:
    return [
        read_template(name, path, origin)
        for name, (path, origin) in template_paths(campaign).items()
    ]


def load_template(name: str, campaign: Path | None) -> LetterTemplate:
    available = template_paths(campaign)
    if name not in available:
        raise TemplateProblem(
            f"no letter template called {name!r}; available: {', '.join(available) or 'none'}"
        )
    path, origin = available[name]
    return read_template(name, path, origin)


def read_template(name: str, path: Path, origin: str) -> LetterTemplate:
    label = str(path) if origin == "campaign" else f"{name}{SUFFIX} (built-in)"
    text = read_text(path, "template", error=TemplateProblem)
    front_text, body, body_line = split_front_matter(text, label)
    _refuse_private_use(text, label, body_line)
    meta = _front_matter(front_text, label)
    return LetterTemplate(
        name=name,
        path=path,
        origin=origin,
        title=meta.title,
        description=meta.description,
        subject=meta.subject or meta.title,
        tags=meta.tags,
        facts=meta.facts,
        historical=meta.historical,
        body="\n" * (body_line - 1) + body,
        fact_lines=meta.fact_lines,
        bodies=meta.bodies,
    )


# actkit marks citations and stand-ins inside a letter with characters from Unicode's
# private use area; the same characters typed into a template would be read as markers.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _refuse_private_use(text: str, label: str, body_line: int) -> None:
    found = _PRIVATE_USE.search(text)
    if found is None:
        return
    line = text.count("\n", 0, found.start()) + 1
    part = "body" if line >= body_line else "front matter"
    raise TemplateProblem(
        f"{label}:{line}: {part}: character U+{ord(found.group()):04X} (private use) is "
        "reserved by actkit; remove it"
    )


def split_front_matter(text: str, label: str) -> tuple[str, str, int]:
    match = re.match(r"---\n(.*?)\n---\n", text, flags=re.DOTALL)
    if not match:
        raise TemplateProblem(
            f"{label}:1: front matter: a template must start with YAML "
            "between '---' lines (title, description, subject, tags, facts, historical)"
        )
    return match.group(1), text[match.end() :], match.group(0).count("\n") + 1


@dataclass(frozen=True, slots=True)
class _FrontMatter:
    title: str
    description: str
    subject: str | None
    tags: tuple[str, ...]
    facts: tuple[str, ...]
    historical: frozenset[str]
    fact_lines: dict[str, int]
    bodies: tuple[str, ...] = ()


def _front_matter(front_text: str, label: str) -> _FrontMatter:
    doc = parse_document(
        front_text, label, first_line=FRONT_MATTER_FIRST_LINE, error=TemplateProblem
    )
    problems = Problems(doc, TemplateProblem)
    fields = Fields(problems, doc.data, (), FRONT_MATTER_FIELDS)
    title, description = fields.text("title"), fields.text("description")
    subject = fields.text("subject", required=False)
    tags = fields.text_list("tags", required=False)
    facts = fields.text_list("facts", required=False)
    historical = fields.text_list("historical", required=False)
    for i, fact_id in enumerate(historical):
        if fact_id not in facts:
            problems.add(("historical", i), f"{fact_id!r} is not listed under 'facts:'")
    bodies = fields.text_list("bodies", required=False)
    _check_bodies(problems, bodies)
    problems.raise_if_any()
    fact_lines = {fact_id: doc.line(("facts", i)) for i, fact_id in enumerate(facts)}
    return _FrontMatter(
        title or "",
        description or "",
        subject,
        tags,
        facts,
        frozenset(historical),
        fact_lines,
        bodies,
    )


def _check_bodies(problems: Problems, bodies: tuple[str, ...]) -> None:
    from actkit.bodies import BODY_IDS

    for i, body in enumerate(bodies):
        if body not in BODY_IDS:
            problems.add(("bodies", i), f"unknown body {body!r}; bodies are: {', '.join(BODY_IDS)}")
