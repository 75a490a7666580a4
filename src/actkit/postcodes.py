"""UK postcodes: normalising and validating them (pure), and asking postcodes.io about them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from actkit import nations, offline
from actkit.errors import (
    InvalidPostcode,
    NoSuchDistrict,
    NotInOfflineList,
    NotInUK,
    OfflineUnavailable,
    PostcodeNotFound,
    PostcodeTerminated,
    ServiceUnavailable,
)
from actkit.models import Constituency, Place

if TYPE_CHECKING:
    from actkit.http import HttpClient
    from actkit.nations import Nation

SERVICE = "postcodes.io"
POSTCODE_CACHE_LIFETIME = timedelta(days=30)
BULK_LIMIT = 100
"""postcodes.io refuses more than 100 postcodes in one bulk request."""
BULK_FIELDS = "postcode,country,parliamentary_constituency,codes"
"""Only these come back from a bulk lookup (postcodes.io's ``filter``): a fifth of the bytes."""

# Outward code: one or two letters, a digit, then an optional letter or digit; inward code:
# a digit and two letters. The same shape postcodes.io accepts.
_SHAPE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
_WHITESPACE = re.compile(r"\s+")

POSTCODE_HELP = "a UK postcode looks like SW1A 1AA, M1 1AE or NR2 1AB"

CROWN_DEPENDENCIES = {"JE": "Channel Islands", "GY": "Channel Islands", "IM": "Isle of Man"}
NO_WESTMINSTER_MP = frozenset({"Channel Islands", "Isle of Man"})
_MONTHS = tuple(date(2000, month, 1).strftime("%B") for month in range(1, 13))


def normalise_postcode(text: str) -> str:
    """Return the canonical form ("NR2 1AB") of any casing and spacing, or raise InvalidPostcode."""
    compact = _WHITESPACE.sub("", text).upper()
    if not _SHAPE.fullmatch(compact):
        shown = _WHITESPACE.sub(" ", text).strip()[:40]
        raise InvalidPostcode(f"{shown!r} is not a valid UK postcode: {POSTCODE_HELP}")
    return f"{compact[:-3]} {compact[-3:]}"


def area(postcode: str) -> str:
    """The letters at the start of a normalised postcode ("SW" for "SW1A 1AA")."""
    return re.match(r"[A-Z]+", postcode).group()  # type: ignore[union-attr]  # shape checked


def crown_dependency(postcode: str) -> str | None:
    """ "Channel Islands" or "Isle of Man" for their postcodes, else None."""
    return CROWN_DEPENDENCIES.get(area(postcode))


def is_northern_ireland(postcode: str) -> bool:
    """Every BT postcode, and only those, is in Northern Ireland."""
    return area(postcode) == "BT"


def outward_code(postcode: str) -> str:
    """The district part of a normalised postcode ("NR2" for "NR2 1AB")."""
    return postcode.partition(" ")[0]


def check_exists_offline(postcode: str, *, service_problem: str | None = None) -> None:
    """Refuse a normalised GB postcode that is not in the offline list of 2023 postcodes.

    Raises NoSuchDistrict when no GB district has its outward code, NotInOfflineList when
    the district exists but the postcode is not listed. ``service_problem`` says why the
    live service was not asked, when it was tried and failed.
    """
    outward = outward_code(postcode)
    year = offline.POSTCODE_LIST_YEAR
    if not offline.district_exists(outward):
        raise NoSuchDistrict(
            f"{postcode}: no such district: there is no postcode district {outward} in Great "
            f"Britain (checked against the offline list of {year} postcodes); check the "
            f"postcode{_offline_because(service_problem)}"
        )
    if not offline.postcode_exists(postcode):
        advice = "try again later" if service_problem else "run online"
        raise NotInOfflineList(
            f"{postcode} is not in the offline list of {year} postcodes: mistyped, terminated "
            f"or new; check it or {advice}{_offline_because(service_problem)}"
        )


def _offline_because(service_problem: str | None) -> str:
    return f" ({service_problem})" if service_problem else ""


def nation_of(postcode: str) -> Nation:
    """The UK nation a postcode is in, from the postcode and the offline data alone.

    Sends nothing anywhere. BT postcodes are in Northern Ireland; a GB postcode in the
    offline list is placed by its constituency; one that is not listed (new since the list
    was made, or mistyped in the inward part) is placed by its district when the whole
    district lies in one nation. Raises InvalidPostcode (not a postcode's shape), NotInUK
    (Channel Islands, Isle of Man), NoSuchDistrict, NotInOfflineList (a district that
    straddles a border), or OfflineUnavailable (a listed postcode the offline data cannot
    place).
    """
    normalised = normalise_postcode(postcode)
    if is_northern_ireland(normalised):
        return nations.by_id("northern-ireland")
    dependency = crown_dependency(normalised)
    if dependency:
        raise NotInUK(
            f"{normalised} is in the {dependency}, which is not one of the UK's four nations"
        )
    if offline.postcode_exists(normalised):
        gss = offline.gss_for_postcode(normalised)
        nation = nations.by_gss_code(gss) if gss else None
        if nation:
            return nation
    letter = offline.district_nation_letter(outward_code(normalised))
    nation = nations.by_gss_code(letter) if letter else None
    if nation:
        return nation
    check_exists_offline(normalised)
    raise OfflineUnavailable(
        f"the offline data cannot tell which nation {normalised} is in: name the nation instead"
    )


class PostcodesIO:
    """The postcodes.io API: postcode → country and Westminster constituency."""

    def __init__(self, http: HttpClient, base_url: str) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")

    def place(self, postcode: str) -> Place:
        """Look up one normalised postcode. Raises PostcodeNotFound or ServiceUnavailable."""
        compact = postcode.replace(" ", "")
        response = self._http.get_json(
            SERVICE, f"{self._base_url}/postcodes/{compact}", expire_after=POSTCODE_CACHE_LIFETIME
        )
        if response.status == 404:
            raise _not_found(postcode, response.body)
        if response.status != 200:
            raise ServiceUnavailable(SERVICE, f"unexpected HTTP status {response.status}")
        return parse_place(_field(response.body, "result"))

    def places(self, postcodes: Iterable[str]) -> dict[str, Place | None]:
        """Bulk lookup of normalised postcodes, 100 per request; None where not found."""
        wanted = list(dict.fromkeys(postcodes))
        found: dict[str, Place | None] = {}
        for start in range(0, len(wanted), BULK_LIMIT):
            found.update(self._bulk_chunk(wanted[start : start + BULK_LIMIT]))
        return found

    def _bulk_chunk(self, chunk: list[str]) -> dict[str, Place | None]:
        response = self._http.post_json(
            SERVICE,
            f"{self._base_url}/postcodes",
            {"postcodes": chunk},
            params={"filter": BULK_FIELDS},
            expire_after=POSTCODE_CACHE_LIFETIME,
        )
        if response.status != 200:
            raise ServiceUnavailable(SERVICE, f"unexpected HTTP status {response.status}")
        results = _field(response.body, "result")
        if not isinstance(results, list):
            raise ServiceUnavailable(SERVICE, "unexpected response shape (result is not a list)")
        answers: dict[str, Place | None] = dict.fromkeys(chunk)
        for item in results:
            # Index by the echoed query: postcodes.io drops entries it cannot read.
            query = _field(item, "query")
            if query in answers and item.get("result") is not None:
                answers[query] = parse_place(item["result"])
        return answers


def parse_place(result: Any) -> Place:
    """Read a postcodes.io postcode object; unknown keys are ignored."""
    if not isinstance(result, Mapping):
        raise ServiceUnavailable(SERVICE, "unexpected response shape (result is not an object)")
    postcode, country = result.get("postcode"), result.get("country")
    if not isinstance(postcode, str) or not isinstance(country, str):
        raise ServiceUnavailable(SERVICE, "unexpected response shape (no postcode or country)")
    name = result.get("parliamentary_constituency")
    codes = result.get("codes") if isinstance(result.get("codes"), Mapping) else {}
    gss = codes.get("parliamentary_constituency") if codes else None
    constituency = None
    if isinstance(name, str) and isinstance(gss, str) and not gss.endswith("99999999"):
        constituency = Constituency(name=name, gss_code=gss)
    return Place(postcode=postcode, country=country, constituency=constituency, source="live")


def _field(body: Any, key: str) -> Any:
    if not isinstance(body, Mapping) or key not in body:
        raise ServiceUnavailable(SERVICE, f"unexpected response shape (no {key!r})")
    return body[key]


def _not_found(postcode: str, body: Any) -> Exception:
    error = body.get("error") if isinstance(body, Mapping) else None
    terminated = body.get("terminated") if isinstance(body, Mapping) else None
    if isinstance(terminated, Mapping):
        return PostcodeTerminated(
            f"{postcode} is no longer in use: it was terminated {_when(terminated)}. "
            "Use the current postcode of the address (check a recent letter or bill)"
        )
    if error == "Invalid postcode":
        return InvalidPostcode(
            f"postcodes.io says {postcode} is not a valid postcode: {POSTCODE_HELP}"
        )
    return PostcodeNotFound(
        f"{postcode} is not a postcode in use: check it for typos (O for 0, I for 1)"
    )


def _when(terminated: Mapping[str, Any]) -> str:
    year, month = terminated.get("year_terminated"), terminated.get("month_terminated")
    if isinstance(year, int) and isinstance(month, int) and 1 <= month <= 12:
        return f"in {_MONTHS[month - 1]} {year}"
    return f"in {year}" if isinstance(year, int) else "some time ago"
