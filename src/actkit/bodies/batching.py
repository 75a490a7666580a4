"""Batches to devolved representatives: ``letter batch --to msp|regional-msps|all-msps|ms|mla|all``.

Postcodes are located in bulk as for MPs (``representatives.resolve_many``); each distinct
postcode is then answered by the chosen body's adapter, which fetches its member list once
for the whole run. A supporter becomes one job per representative.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from actkit import nations
from actkit import offline as snapshot
from actkit.bodies.lookup import Finder, group_for, not_in_nation
from actkit.bodies.model import Representative
from actkit.bodies.registry import RecipientGroup
from actkit.errors import ActkitError, ServiceUnavailable
from actkit.models import Constituency, Place
from actkit.representatives import SeatAnswer

if TYPE_CHECKING:
    from actkit.drafting import Job
    from actkit.http import HttpClient
    from actkit.representatives import PlaceAnswer


@dataclass(frozen=True, slots=True)
class RecipientsAnswer:
    """A postcode's representatives in the chosen group, or why it has none."""

    representatives: tuple[Representative, ...] = ()
    problem: str | None = None
    reason: str = ""
    """The failure's reason for the summary ("not in the body's nation", ...)."""


def resolve_recipients(
    places: dict[str, PlaceAnswer],
    to: str,
    *,
    http: HttpClient,
    offline: bool,
    today: date | None = None,
    concurrency: int = 4,
) -> tuple[dict[str, RecipientsAnswer], list[str]]:
    """Each located postcode's recipients, and the warnings met on the way (each once).

    Postcodes are answered ``concurrency`` at a time: Scottish ones need a request each
    (postcodes.io has no bulk Scottish route); member lists are fetched once, by whichever
    postcode needs them first.
    """
    group = group_for(to)
    finder = Finder(http, offline=offline, today=today, many=True)
    located = [(pc, found) for pc, found in places.items() if found.gss_code and not found.problem]
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="actkit-reps") as pool:
        results = list(pool.map(lambda item: _answer(finder, group, *item), located))
    answers: dict[str, RecipientsAnswer] = {}
    notes: list[str] = []
    for (postcode, _), (answer, warnings) in zip(located, results, strict=True):
        answers[postcode] = answer
        notes.extend(w for w in warnings if w not in notes)
    return answers, notes


def _answer(
    finder: Finder, group: RecipientGroup, postcode: str, found: PlaceAnswer
) -> tuple[RecipientsAnswer, tuple[str, ...]]:
    place = _place(postcode, found)
    nation = nations.by_gss_code(found.gss_code or "")
    body = group.body_id
    if body is not None and (nation is None or finder.adapters[body].nation_id != nation.id):
        problem = not_in_nation(postcode, place.country, body)
        return RecipientsAnswer(problem=problem, reason="outside the body's nation"), ()
    try:
        result = finder.find_at(place, None if body is None else [body])
    except ServiceUnavailable as error:
        return RecipientsAnswer(problem=str(error), reason="body unavailable"), ()
    except ActkitError as error:
        return RecipientsAnswer(problem=str(error), reason="no area"), ()
    chosen = tuple(
        rep for rep in result.representatives if group.roles is None or rep.role in group.roles
    )
    if chosen:
        return RecipientsAnswer(chosen), result.narrowed(chosen).warnings
    failure = next(iter(result.failures.values()), None)
    problem = str(failure) if failure else f"{postcode} has nobody in --to {group.id}"
    return RecipientsAnswer(problem=problem, reason="body unavailable"), result.warnings


def _place(postcode: str, found: PlaceAnswer) -> Place:
    gss = found.gss_code or ""
    nation = nations.by_gss_code(gss)
    known = snapshot.constituency(gss)
    return Place(
        postcode=postcode,
        country=nation.name if nation else "",
        constituency=known or Constituency(gss, gss),
        source=found.source,
    )


def expand(job: Job, answers: dict[str, RecipientsAnswer]) -> list[Job]:
    """One job per representative of the job's postcode (the job itself when it fails)."""
    if job.postcode is None or job.place is None or job.place.problem:
        return [job]
    answer = answers.get(job.postcode)
    if answer is None:
        return [job]
    if answer.problem:
        return [replace(job, recipient_problem=(answer.reason, answer.problem))]
    return [with_recipient(job, rep) for rep in answer.representatives]


def with_recipient(job: Job, rep: Representative) -> Job:
    recipient, area = rep.as_recipient()
    seat = SeatAnswer(constituency=area, mp=recipient, source=rep.source)
    return replace(job, seat=seat, recipient=rep)
