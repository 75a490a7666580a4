"""The fast .docx writer: what python-docx reads back, for any text a user can type."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import docx
from hypothesis import given, settings
from hypothesis import strategies as st

from actkit import offline
from actkit.facts import load_facts
from actkit.formats.docx import to_docx
from actkit.letters import LetterRenderer, Sender
from actkit.templates import load_template

MP = offline.mp_for("E14001409")
SEAT = offline.constituency("E14001409")
RENDERER = LetterRenderer(load_template("syria-civilians", None), load_facts())


def _letter(name: str, personal: str = "", address: tuple[str, ...] = ("1 High St", "Norwich")):
    assert MP is not None and SEAT is not None
    return RENDERER.render(
        mp=MP,
        constituency=SEAT,
        sender=Sender(name=name, address=address, postcode="NR2 1AB"),
        personal=personal,
        letter_date=date(2026, 12, 2),
    )


def test_a_letter_reads_back_with_styles_citations_and_properties() -> None:
    document = docx.Document(io.BytesIO(to_docx(_letter("Alex Example", "I care."))))
    texts = [p.text for p in document.paragraphs]

    assert texts[:4] == [
        "Alex Example\n1 High St\nNorwich\nNR2 1AB",
        "2 December 2026",
        "Clive Lewis MP\nHouse of Commons\nLondon\nSW1A 0AA",
        "Dear Clive Lewis,",
    ]
    assert "I care." in texts
    bullets = [
        p for p in document.paragraphs if p.style is not None and p.style.name == "List Bullet"
    ]
    assert len(bullets) == 5
    citations = [r for p in document.paragraphs for r in p.runs if r.font.superscript]
    assert citations and all(r.text.startswith("[") for r in citations)
    assert document.core_properties.author == "Alex Example"
    assert round(document.sections[0].page_width.mm) == 210


def test_two_letters_share_paragraphs_but_not_their_sender() -> None:
    first = docx.Document(io.BytesIO(to_docx(_letter("Ann One", "First words."))))
    second = docx.Document(io.BytesIO(to_docx(_letter("Bo Two", "Second words."))))

    assert first.paragraphs[0].text.startswith("Ann One")
    assert second.paragraphs[0].text.startswith("Bo Two")
    assert "First words." not in [p.text for p in second.paragraphs]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(name=st.text(min_size=1, max_size=400), personal=st.text(max_size=200))
def test_any_text_makes_a_document_word_can_open(name: str, personal: str) -> None:
    letter = dataclasses.replace(
        _letter("placeholder"),
        sender=Sender(name=name, address=("1 <High> & St",), postcode="NR2 1AB"),
    )
    document = docx.Document(io.BytesIO(to_docx(letter)))

    assert document.paragraphs[0].text.endswith("1 <High> & St\nNR2 1AB")
    assert len(document.core_properties.author) <= 255
