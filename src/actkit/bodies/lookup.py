"""All the representatives of a postcode, body by body.

The postcode is located once (postcodes.io, offline fallback); each body's adapter then
answers on its own. One body failing is a warning on the others' answer; the caller decides
whether it ends the command (it does when that body was the one asked for).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from actkit import nations
from actkit.bodies import BODY_NAMES
from actkit.bodies.model import BodyAdapter, Locality, Representative
from actkit.bodies.registry import RECIPIENTS, RecipientGroup, adapters
from actkit.errors import ActkitError, InvalidInput, NoAnswer
from actkit.representatives import locate_postcode

if TYPE_CHECKING:
    from actkit.http import HttpClient
    from actkit.models import Place

ENGLAND_NOTE = (
    "England has no devolved parliament: only the MP is shown (London Assembly members "
    "and councillors are not covered yet)"
)


@dataclass(frozen=True, slots=True)
class Representatives:
    """A postcode's representatives, grouped by body in ``adapters()`` order."""

    postcode: str
    country: str
    representatives: tuple[Representative, ...]
    notes: tuple[str, ...] = ()
    """Warnings about the answer as a whole (a body down, the NI boundary caveat)."""
    failures: dict[str, ActkitError] = field(default_factory=dict)
    """Bodies that could not answer, by id (their messages are also in ``warnings``)."""
    without_email: frozenset[Representative] = frozenset()
    """Members whose body lists no email for them (not merely an unreadable contact list)."""

    @property
    def warnings(self) -> tuple[str, ...]:
        """The notes, then a line for each representative here who has no email listed."""
        missing = tuple(no_email(rep) for rep in self.representatives if rep in self.without_email)
        return (*self.notes, *missing)

    def narrowed(self, representatives: tuple[Representative, ...]) -> Representatives:
        """The same answer about fewer representatives (``--to msp`` of all eight)."""
        return replace(self, representatives=representatives)

    def to_json(self) -> dict[str, Any]:
        return {
            "postcode": self.postcode,
            "country": self.country,
            "representatives": [rep.to_json() for rep in self.representatives],
            "warnings": list(self.warnings),
        }


class Finder:
    """The adapters for one run, sharing its HTTP client, so that each legislature's member
    list is fetched once however many postcodes are asked about."""

    def __init__(
        self,
        http: HttpClient,
        *,
        offline: bool = False,
        today: date | None = None,
        many: bool = False,
    ) -> None:
        self._http = http
        self.offline = offline
        self.many = many
        self.today = today or date.today()
        self.adapters: dict[str, BodyAdapter] = {a.body_id: a(http) for a in adapters()}

    def find(self, postcode: str, body_ids: Sequence[str] | None = None) -> Representatives:
        """Every body of the postcode's nation, or just ``body_ids``.

        Raises InvalidPostcode / PostcodeNotFound (never falls back then), and NoAnswer when
        a body asked for does not sit for the postcode's nation.
        """
        place = locate_postcode(postcode, offline=self.offline, http=self._http)
        return self.find_at(place, body_ids)

    def find_at(self, place: Place, body_ids: Sequence[str] | None = None) -> Representatives:
        """As ``find``, for a postcode already located (a batch locates them in bulk)."""
        where = Locality(place.postcode, place, self.offline, self.today, self.many)
        chosen = self._chosen(where, body_ids)
        found: list[Representative] = []
        warnings: list[str] = []
        failures: dict[str, ActkitError] = {}
        without_email: set[Representative] = set()
        for adapter in chosen:
            try:
                answer = adapter.representatives(where)
            except ActkitError as error:
                failures[adapter.body_id] = error
                warnings.append(str(error))
                continue
            found += answer.representatives
            warnings += answer.warnings
            if answer.emails_known:
                without_email.update(r for r in answer.representatives if not r.email)
        if body_ids is None and place.country == "England":
            warnings.append(ENGLAND_NOTE)
        return Representatives(
            place.postcode,
            place.country,
            tuple(found),
            tuple(dict.fromkeys(warnings)),
            failures,
            frozenset(without_email),
        )

    def _chosen(self, where: Locality, body_ids: Sequence[str] | None) -> list[BodyAdapter]:
        nation = nations.by_name(where.place.country)
        serving = [
            adapter
            for adapter in self.adapters.values()
            if adapter.nation_id is None or (nation is not None and adapter.nation_id == nation.id)
        ]
        if body_ids is None:
            return serving
        for body_id in body_ids:
            if body_id not in self.adapters:
                raise InvalidInput(
                    f"unknown body {body_id!r}; choose one of {', '.join(self.adapters)}"
                )
            if self.adapters[body_id] not in serving:
                raise NoAnswer(not_in_nation(where.postcode, where.place.country, body_id))
        return [adapter for adapter in serving if adapter.body_id in body_ids]


def find_representatives(
    postcode: str,
    *,
    body: str | None = None,
    offline: bool = False,
    http: HttpClient | None = None,
) -> Representatives:
    """Every representative of a postcode (or one body's), as ``lookup --all``/``--body``.

    A body that cannot answer is in ``failures`` and ``warnings``; raising it is the
    caller's choice (the CLI does when that body was the one asked for).
    """
    from actkit.http import HttpClient

    if http is not None:
        return Finder(http, offline=offline).find(postcode, None if body is None else [body])
    with HttpClient(use_cache=not offline) as own:
        return Finder(own, offline=offline).find(postcode, None if body is None else [body])


def no_email(rep: Representative) -> str:
    where = f" or see {rep.profile_url}" if rep.profile_url else ""
    return (
        f"The {BODY_NAMES[rep.body]} lists no email address for {rep.full_title}: "
        f"write by post{where}"
    )


def not_in_nation(postcode: str, country: str, body_id: str) -> str:
    tail = (
        ": England has no devolved parliament, so write to your MP (--to mp)"
        if country == "England"
        else ""
    )
    return f"{postcode} is in {country}, which the {BODY_NAMES[body_id]} does not represent{tail}"


def recipients(
    finder: Finder, postcode: str, to: str
) -> tuple[Representatives, tuple[Representative, ...]]:
    """The postcode's representatives in the ``--to`` group ``to``.

    Raises the body's own error (ServiceUnavailable → exit 3) when the one body asked for
    cannot answer, and NoAnswer when the postcode has nobody in the group.
    """
    group = group_for(to)
    answer = finder.find(postcode, None if group.body_id is None else [group.body_id])
    if group.body_id is not None and group.body_id in answer.failures:
        raise answer.failures[group.body_id]
    chosen = tuple(
        rep for rep in answer.representatives if group.roles is None or rep.role in group.roles
    )
    if not chosen:
        if answer.failures:
            raise next(iter(answer.failures.values()))
        raise NoAnswer(f"{answer.postcode} has nobody to write to for --to {to}")
    return answer.narrowed(chosen), chosen


def group_for(to: str) -> RecipientGroup:
    if to not in RECIPIENTS:
        raise InvalidInput(f"unknown recipient {to!r}; choose one of {', '.join(RECIPIENTS)}")
    return RECIPIENTS[to]
