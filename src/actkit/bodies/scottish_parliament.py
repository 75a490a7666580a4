"""The Scottish Parliament: one constituency MSP and seven regional MSPs per postcode.

Area: postcodes.io ``/scotland/postcodes/{pc}`` (constituency and region, 2026 boundaries).
Members: data.parliament.scot collections, each fetched whole, cached a day and joined here:
constituency and region rows → current election statuses → members, emails and parties.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from actkit.bodies._shared import (
    MEMBER_LIST_LIFETIME,
    POSTCODE_LIFETIME,
    Once,
    reverse_list_name,
    rows,
    text,
)
from actkit.bodies.model import Area, BodyAnswer, Locality, Representative
from actkit.errors import NoAnswer, ServiceUnavailable
from actkit.representatives import name_key
from actkit.services import (
    DEFAULT_POSTCODES_API,
    DEFAULT_SCOTTISH_PARLIAMENT_API,
    POSTCODES_API_ENV,
    SCOTTISH_PARLIAMENT_API_ENV,
    base_url,
)

if TYPE_CHECKING:
    from actkit.http import HttpClient

SERVICE = "the Scottish Parliament's open data service (data.parliament.scot)"
POSTCODES_SERVICE = "postcodes.io (Scottish Parliament areas)"
POSTAL_ADDRESS = ("The Scottish Parliament", "Edinburgh", "EH99 1SP")
FIND_YOUR_MSP = "https://www.parliament.scot/msps/current-and-previous-msps/find-your-msp"
COLLECTIONS = (
    "constituencies",
    "regions",
    "MemberElectionConstituencyStatuses",
    "MemberElectionregionStatuses",
    "members",
    "emailaddresses",
    "memberparties",
    "parties",
)
# Constituency codes of the 2014 review (used in 2016 and 2021): an answer carrying one
# is from before the May 2026 boundaries, and its MSPs would be the wrong people.
_PRE_2026_CODES = range(74, 151)
_CONSTITUENCY_CODE = re.compile(r"S16(\d{6})")


@dataclass(frozen=True, slots=True)
class ScottishAreas:
    constituency: Area
    region: Area | None


@dataclass(frozen=True, slots=True)
class _Roster:
    """The joined collections: everything needed to answer any Scottish postcode."""

    constituencies: list[Mapping[str, Any]]
    regions: list[Mapping[str, Any]]
    constituency_seats: list[Mapping[str, Any]]
    region_seats: list[Mapping[str, Any]]
    people: dict[int, Mapping[str, Any]]
    emails: dict[int, str]
    parties: dict[int, str]


class ScottishParliament:
    body_id = "scottish-parliament"
    name = "Scottish Parliament"
    nation_id: str | None = "scotland"
    roles: tuple[str, ...] = ("constituency MSP", "regional MSP")

    def __init__(self, http: HttpClient) -> None:
        self._http = http
        self._roster = Once(self._fetch_roster)

    def representatives(self, where: Locality) -> BodyAnswer:
        if where.offline:
            raise ServiceUnavailable(SERVICE, "MSPs need the network (--offline was given)")
        areas = self.areas(where.postcode)
        roster = self._roster.get()
        warnings: list[str] = []
        constituency_row = _current_row(
            roster.constituencies, areas.constituency, "ConstituencyCode"
        )
        if constituency_row is None:
            raise ServiceUnavailable(
                SERVICE, f"it lists no current constituency called {areas.constituency.name}"
            )
        found = [
            self._member(roster, person, "constituency MSP", areas.constituency)
            for person in _sitting(roster.constituency_seats, "ConstituencyID", constituency_row)
        ]
        if not found:
            warnings.append(
                f"The Scottish Parliament lists no constituency MSP for "
                f"{areas.constituency.name} (a vacant seat?)"
            )
        region = areas.region
        region_row = _region_row(roster, region, constituency_row)
        if region is None and region_row is not None and text(region_row.get("Name")):
            # postcodes.io gave no region (before 19.0.0): the Parliament's own link from
            # constituency to region still says which.
            region = Area(text(region_row.get("Name")) or "")
        if region is None or region_row is None:
            warnings.append(
                f"The regional MSPs for {where.postcode} are unknown: postcodes.io or the "
                "Scottish Parliament gave no region for it"
            )
        else:
            found += [
                self._member(roster, person, "regional MSP", region)
                for person in _sitting(roster.region_seats, "RegionID", region_row)
            ]
        return BodyAnswer(tuple(found), tuple(warnings))

    def areas(self, postcode: str) -> ScottishAreas:
        """The postcode's Scottish Parliament constituency and region (2026 boundaries)."""
        url = f"{base_url(POSTCODES_API_ENV, DEFAULT_POSTCODES_API)}/scotland/postcodes/"
        response = self._http.get_json(
            POSTCODES_SERVICE, url + postcode.replace(" ", ""), expire_after=POSTCODE_LIFETIME
        )
        if response.status == 404:
            raise NoAnswer(
                f"postcodes.io has no Scottish Parliament constituency for {postcode} (it is "
                f"not in the Scottish Postcode Directory yet): find your MSPs at {FIND_YOUR_MSP}"
            )
        result = response.body.get("result") if isinstance(response.body, Mapping) else None
        if response.status != 200 or not isinstance(result, Mapping):
            raise ServiceUnavailable(
                POSTCODES_SERVICE, f"unexpected answer (HTTP {response.status})"
            )
        return parse_areas(result)

    def _fetch_roster(self) -> _Roster:
        base = base_url(SCOTTISH_PARLIAMENT_API_ENV, DEFAULT_SCOTTISH_PARLIAMENT_API)
        data = {}
        for name in COLLECTIONS:
            response = self._http.get_json(
                SERVICE, f"{base}/api/{name}", expire_after=MEMBER_LIST_LIFETIME
            )
            if response.status != 200:
                raise ServiceUnavailable(SERVICE, f"HTTP {response.status} for /api/{name}")
            data[name] = rows(SERVICE, response.body, name)
        return _Roster(
            constituencies=data["constituencies"],
            regions=data["regions"],
            constituency_seats=data["MemberElectionConstituencyStatuses"],
            region_seats=data["MemberElectionregionStatuses"],
            people=_by_person(data["members"]),
            emails=_emails(data["emailaddresses"]),
            parties=_parties(data["memberparties"], data["parties"]),
        )

    def _member(self, roster: _Roster, person: int, role: str, area: Area) -> Representative:
        row = roster.people.get(person, {})
        listed = text(row.get("ParliamentaryName"))
        name = reverse_list_name(listed) if listed else text(row.get("PreferredName"))
        name = name or f"MSP {person}"
        return Representative(
            body=self.body_id,
            role=role,
            area=area,
            name=name,
            full_title=f"{name} MSP",
            address_as=name,
            party=roster.parties.get(person),
            email=roster.emails.get(person),
            phone=None,
            postal_address=POSTAL_ADDRESS,
            profile_url=None,
            source="live",
            data_as_of=None,
            member_id=str(person),
        )


def parse_areas(result: Mapping[str, Any]) -> ScottishAreas:
    """Read postcodes.io's Scottish postcode object; the ``*_2021`` keys are ignored."""
    codes = result.get("codes") if isinstance(result.get("codes"), Mapping) else {}
    name = text(result.get("scottish_parliamentary_constituency"))
    code = text(codes.get("scottish_parliamentary_constituency")) if codes else None
    if name is None:
        raise ServiceUnavailable(POSTCODES_SERVICE, "it gave no Scottish Parliament constituency")
    match = _CONSTITUENCY_CODE.fullmatch(code or "")
    if match and int(match.group(1)) in _PRE_2026_CODES:
        raise ServiceUnavailable(
            POSTCODES_SERVICE,
            f"it gave a pre-2026 constituency ({name}, {code}): its data is out of date",
        )
    region_name = text(result.get("scottish_parliamentary_region"))
    region_code = text(codes.get("scottish_parliamentary_region")) if codes else None
    region = Area(region_name, region_code) if region_name else None
    return ScottishAreas(Area(name, code), region)


def _current(row: Mapping[str, Any], end_key: str = "ValidUntilDate") -> bool:
    return row.get(end_key) in (None, "")


def _current_row(
    table: list[Mapping[str, Any]], area: Area, code_key: str
) -> Mapping[str, Any] | None:
    """The current row with this GSS code; failing that, with this name."""
    current = [row for row in table if _current(row) and _current(row, "EndDate")]
    if area.code:
        for row in current:
            if text(row.get(code_key)) == area.code:
                return row
    wanted = name_key(area.name)
    return next((row for row in current if name_key(text(row.get("Name")) or "") == wanted), None)


def _region_row(
    roster: _Roster, region: Area | None, constituency_row: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    region_id = constituency_row.get("RegionID")
    for row in roster.regions:
        if region_id is not None and row.get("ID") == region_id:
            return row
    return _current_row(roster.regions, region, "RegionCode") if region else None


def _sitting(seats: list[Mapping[str, Any]], key: str, area_row: Mapping[str, Any]) -> list[int]:
    """PersonIDs holding the area's seats now (no end date), in the order listed."""
    area_id = area_row.get("ID")
    people = [seat.get("PersonID") for seat in seats if seat.get(key) == area_id and _current(seat)]
    return list(dict.fromkeys(p for p in people if isinstance(p, int)))


def _by_person(table: list[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    return {row["PersonID"]: row for row in table if isinstance(row.get("PersonID"), int)}


def _emails(table: list[Mapping[str, Any]]) -> dict[int, str]:
    """Each person's default address, else their first listed one."""
    chosen: dict[int, str] = {}
    for row in sorted(table, key=lambda r: not r.get("IsDefault")):
        person, address = row.get("PersonID"), text(row.get("Address"))
        if isinstance(person, int) and address and "@" in address:
            chosen.setdefault(person, address)
    return chosen


def _parties(
    memberships: list[Mapping[str, Any]], parties: list[Mapping[str, Any]]
) -> dict[int, str]:
    names = {row.get("ID"): text(row.get("ActualName")) for row in parties}
    current: dict[int, str] = {}
    for row in memberships:
        person, party = row.get("PersonID"), names.get(row.get("PartyID"))
        if isinstance(person, int) and party and _current(row):
            current[person] = party
    return current
