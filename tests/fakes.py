"""Stand-ins for postcodes.io and the Members API, built from the recorded response shapes in
``tests/fixtures/api`` (copied from the project's reference samples).

``FakeServices`` registers handlers on a real local HTTP server (pytest-httpserver), so the
code under test goes through the same sockets, retries and cache as in production.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

FIXTURES = Path(__file__).parent / "fixtures" / "api"


@cache
def _sample(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def sample(name: str) -> Any:
    """A fresh copy of a recorded response body."""
    return copy.deepcopy(_sample(name))


def postcode_result(
    postcode: str, country: str, constituency: str | None, gss: str
) -> dict[str, Any]:
    """A postcodes.io postcode object shaped like the SE1P 5ZZ recording, with new values."""
    result = sample("postcodes_SE1P5ZZ.json")["result"]
    result.update(
        postcode=postcode,
        country=country,
        outcode=postcode.split()[0],
        incode=postcode.split()[1],
        parliamentary_constituency=constituency,
        parliamentary_constituency_2024=constituency,
    )
    result["codes"].update(parliamentary_constituency=gss, parliamentary_constituency_2024=gss)
    return result


def member_value(
    member_id: int, name: str, party: str, seat: str, full_title: str | None = None
) -> dict[str, Any]:
    """A Members API ``Member`` value shaped like the Norwich North recording."""
    item = sample("members_constituency_search_norwich_reconstructed.json")["items"][0]
    member = item["value"]["currentRepresentation"]["member"]["value"]
    member.update(
        id=member_id,
        nameDisplayAs=name,
        nameFullTitle=full_title or f"{name} MP",
        nameListAs=name,
    )
    member["latestParty"]["name"] = party
    member["latestHouseMembership"]["membershipFrom"] = seat
    return member


def constituency_search(
    seat: str, member: dict[str, Any] | None, seat_id: int = 900001
) -> dict[str, Any]:
    """A Constituency/Search answer with one current constituency (member None = vacant)."""
    body = sample("members_constituency_search_norwich_reconstructed.json")
    item = body["items"][0]
    item["value"].update(id=seat_id, name=seat)
    if member is None:
        item["value"]["currentRepresentation"] = None
    else:
        item["value"]["currentRepresentation"]["member"]["value"] = member
    body.update(items=[item], totalResults=1)
    return body


def contact(email: str | None, phone: str | None = "020 7219 0000") -> dict[str, Any]:
    body = sample("members_contact_5257_reconstructed.json")
    body["value"][0].update(email=email, phone=phone)
    return body


class FakeServices:
    """Both APIs on one local server; tests point ACTKIT_*_API at ``url``."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.url = server.url_for("").rstrip("/")

    def add_postcode(self, postcode: str, country: str, constituency: str | None, gss: str) -> None:
        body = {"status": 200, "result": postcode_result(postcode, country, constituency, gss)}
        self.server.expect_request(f"/postcodes/{postcode.replace(' ', '')}").respond_with_json(
            body
        )

    def add_postcode_error(self, postcode: str, sample_name: str) -> None:
        self.server.expect_request(f"/postcodes/{postcode.replace(' ', '')}").respond_with_json(
            sample(sample_name), status=404
        )

    def add_mp(
        self,
        seat: str,
        member_id: int,
        name: str,
        party: str,
        email: str | None,
        full_title: str | None = None,
        phone: str | None = "020 7219 0000",
    ) -> None:
        member = member_value(member_id, name, party, seat, full_title)
        self.add_seat(seat, member)
        self.server.expect_request(f"/api/Members/{member_id}/Contact").respond_with_json(
            contact(email, phone)
        )

    def add_seat(self, seat: str, member: dict[str, Any] | None) -> None:
        self.server.expect_request(
            "/api/Location/Constituency/Search",
            query_string={"searchText": seat, "skip": "0", "take": "20"},
        ).respond_with_json(constituency_search(seat, member))

    def paths_requested(self) -> list[str]:
        return [request.path for request, _ in self.server.log]
