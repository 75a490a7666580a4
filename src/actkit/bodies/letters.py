"""Letters to any representative: ``letter write --to WHO`` for one sender.

The template is checked against the bodies it suits before anything is sent; the recipients
come from ``bodies.lookup``; each gets its own letter, addressed the way their body expects
(post-nominal and the parliament's postal address come with the representative).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from actkit.bodies import BODY_NAMES
from actkit.bodies.lookup import Finder, group_for, recipients
from actkit.bodies.model import Representative
from actkit.errors import TemplateProblem
from actkit.fileio import slug
from actkit.letters import Letter, LetterRenderer, Sender, require_words
from actkit.templates import LetterTemplate


def check_template_suits(template: LetterTemplate, to: str) -> None:
    """Refuse, before any lookup, a template that declares bodies the group is not in."""
    group = group_for(to)
    if group.body_id is not None and not template.suits(group.body_id):
        raise TemplateProblem(unsuitable(template, group.body_id, to))


def unsuitable(template: LetterTemplate, body_id: str, to: str) -> str:
    suits = ", ".join(BODY_NAMES.get(b, b) for b in template.bodies)
    return (
        f"{template.label} is written for the {suits} (its 'bodies:'), not the "
        f"{BODY_NAMES[body_id]}: choose another template or another --to than {to!r}"
    )


def write_letters(
    *,
    template: LetterTemplate,
    renderer: LetterRenderer,
    postcode: str,
    sender: Sender,
    personal: str = "",
    letter_date: date,
    to: str,
    offline: bool = False,
    today: date | None = None,
) -> list[Letter]:
    """One letter per representative in ``to`` for ``postcode``; lookup warnings ride on
    the letters (every letter carries them all)."""
    from actkit.http import HttpClient  # only when letters are written, not checked

    check_template_suits(template, to)
    with HttpClient(use_cache=not offline) as http:
        answer, chosen = recipients(Finder(http, offline=offline, today=today), postcode, to)
    suited = [rep for rep in chosen if template.suits(rep.body)]
    warnings = list(answer.warnings)
    for body_id in dict.fromkeys(rep.body for rep in chosen if rep not in suited):
        warnings.append(
            f"No letter to the {BODY_NAMES[body_id]}: " + unsuitable(template, body_id, to)
        )
    if not suited:
        raise TemplateProblem(warnings[-1])
    return [
        require_words(render_to(renderer, rep, sender, personal, letter_date, tuple(warnings)))
        for rep in suited
    ]


def render_to(
    renderer: LetterRenderer,
    rep: Representative,
    sender: Sender,
    personal: str,
    letter_date: date,
    warnings: tuple[str, ...] = (),
) -> Letter:
    recipient, area = rep.as_recipient()
    letter = renderer.render(
        mp=recipient,
        constituency=area,
        sender=sender,
        personal=personal,
        letter_date=letter_date,
        source=rep.source,
        role=rep.role,
        body_id=rep.body,
    )
    return replace(letter, warnings=(*warnings, *letter.warnings))


def letter_file_name(index: int, letter: Letter, fmt: str) -> str:
    """``01-jane-smith-msp.txt``: numbered so the files list in the order written."""
    return f"{index:02d}-{slug(letter.mp.full_title)}.{fmt}"
