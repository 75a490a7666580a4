"""The Northern Ireland Assembly: five MLAs for each Assembly constituency.

Area: the Westminster constituency postcodes.io gives. Assembly constituencies are the
Westminster ones, but a boundary change reaches the Assembly only at its next election, so
until then its seats follow the pre-2024 boundaries: every answer says so, and names that
changed in 2024 are matched through ``ASSEMBLY_NAMES``.
Members: the Assembly's open data service (AIMS), ``GetAllCurrentMembers_JSON`` and
``GetAllMemberContactDetails_JSON`` (whose email key really is spelt ``EmaiAddress``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from actkit.bodies._shared import MEMBER_LIST_LIFETIME, Once, reverse_list_name, text
from actkit.bodies.model import Area, BodyAnswer, Locality, Representative
from actkit.errors import NoAnswer, ServiceUnavailable
from actkit.representatives import name_key
from actkit.services import DEFAULT_NI_ASSEMBLY_API, NI_ASSEMBLY_API_ENV, base_url

if TYPE_CHECKING:
    from actkit.http import HttpClient

SERVICE = "the NI Assembly's open data service (data.niassembly.gov.uk)"
MEMBERS_PATH = "/members.asmx/GetAllCurrentMembers_JSON"
CONTACTS_PATH = "/members.asmx/GetAllMemberContactDetails_JSON"
POSTAL_ADDRESS = ("Parliament Buildings", "Ballymiscaw", "Stormont", "Belfast", "BT4 3XX")
EMAIL_DOMAINS = ("@mla.niassembly.gov.uk", "@co.niassembly.gov.uk")
"""In order of preference: the member's own address, then their constituency office's."""

ASSEMBLY_NAMES: dict[str, str] = {
    # 2024 Westminster name → the name the Assembly still uses until its next election.
    "Belfast South and Mid Down": "Belfast South",
}
BOUNDARY_NOTICE = (
    "NI Assembly seats still follow the pre-2024 Westminster boundaries until the next "
    "Assembly election: near a boundary that moved in 2024 these may not be your MLAs"
)


class NIAssembly:
    body_id = "ni-assembly"
    name = "NI Assembly"
    nation_id: str | None = "northern-ireland"
    roles: tuple[str, ...] = ("MLA",)

    def __init__(self, http: HttpClient) -> None:
        self._http = http
        self._members = Once(self._fetch_members)

    def representatives(self, where: Locality) -> BodyAnswer:
        westminster = where.place.constituency
        if westminster is None:
            raise NoAnswer(f"no Assembly constituency is known for {where.postcode}")
        if where.offline:
            raise ServiceUnavailable(SERVICE, "MLAs need the network (--offline was given)")
        seat = assembly_name(westminster.name)
        wanted = name_key(seat)
        members = [m for m in self._members.get() if name_key(_seat(m)) == wanted]
        if not members:
            raise ServiceUnavailable(SERVICE, f"it lists no MLAs for {seat}")
        warnings = [BOUNDARY_NOTICE]
        contacts, problem = self._contacts()
        if problem:
            warnings.append(f"{problem}; MLAs' email addresses are left empty")
        # No code: N05 codes name the 2024 Westminster seats, not the Assembly's older ones.
        area = Area(seat)
        found = tuple(
            _member(m, area, contacts.get(text(m.get("PersonId")) or "", [])) for m in members
        )
        return BodyAnswer(found, tuple(warnings), emails_known=problem is None)

    def _fetch_members(self) -> list[Mapping[str, Any]]:
        return _envelope(self._get(MEMBERS_PATH))

    def _contacts(self) -> tuple[dict[str, list[Mapping[str, Any]]], str | None]:
        """Contact rows by PersonId; a failure is a warning, never a reason to drop MLAs."""
        try:
            rows = _envelope(self._get(CONTACTS_PATH))
        except ServiceUnavailable as error:
            return {}, str(error)
        by_person: dict[str, list[Mapping[str, Any]]] = {}
        for row in rows:
            person = text(row.get("PersonId"))
            if person:
                by_person.setdefault(person, []).append(row)
        return by_person, None

    def _get(self, path: str) -> Any:
        url = base_url(NI_ASSEMBLY_API_ENV, DEFAULT_NI_ASSEMBLY_API) + path
        response = self._http.get_json(SERVICE, url, expire_after=MEMBER_LIST_LIFETIME)
        if response.status != 200:
            raise ServiceUnavailable(SERVICE, f"unexpected HTTP status {response.status}")
        return response.body


def assembly_name(westminster_name: str) -> str:
    wanted = name_key(westminster_name)
    for new, old in ASSEMBLY_NAMES.items():
        if name_key(new) == wanted:
            return old
    return westminster_name


def _envelope(body: Any) -> list[Mapping[str, Any]]:
    """``{"AllMembersList": {"Member": [...]}}``; one member may come as an object."""
    listing = body.get("AllMembersList") if isinstance(body, Mapping) else None
    members = listing.get("Member") if isinstance(listing, Mapping) else None
    if isinstance(members, Mapping):
        members = [members]
    if not isinstance(members, list):
        raise ServiceUnavailable(SERVICE, "unexpected response shape (no AllMembersList.Member)")
    return [m for m in members if isinstance(m, Mapping)]


def _seat(member: Mapping[str, Any]) -> str:
    return text(member.get("ConstituencyName")) or ""


def _member(
    member: Mapping[str, Any], area: Area, contacts: list[Mapping[str, Any]]
) -> Representative:
    first, last = text(member.get("MemberFirstName")), text(member.get("MemberLastName"))
    listed = text(member.get("MemberName"))
    name = f"{first} {last}" if first and last else reverse_list_name(listed or "")
    chosen = _preferred_contact(contacts)
    email = text(chosen.get("EmaiAddress")) if chosen else None
    phone_row = chosen or next((c for c in contacts if text(c.get("TelephoneNumber"))), None)
    return Representative(
        body="ni-assembly",
        role="MLA",
        area=area,
        name=name,
        full_title=f"{name} MLA",
        address_as=name,
        party=text(member.get("PartyName")),
        email=email,
        phone=text(phone_row.get("TelephoneNumber")) if phone_row else None,
        postal_address=POSTAL_ADDRESS,
        profile_url=None,
        source="live",
        data_as_of=None,
        member_id=text(member.get("PersonId")),
    )


def _preferred_contact(contacts: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for domain in EMAIL_DOMAINS:
        for row in contacts:
            email = (text(row.get("EmaiAddress")) or "").lower()
            if email.endswith(domain):
                return row
    return None
