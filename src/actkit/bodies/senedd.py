"""Senedd Cymru: six Members of the Senedd for each of 16 constituencies (since May 2026).

Area: postcodes.io's ``senedd_constituency`` when it gives one of the 16 names, else the
exact pairing of two 2024 Westminster seats (each Senedd constituency is two of them).
Members: the Senedd's Modern.gov web service, ``GetCouncillorsByWard`` (XML; each "ward" is
a constituency). The lower-case ``mgwebservice.asmx`` matters: the mixed-case path is
refused by the Senedd's firewall.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from actkit.bodies._shared import MEMBER_LIST_LIFETIME, POSTCODE_LIFETIME, Once, text
from actkit.bodies.model import Area, BodyAnswer, Locality, Representative
from actkit.errors import NoAnswer, ServiceUnavailable
from actkit.representatives import name_key
from actkit.services import (
    DEFAULT_POSTCODES_API,
    DEFAULT_SENEDD_API,
    POSTCODES_API_ENV,
    SENEDD_API_ENV,
    base_url,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from actkit.http import HttpClient

SERVICE = "the Senedd's member list (business.senedd.wales)"
MEMBERS_PATH = "/mgwebservice.asmx/GetCouncillorsByWard"
POSTAL_ADDRESS = ("Welsh Parliament", "Cardiff Bay", "Cardiff", "CF99 1SN")
PROFILE_URL = "https://senedd.wales/people/{member_id}"
SUFFIXES = (" MS", " AS")
"""Modern.gov names end in the post-nominal, English or Welsh."""

# Senedd constituency (2026) ← its two 2024 Westminster constituencies, from the Democracy
# and Boundary Commission Cymru's final determinations (March 2025).
WESTMINSTER_PAIRS: dict[str, tuple[str, str]] = {
    "Bangor Conwy Môn": ("W07000083", "W07000112"),
    "Clwyd": ("W07000094", "W07000095"),
    "Fflint Wrecsam": ("W07000082", "W07000111"),
    "Gwynedd Maldwyn": ("W07000096", "W07000102"),
    "Ceredigion Penfro": ("W07000093", "W07000100"),
    "Sir Gaerfyrddin": ("W07000087", "W07000098"),
    "Brycheiniog Tawe Nedd": ("W07000085", "W07000103"),
    "Gŵyr Abertawe": ("W07000097", "W07000108"),
    "Afan Ogwr Rhondda": ("W07000081", "W07000107"),
    "Pen-y-bont Bro Morgannwg": ("W07000086", "W07000110"),
    "Pontypridd Cynon Merthyr": ("W07000099", "W07000106"),
    "Caerdydd Penarth": ("W07000092", "W07000091"),
    "Caerdydd Ffynnon Taf": ("W07000090", "W07000089"),
    "Blaenau Gwent Caerffili Rhymni": ("W07000084", "W07000088"),
    "Sir Fynwy Torfaen": ("W07000101", "W07000109"),
    "Casnewydd Islwyn": ("W07000104", "W07000105"),
}
_BY_WESTMINSTER = {code: name for name, pair in WESTMINSTER_PAIRS.items() for code in pair}
_BY_KEY = {name_key(name): name for name in WESTMINSTER_PAIRS}


class Senedd:
    body_id = "senedd"
    name = "Senedd"
    nation_id: str | None = "wales"
    roles: tuple[str, ...] = ("MS",)

    def __init__(self, http: HttpClient) -> None:
        self._http = http
        self._wards = Once(self._fetch_wards)

    def representatives(self, where: Locality) -> BodyAnswer:
        constituency = self.constituency(where)
        if where.offline:
            raise ServiceUnavailable(
                SERVICE,
                f"Members of the Senedd need the network (--offline was given; "
                f"{where.postcode} is in {constituency})",
            )
        wards = self._wards.get()
        members = wards.get(name_key(constituency))
        if members is None:
            raise ServiceUnavailable(SERVICE, f"it lists no constituency called {constituency}")
        area = Area(constituency)
        found = tuple(_member(element, area) for element in members)
        return BodyAnswer(found)

    def constituency(self, where: Locality) -> str:
        """The postcode's Senedd constituency, by name (the service gives no code)."""
        # One lookup reads postcodes.io's own answer (from the cache: the MP lookup asked
        # the same); a batch's bulk answers lack it, and the exact pairing below will do.
        if where.place.source == "live" and not where.many:
            named = _BY_KEY.get(name_key(self._postcodes_io_name(where.postcode) or ""))
            if named:
                return named
        westminster = where.place.constituency
        paired = _BY_WESTMINSTER.get(westminster.gss_code) if westminster else None
        if paired is None:
            raise NoAnswer(f"no Senedd constituency is known for {where.postcode}")
        return paired

    def _postcodes_io_name(self, postcode: str) -> str | None:
        url = f"{base_url(POSTCODES_API_ENV, DEFAULT_POSTCODES_API)}/postcodes/"
        try:
            # The same request as the MP lookup's: answered from the cache.
            response = self._http.get_json(
                "postcodes.io", url + postcode.replace(" ", ""), expire_after=POSTCODE_LIFETIME
            )
        except ServiceUnavailable:
            return None  # the Westminster pairing still answers
        result = response.body.get("result") if isinstance(response.body, Mapping) else None
        return text(result.get("senedd_constituency")) if isinstance(result, Mapping) else None

    def _fetch_wards(self) -> dict[str, list[Element]]:
        url = base_url(SENEDD_API_ENV, DEFAULT_SENEDD_API) + MEMBERS_PATH
        response = self._http.get_text(SERVICE, url, expire_after=MEMBER_LIST_LIFETIME)
        if response.status != 200:
            raise ServiceUnavailable(SERVICE, f"unexpected HTTP status {response.status}")
        return parse_wards(response.content)


def parse_wards(document: str | bytes) -> dict[str, list[Element]]:
    """Constituency (as ``name_key``) → its ``councillor`` elements."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(document)
    except (ElementTree.ParseError, DefusedXmlException):
        raise ServiceUnavailable(
            SERVICE, "it answered with something other than its XML member list"
        ) from None
    if root.tag.lower() == "html":
        raise ServiceUnavailable(
            SERVICE, "it answered with a web page (an error page?) instead of its XML member list"
        )
    if root.tag != "councillorsbyward":
        raise ServiceUnavailable(SERVICE, f"unexpected response shape (<{root.tag}>)")
    wards: dict[str, list[Element]] = {}
    for ward in root.iter("ward"):
        title = text(ward.findtext("wardtitle"))
        if title:
            wards.setdefault(name_key(title), []).extend(ward.iter("councillor"))
    return wards


def _member(element: Element, area: Area) -> Representative:
    member_id = text(element.findtext("councillorid"))
    name = _without_suffix(text(element.findtext("fullusername")) or "")
    work = element.find("workaddress")
    email = text(work.findtext("email")) if work is not None else None
    phone = text(work.findtext("phone")) if work is not None else None
    return Representative(
        body="senedd",
        role="MS",
        area=area,
        name=name,
        full_title=f"{name} MS",
        address_as=name,
        party=text(element.findtext("politicalpartytitle")),
        email=email if email and "@" in email else None,
        phone=phone,
        postal_address=POSTAL_ADDRESS,
        profile_url=PROFILE_URL.format(member_id=member_id) if member_id else None,
        source="live",
        data_as_of=None,
        member_id=member_id,
    )


def _without_suffix(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)].strip()
    return name
