"""Who represents a postcode: postcodes.io for the constituency, the UK Parliament Members API
for its current MP and their contact details, and the embedded snapshot when either service
cannot be reached.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from actkit import offline as snapshot
from actkit.errors import (
    ActkitError,
    NoRepresentative,
    NoWestminsterMP,
    OfflineUnavailable,
    PostcodeNotFound,
    ServiceUnavailable,
    VacantSeat,
)
from actkit.models import (
    HOUSE_OF_COMMONS_ADDRESS,
    MP,
    OFFLINE_POSTCODE_LIMITS,
    Constituency,
    Lookup,
    Office,
    Place,
    Source,
)
from actkit.postcodes import (
    BULK_LIMIT,
    NO_WESTMINSTER_MP,
    PostcodesIO,
    check_exists_offline,
    crown_dependency,
    is_northern_ireland,
    normalise_postcode,
)
from actkit.text import format_date

if TYPE_CHECKING:
    # The HTTP stack is imported only where a request is made: an offline lookup never
    # pays for requests and requests-cache.
    from actkit.http import HttpClient

SERVICE = "the UK Parliament Members API"
MEMBER_CACHE_LIFETIME = timedelta(days=1)
PAGE_SIZE = 20
"""The Members API's documented maximum for ``take``."""
PARLIAMENTARY_OFFICE, CONSTITUENCY_OFFICE = 1, 4


def name_key(name: str) -> str:
    """Compare constituency names across sources: "Glyndŵr" = "Glyndwr", "The" = "the"."""
    decomposed = unicodedata.normalize("NFKD", name.replace("&", " and "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace(",", " ").split())


@dataclass(frozen=True, slots=True)
class Contact:
    email: str | None
    phone: str | None
    postal_address: tuple[str, ...]
    constituency_office: Office | None


class MembersAPI:
    """The Members API: constituency → current MP, and an MP's contact details."""

    def __init__(self, http: HttpClient, base_url: str) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")

    def current_mp(self, constituency: Constituency) -> MP:
        """The sitting MP without contact details. Raises NoRepresentative for a vacant seat."""
        names = {name_key(constituency.name)}
        canonical = snapshot.constituency(constituency.gss_code)
        if canonical:
            names.add(name_key(canonical.name))
        search_name = canonical.name if canonical else constituency.name
        body = self._get(
            "/api/Location/Constituency/Search", searchText=search_name, skip=0, take=PAGE_SIZE
        )
        for item in _items(body):
            value = item.get("value") if isinstance(item, Mapping) else None
            if isinstance(value, Mapping) and _is_current_constituency(value, names):
                return _representative(value, constituency)
        raise ServiceUnavailable(SERVICE, f"it does not list the constituency {search_name}")

    def contact(self, member_id: int) -> Contact:
        return parse_contact(self._get(f"/api/Members/{member_id}/Contact"))

    def current_commons_members(self, *, concurrency: int = 1) -> list[tuple[str, MP]]:
        """Every sitting MP as (constituency name, MP): 33 pages of 20 for 650 seats.

        The first page gives the total; the rest are fetched ``concurrency`` at a time.
        """
        first = self._member_page(0)
        total = first.get("totalResults")
        if not isinstance(total, int):
            raise ServiceUnavailable(SERVICE, "unexpected response shape (no totalResults)")
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            rest = list(pool.map(self._member_page, range(PAGE_SIZE, total, PAGE_SIZE)))
        members = []
        for body in (first, *rest):
            for item in _items(body):
                value = item.get("value") if isinstance(item, Mapping) else None
                seat = _seat_of(value)
                if seat is not None and isinstance(value, Mapping):
                    members.append((seat, parse_member(value)))
        return members

    def _member_page(self, skip: int) -> Any:
        return self._get(
            "/api/Members/Search", House=1, IsCurrentMember="true", skip=skip, take=PAGE_SIZE
        )

    def _get(self, path: str, **params: Any) -> Any:
        response = self._http.get_json(
            SERVICE,
            f"{self._base_url}{path}",
            params=params or None,
            expire_after=MEMBER_CACHE_LIFETIME,
        )
        if response.status != 200:
            raise ServiceUnavailable(SERVICE, f"unexpected HTTP status {response.status}")
        return response.body


def _items(body: Any) -> list[Any]:
    items = body.get("items") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise ServiceUnavailable(SERVICE, "unexpected response shape (no items list)")
    return items


def _is_current_constituency(value: Mapping[str, Any], names: set[str]) -> bool:
    name = value.get("name")
    return isinstance(name, str) and name_key(name) in names and value.get("endDate") is None


def _representative(value: Mapping[str, Any], constituency: Constituency) -> MP:
    representation = value.get("currentRepresentation")
    member = representation.get("member") if isinstance(representation, Mapping) else None
    member_value = member.get("value") if isinstance(member, Mapping) else None
    if not isinstance(member_value, Mapping):
        raise VacantSeat(
            f"{constituency.name} has no MP at the moment: the seat is vacant until a "
            "by-election fills it",
            constituency=constituency.name,
        )
    return parse_member(member_value)


def _seat_of(value: Any) -> str | None:
    membership = value.get("latestHouseMembership") if isinstance(value, Mapping) else None
    if not isinstance(membership, Mapping) or membership.get("house") != 1:
        return None
    if membership.get("membershipEndDate") is not None:
        return None
    seat = membership.get("membershipFrom")
    return seat if isinstance(seat, str) else None


def parse_member(value: Mapping[str, Any]) -> MP:
    """An MP (without contact details) from a Members API ``Member`` object."""
    member_id, display = value.get("id"), value.get("nameDisplayAs")
    if not isinstance(member_id, int) or not isinstance(display, str):
        raise ServiceUnavailable(SERVICE, "unexpected response shape (member without id or name)")
    party = value.get("latestParty")
    party_name = party.get("name") if isinstance(party, Mapping) else None
    return MP(
        name=display,
        full_title=_text(value.get("nameFullTitle")) or f"{display} MP",
        address_as=_text(value.get("nameAddressAs")) or display,
        party=party_name if isinstance(party_name, str) else "Unknown party",
        member_id=member_id,
        postal_address=HOUSE_OF_COMMONS_ADDRESS,
    )


def parse_contact(body: Any) -> Contact:
    """Contact details from ``/api/Members/{id}/Contact``; every field is optional."""
    entries = body.get("value") if isinstance(body, Mapping) else None
    if not isinstance(entries, list):
        raise ServiceUnavailable(SERVICE, "unexpected response shape (no contact list)")
    entries = [e for e in entries if isinstance(e, Mapping) and not e.get("isWebAddress")]
    parliament = _first_of_type(entries, PARLIAMENTARY_OFFICE, "Parliamentary office")
    constituency = _first_of_type(entries, CONSTITUENCY_OFFICE, "Constituency office")
    email = _text(parliament.get("email")) if parliament else None
    if email is None:
        email = next((_text(e.get("email")) for e in entries if _text(e.get("email"))), None)
    return Contact(
        email=email,
        phone=_text(parliament.get("phone")) if parliament else None,
        postal_address=(_address(parliament) if parliament else ()) or HOUSE_OF_COMMONS_ADDRESS,
        constituency_office=_office(constituency) if constituency else None,
    )


def _first_of_type(
    entries: list[Mapping[str, Any]], type_id: int, type_name: str
) -> Mapping[str, Any] | None:
    for entry in entries:
        if entry.get("typeId") == type_id or _text(entry.get("type")) == type_name:
            return entry
    return None


def _address(entry: Mapping[str, Any]) -> tuple[str, ...]:
    keys = ("line1", "line2", "line3", "line4", "line5", "postcode")
    return tuple(line for line in (_text(entry.get(key)) for key in keys) if line)


def _office(entry: Mapping[str, Any]) -> Office | None:
    office = Office(
        address=_address(entry), email=_text(entry.get("email")), phone=_text(entry.get("phone"))
    )
    return office if (office.address or office.email or office.phone) else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# --- Putting it together -------------------------------------------------------------


def locate_postcode(
    postcode: str, *, offline: bool = False, http: HttpClient | None = None
) -> Place:
    """Where a postcode is (country and constituency), live with offline fallback.

    Raises InvalidPostcode before any network call for a malformed postcode,
    PostcodeNotFound when postcodes.io says it does not exist (never falls back then), and
    OfflineUnavailable when the services are down and the snapshot has no answer.
    """
    normalised = normalise_postcode(postcode)
    dependency = crown_dependency(normalised)
    if dependency:
        # No need to ask anyone: these islands have no Westminster MP.
        return Place(postcode=normalised, country=dependency, constituency=None, source="live")
    if offline:
        return _offline_place(normalised, reason=None)
    from actkit.services import postcodes_api

    with _client(http) as client:
        try:
            return PostcodesIO(client, postcodes_api()).place(normalised)
        except ServiceUnavailable as error:
            return _offline_place(normalised, reason=str(error))


def find_mp(
    postcode: str,
    *,
    offline: bool = False,
    http: HttpClient | None = None,
    today: date | None = None,
) -> Lookup:
    """The MP for a postcode, with contact details; see ``locate_postcode`` for errors.

    An answer from the offline snapshot warns how old it is and names its seat when the
    snapshot is known to be out of date there.
    """
    mp_source: Source
    if offline:
        place = locate_postcode(postcode, offline=True)
        constituency = constituency_of(place)
        mp, mp_source, mp_reason = offline_mp(constituency), "offline", None
    else:
        place, constituency, mp, mp_source, mp_reason = _find_mp_live(postcode, http)
    live = mp_source == "live"
    warnings: tuple[str, ...] = ()
    if not live:
        reasons = tuple(r for r in (place.fallback_reason, mp_reason) if r)
        notice = offline_notice(today or date.today(), postcode_offline=place.source == "offline")
        warnings = (*reasons, notice, *snapshot.seat_change_warnings(constituency.gss_code))
    return Lookup(
        postcode=place.postcode,
        country=place.country,
        constituency=constituency,
        mp=mp,
        source=mp_source,
        data_as_of=None if live else snapshot.mps_as_of(),
        warnings=warnings,
    )


def _find_mp_live(
    postcode: str, http: HttpClient | None
) -> tuple[Place, Constituency, MP, Source, str | None]:
    from actkit.services import members_api

    with _client(http) as client:
        place = locate_postcode(postcode, http=client)
        constituency = constituency_of(place)
        if place.source == "offline":
            return place, constituency, offline_mp(constituency), "offline", None
        members = MembersAPI(client, members_api())
        return place, constituency, *live_mp(constituency, members)


def constituency_of(place: Place) -> Constituency:
    """The place's constituency, or the reason it has no Westminster MP."""
    if place.country in NO_WESTMINSTER_MP:
        raise NoWestminsterMP(
            no_westminster_mp(place.postcode, place.country), country=place.country
        )
    if place.constituency is None:
        raise NoRepresentative(
            f"postcodes.io lists no Westminster constituency for {place.postcode}"
        )
    return place.constituency


def no_westminster_mp(postcode: str, country: str) -> str:
    if country == "Isle of Man":
        return (
            f"{postcode} is in the Isle of Man, which has no MP at Westminster: write to "
            "your Member of the House of Keys instead"
        )
    return (
        f"{postcode} is in the Channel Islands, which have no MP at Westminster: write to "
        "your representatives in the island's own parliament instead"
    )


def live_mp(
    constituency: Constituency, members: MembersAPI, *, known: MP | None = None
) -> tuple[MP, Source, str | None]:
    """(MP with contact details, source, why the snapshot was used), with offline fallback.

    ``known`` is the MP when a listing already named them, saving the search. Raises
    NoRepresentative for a vacant seat, OfflineUnavailable when neither source answers.
    """
    try:
        mp = known or members.current_mp(constituency)
    except ServiceUnavailable as error:
        return offline_mp(constituency), "offline", str(error)
    try:
        contact = members.contact(mp.member_id or 0)
    except ServiceUnavailable as error:
        return _with_snapshot_contact(mp, constituency), "offline", str(error)
    return with_contact(mp, contact), "live", None


def with_contact(mp: MP, contact: Contact) -> MP:
    return replace(
        mp,
        email=contact.email,
        phone=contact.phone,
        postal_address=contact.postal_address,
        constituency_office=contact.constituency_office,
    )


def _with_snapshot_contact(mp: MP, constituency: Constituency) -> MP:
    # Only trust the snapshot's email if it is for the same person the live API named.
    known = snapshot.mp_for(constituency.gss_code)
    same_member = known is not None and known.member_id == mp.member_id
    return replace(mp, email=known.email if known and same_member else None)


def offline_mp(constituency: Constituency) -> MP:
    mp = snapshot.mp_for(constituency.gss_code)
    if mp is None:
        raise OfflineUnavailable(f"the offline data has no MP for {constituency.name}")
    return mp


def _offline_place(postcode: str, *, reason: str | None) -> Place:
    if is_northern_ireland(postcode):
        raise OfflineUnavailable(
            f"{postcode} is in Northern Ireland, whose postcodes are not in the offline data"
            + (f" ({reason})" if reason else "; run without --offline to ask postcodes.io")
        )
    check_exists_offline(postcode, service_problem=reason)
    gss = snapshot.gss_for_postcode(postcode)
    found = snapshot.constituency(gss) if gss else None
    if found is None:
        # A real postcode (it is in the list) that the constituency table does not place,
        # such as a large user's or a PO box's: unknown offline, never guessed.
        raise OfflineUnavailable(
            f"{postcode} is a real postcode, but the offline data has no constituency for it"
            + (f" ({reason})" if reason else "; run without --offline to ask postcodes.io")
        )
    return Place(
        postcode=postcode,
        country=snapshot.nation_of(found.gss_code),
        constituency=found,
        source="offline",
        fallback_reason=reason,
    )


def offline_notice(today: date, *, postcode_offline: bool) -> str:
    """The one warning every offline answer carries: how old, and what it cannot know."""
    as_of = snapshot.mps_as_of()
    notice = (
        f"Answered from offline data: MP details as of {format_date(as_of)} "
        f"({(today - as_of).days} days old; seats change at by-elections)"
    )
    return f"{notice}; {OFFLINE_POSTCODE_LIMITS}" if postcode_offline else notice


@contextlib.contextmanager
def _client(http: HttpClient | None) -> Iterator[HttpClient]:
    """The caller's HttpClient, or a new one closed afterwards."""
    if http is not None:
        yield http
        return
    from actkit.http import HttpClient

    with HttpClient() as own:
        yield own


# --- Many postcodes at once (organiser batches) ---------------------------------------

PAGES_FOR_EVERY_MP = -(-650 // PAGE_SIZE)
"""Listing every sitting MP takes 33 requests; above this many seats it beats searching."""


@dataclass(frozen=True, slots=True)
class PlaceAnswer:
    """What one postcode resolved to, or why it could not."""

    gss_code: str | None
    source: Source
    problem: str | None = None
    reason: str = ""
    """The failure's reason code (``ActkitError.reason``), when it has one."""


@dataclass(frozen=True, slots=True)
class SeatAnswer:
    constituency: Constituency
    mp: MP | None
    source: Source
    problem: str | None = None
    warnings: tuple[str, ...] = ()
    """Known changes to the seat since the offline snapshot, when the MP came from it."""


class Resolution:
    """Answers for a batch: by normalised postcode, and (as they arrive) by constituency.

    Places are all known when ``resolve_many`` returns; MPs' contact details keep arriving
    on background threads, so letters can be written while the rest are fetched.
    ``seat`` waits for the one it needs. Close it (or use ``with``) to stop fetching.
    """

    def __init__(self, concurrency: int = 4) -> None:
        self.places: dict[str, PlaceAnswer] = {}
        self._seats: dict[str, SeatAnswer | Future[SeatAnswer]] = {}
        self._arrivals: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="actkit-mp")
        self._lock = threading.Lock()
        self.notes: list[str] = []
        """Service problems met on the way (each said once), for the report."""

    def seat(self, gss_code: str) -> SeatAnswer:
        """The seat's answer, waiting for it if it is still being fetched."""
        answer = self._seats[gss_code]
        return answer.result() if isinstance(answer, Future) else answer

    def has_seat(self, gss_code: str) -> bool:
        """Whether ``seat`` would answer without waiting."""
        answer = self._seats[gss_code]
        return not isinstance(answer, Future) or answer.done()

    def newly_ready(self) -> Iterator[str]:
        """Seats whose answers have arrived since last asked (never waits)."""
        while True:
            try:
                yield self._arrivals.get_nowait()
            except queue.Empty:
                return

    def _fetch(self, gss_code: str, work: Callable[[], SeatAnswer]) -> None:
        future = self._pool.submit(work)
        future.add_done_callback(lambda _: self._arrivals.put(gss_code))
        self._seats[gss_code] = future

    def settle(self) -> None:
        """Wait until every MP's details have arrived (or failed); fetch nothing more.

        Afterwards ``seat`` never waits and no thread is left running, so the process can
        be forked safely (``batch`` drafts in several processes).
        """
        self._pool.shutdown(wait=True)
        for gss_code, answer in list(self._seats.items()):
            if isinstance(answer, Future) and answer.exception() is None:
                self._seats[gss_code] = answer.result()  # a failed one raises in ``seat``

    def note(self, message: str) -> None:
        with self._lock:
            if message not in self.notes:
                self.notes.append(message)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Resolution:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def resolve_many(
    postcodes: Iterable[str],
    *,
    offline: bool,
    http: HttpClient,
    concurrency: int = 4,
    with_mps: bool = True,
) -> Resolution:
    """Constituency and MP for many normalised postcodes, with as few requests as possible.

    postcodes.io's bulk endpoint (100 a request); then each distinct constituency's MP
    once: by listing every sitting MP page by page when there are many seats, else a search
    per seat; then one contact request per MP, in the order the postcodes were given (so
    the first letters can be written first). Anything a service cannot answer comes from
    the offline snapshot, marked as such.
    """
    ordered = list(dict.fromkeys(postcodes))
    resolution = Resolution(concurrency)
    try:
        _resolve_places(
            sorted(ordered), resolution, offline=offline, http=http, concurrency=concurrency
        )
        seats = list(
            dict.fromkeys(
                answer.gss_code
                for answer in map(resolution.places.__getitem__, ordered)
                if answer.gss_code
            )
        )
        # A seat reached through a live postcode answer gets a live MP; one reached only
        # through offline answers (the service was down) stays offline.
        live = {a.gss_code for a in resolution.places.values() if a.gss_code and a.source == "live"}
        if with_mps:  # batches to other bodies (batch --to) need only the places
            _resolve_seats(seats, live, resolution, http=http, concurrency=concurrency)
    except BaseException:
        resolution.close()
        raise
    return resolution


def _resolve_places(
    postcodes: list[str],
    resolution: Resolution,
    *,
    offline: bool,
    http: HttpClient,
    concurrency: int,
) -> None:
    from actkit.services import postcodes_api

    service = PostcodesIO(http, postcodes_api())
    remote: list[str] = []
    for postcode in postcodes:
        dependency = crown_dependency(postcode)
        if dependency:
            problem = no_westminster_mp(postcode, dependency)
            resolution.places[postcode] = PlaceAnswer(None, "live", problem, NoWestminsterMP.reason)
        elif offline:
            resolution.places[postcode] = _offline_answer(postcode)
        else:
            remote.append(postcode)
    # Sorted, so the same supporters make the same requests and a re-run hits the cache.
    chunks = [remote[i : i + BULK_LIMIT] for i in range(0, len(remote), BULK_LIMIT)]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for chunk, answers in zip(
            chunks, pool.map(lambda c: _bulk(service, c), chunks), strict=True
        ):
            _record_bulk(chunk, answers, resolution)


def _bulk(service: PostcodesIO, chunk: list[str]) -> dict[str, Place | None] | ServiceUnavailable:
    try:
        return service.places(chunk)
    except ServiceUnavailable as error:
        return error


def _record_bulk(
    chunk: list[str], answers: dict[str, Place | None] | ServiceUnavailable, resolution: Resolution
) -> None:
    if isinstance(answers, ServiceUnavailable):
        resolution.note(f"{answers}; those postcodes were answered from offline data")
        for postcode in chunk:
            resolution.places[postcode] = _offline_answer(postcode, str(answers))
        return
    for postcode in chunk:
        place = answers.get(postcode)
        resolution.places[postcode] = _live_answer(postcode, place)


def _live_answer(postcode: str, place: Place | None) -> PlaceAnswer:
    if place is None:
        return PlaceAnswer(
            None, "live", f"{postcode} is not a postcode in use", PostcodeNotFound.reason
        )
    try:
        return PlaceAnswer(constituency_of(place).gss_code, "live")
    except ActkitError as error:
        return PlaceAnswer(None, "live", str(error), error.reason)


def _offline_answer(postcode: str, service_problem: str | None = None) -> PlaceAnswer:
    try:
        place = _offline_place(postcode, reason=service_problem)
    except ActkitError as error:
        return PlaceAnswer(None, "offline", str(error), error.reason)
    return PlaceAnswer(place.constituency.gss_code if place.constituency else None, "offline")


def _resolve_seats(
    seats: list[str], live: set[str], resolution: Resolution, *, http: HttpClient, concurrency: int
) -> None:
    from actkit.services import members_api

    members = MembersAPI(http, members_api())
    listed: dict[str, MP] = {}
    if len(live) > PAGES_FOR_EVERY_MP:
        listed = _list_every_mp(members, resolution, concurrency)
    for gss in seats:
        if gss not in live:
            resolution._seats[gss] = _offline_seat(gss)
        else:
            known = listed.get(gss)
            resolution._fetch(gss, functools.partial(_live_seat, members, gss, known, resolution))


def _live_seat(
    members: MembersAPI, gss: str, known: MP | None, resolution: Resolution
) -> SeatAnswer:
    """A seat's MP (searched for unless the listing named them) with contact details."""
    constituency = snapshot.constituency(gss) or Constituency(gss, gss)
    try:
        mp, source, fallback_reason = live_mp(constituency, members, known=known)
    except NoRepresentative as error:
        return SeatAnswer(constituency, None, "live", str(error))
    except OfflineUnavailable as error:
        return SeatAnswer(constituency, None, "offline", str(error))
    if fallback_reason:
        resolution.note(f"{fallback_reason}; those MPs' details came from offline data")
    changes = snapshot.seat_change_warnings(gss) if source == "offline" else ()
    return SeatAnswer(constituency, mp, source, warnings=changes)


def _list_every_mp(members: MembersAPI, resolution: Resolution, concurrency: int) -> dict[str, MP]:
    by_name = {name_key(c.name): gss for gss, c in snapshot.constituencies().items()}
    found: dict[str, MP] = {}
    try:
        for seat_name, mp in members.current_commons_members(concurrency=concurrency):
            gss = by_name.get(name_key(seat_name))
            if gss:
                found[gss] = mp
    except ServiceUnavailable as error:
        resolution.note(f"{error}; searching seat by seat instead")
        return {}
    return found


def _offline_seat(gss: str) -> SeatAnswer:
    constituency = snapshot.constituency(gss) or Constituency(gss, gss)
    mp = snapshot.mp_for(gss)
    problem = None if mp else f"the offline data has no MP for {constituency.name}"
    return SeatAnswer(constituency, mp, "offline", problem, snapshot.seat_change_warnings(gss))
