"""Facts a template presents as history, and how references show descriptive titles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from actkit import offline
from actkit.errors import TemplateProblem
from actkit.facts import Source, load_facts, parse_facts
from actkit.letters import Sender, render_letter
from actkit.templates import load_template, read_template

FACTS_YAML = """\
facts:
  - id: old
    statement: "Old news."
    as_of: 2019-06-01
    source: {title: "[descriptive] A briefing", publisher: P, published: null, url: "https://example.org/o"}
    verified: true
  - id: also-old
    statement: "Also old."
    as_of: 2019-06-01
    source: {title: Headline, publisher: P, published: null, url: "https://example.org/a"}
    verified: true
"""
MP = offline.mp_for("E14001409")
SEAT = offline.constituency("E14001409")
SENDER = Sender(name="Alex Example", address=("1 High Street", "Norwich"), postcode="NR2 1AB")


def _template(tmp_path: Path, front: str) -> object:
    path = tmp_path / "t.md.j2"
    path.write_text(
        f"---\ntitle: T\ndescription: D\n{front}---\n"
        '{{ cite("old") }} {{ cite("also-old") }}\n'
    )
    return read_template("t", path, "campaign")


def test_historical_facts_get_no_age_warning_but_others_still_do(tmp_path: Path) -> None:
    template = _template(tmp_path, "facts: [old, also-old]\nhistorical: [old]\n")
    letter = render_letter(
        template=template,
        facts={f.id: f for f in parse_facts(FACTS_YAML, "facts.yaml")},
        mp=MP,
        constituency=SEAT,
        sender=SENDER,
        letter_date=date(2026, 12, 2),
    )

    assert len(letter.warnings) == 1
    assert "'also-old'" in letter.warnings[0]


def test_a_historical_fact_must_be_listed_under_facts(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match=r"t\.md\.j2:5: historical\[1\]: 'old' is not listed"):
        _template(tmp_path, "facts: [also-old]\nhistorical: [old]\n")


def test_descriptive_titles_are_shown_plain_and_headlines_in_quotes() -> None:
    described = Source("[descriptive] UN News story on Sweida", "UN News", None, None)
    quoted = Source("Aleppo Clashes Kill Civilians", "UN News", None, None)

    assert described.cited_title == "UN News story on Sweida"
    assert quoted.cited_title == "\u201cAleppo Clashes Kill Civilians\u201d"


def test_the_bundled_syria_letter_cites_recent_harm_and_has_no_stale_fact() -> None:
    template = load_template("syria-civilians", None)
    facts = load_facts()
    letter = render_letter(
        template=template,
        facts=facts,
        mp=MP,
        constituency=SEAT,
        sender=SENDER,
        letter_date=date(2026, 12, 2),
    )

    assert letter.warnings == ()
    recent = [facts[i] for i in template.facts if i not in template.historical]
    assert all(f.as_of is not None and f.as_of.year >= 2024 for f in recent)
    assert any(f.as_of is not None and f.as_of >= date(2026, 1, 1) for f in recent)
