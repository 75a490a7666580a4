"""The House of Commons: the Westminster MP, through the existing MP lookup
(postcodes.io, the Members API, and the embedded snapshot when they cannot answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from actkit.bodies.model import Area, BodyAnswer, Locality, Representative
from actkit.models import Lookup
from actkit.representatives import find_mp

if TYPE_CHECKING:
    from actkit.http import HttpClient

PROFILE_URL = "https://members.parliament.uk/member/{member_id}/contact"


class Commons:
    body_id = "commons"
    name = "House of Commons"
    nation_id: str | None = None
    roles: tuple[str, ...] = ("MP",)

    def __init__(self, http: HttpClient) -> None:
        self._http = http

    def representatives(self, where: Locality) -> BodyAnswer:
        found = find_mp(where.postcode, offline=where.offline, http=self._http, today=where.today)
        return BodyAnswer((from_lookup(found),), found.warnings)


def from_lookup(found: Lookup) -> Representative:
    """The MP of a ``find_mp`` answer as a representative."""
    mp = found.mp
    return Representative(
        body="commons",
        role="MP",
        area=Area(found.constituency.name, found.constituency.gss_code),
        name=mp.name,
        full_title=mp.full_title,
        address_as=mp.address_as,
        party=mp.party,
        email=mp.email,
        phone=mp.phone,
        postal_address=mp.postal_address,
        profile_url=PROFILE_URL.format(member_id=mp.member_id) if mp.member_id else None,
        source=found.source,
        data_as_of=found.data_as_of,
        member_id=str(mp.member_id) if mp.member_id is not None else None,
    )
