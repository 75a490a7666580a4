"""The one representative model: an MP, an MSP, a Member of the Senedd or an MLA.

Every body's adapter answers in these types, the CLI prints them, and letters are
addressed from them (``as_recipient`` gives the shape the letter renderer has always used).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from actkit.models import MP, Constituency, Source

if TYPE_CHECKING:
    from actkit.http import HttpClient
    from actkit.models import Place


@dataclass(frozen=True, slots=True)
class Area:
    """The area a representative sits for: a constituency or a region."""

    name: str
    code: str | None = None
    """A GSS code where the source gives one (S16…, S17…, W07…, N05…); None otherwise."""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "code": self.code}


@dataclass(frozen=True, slots=True)
class Representative:
    """One elected member and how to reach them."""

    body: str
    """A body id (``actkit.bodies.BODY_IDS``)."""
    role: str
    """ "MP", "constituency MSP", "regional MSP", "MS" or "MLA"."""
    area: Area
    name: str
    """As people write it, without post-nominals: "Jane Smith"."""
    full_title: str
    """First line of an address block, with the body's post-nominal: "Jane Smith MSP"."""
    address_as: str
    """What follows "Dear" in a letter."""
    party: str | None
    email: str | None
    phone: str | None
    postal_address: tuple[str, ...]
    profile_url: str | None
    source: Source
    data_as_of: date | None
    """Date of the offline data used; None for a live answer."""
    member_id: str | None = None
    """The body's own id for the member (Members API id, PersonID, councillorid)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "role": self.role,
            "area": self.area.to_json(),
            "name": self.name,
            "party": self.party,
            "email": self.email,
            "phone": self.phone,
            "postal_address": list(self.postal_address),
            "profile_url": self.profile_url,
            "source": self.source,
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
        }

    def as_recipient(self) -> tuple[MP, Constituency]:
        """The recipient and area in the shape the letter renderer takes."""
        member_id = int(self.member_id) if self.member_id and self.member_id.isdigit() else None
        recipient = MP(
            name=self.name,
            full_title=self.full_title,
            address_as=self.address_as,
            party=self.party or "",
            member_id=member_id if self.body == "commons" else None,
            email=self.email,
            phone=self.phone,
            postal_address=self.postal_address,
        )
        return recipient, Constituency(name=self.area.name, gss_code=self.area.code or "")


@dataclass(frozen=True, slots=True)
class BodyAnswer:
    """A body's representatives for one postcode, with anything the user should know."""

    representatives: tuple[Representative, ...]
    warnings: tuple[str, ...] = field(default=())
    emails_known: bool = True
    """False when the contact list could not be read (already a warning): then a missing
    email says nothing about the member."""


@dataclass(frozen=True, slots=True)
class Locality:
    """What every adapter starts from: the postcode and where postcodes.io put it."""

    postcode: str
    place: Place
    offline: bool
    today: date
    many: bool = False
    """Part of a batch: adapters avoid a request per postcode where data in hand will do."""


class BodyAdapter(Protocol):
    """How one legislature finds a postcode's members: one small module per body."""

    body_id: str
    name: str
    """How people name it in messages: "Scottish Parliament"."""
    nation_id: str | None
    """The nation it serves (``actkit.nations``); None for the whole UK."""
    roles: tuple[str, ...]

    def __init__(self, http: HttpClient) -> None: ...

    def representatives(self, where: Locality) -> BodyAnswer:
        """The members for ``where``; raises ActkitError (ServiceUnavailable → exit 3)."""
        ...
