"""Stand-ins for the devolved legislatures' member services and postcodes.io's Scottish
route, shaped as in the project's reference (shared/api/REPRESENTATIVES.md).

Field names and envelopes follow the reference (several independent clients agree on them);
the people, parties, ids and most codes below are MADE UP for the tests. Scottish areas use
the 2026 boundaries (constituency codes after S16000150, a region), Senedd constituencies
the 16 of May 2026, NI seats the pre-2024 Assembly names.
"""

from __future__ import annotations

from typing import Any

from tests.fakes import FakeServices, postcode_result

# --- Scotland -----------------------------------------------------------------------------

GLASGOW_POSTCODE = "G1 1XQ"
GLASGOW_SEAT = ("Glasgow Central", "S16000170")  # made-up 2026-style code
GLASGOW_SEAT_2021 = ("Glasgow Central", "S16000120")  # a pre-2026 code (2014 review range)
GLASGOW_REGION = ("Glasgow", "S17000021")
CONSTITUENCY_MSP = (
    5001,
    "Brown, Ailsa",
    "Scottish National Party",
    "ailsa.brown.msp@parliament.scot",
)
REGIONAL_MSPS = [
    (5010 + i, f"Regional{i}, Morag", party, f"morag.regional{i}.msp@parliament.scot")
    for i, party in enumerate(
        [
            "Scottish Labour",
            "Scottish Labour",
            "Reform UK",
            "Scottish Green Party",
            "Scottish Conservative and Unionist Party",
            "Reform UK",
            "Scottish Labour",
        ]
    )
]
NO_EMAIL_MSP = 5016  # the last regional MSP has no email address listed


def scottish_postcode(postcode: str, seat: tuple[str, str], region: tuple[str, str] | None) -> Any:
    result: dict[str, Any] = {
        "postcode": postcode,
        "scottish_parliamentary_constituency": seat[0],
        "council_area": "Glasgow City",
        "codes": {"scottish_parliamentary_constituency": seat[1], "council_area": "S12000049"},
    }
    if region:
        result["scottish_parliamentary_region"] = region[0]
        result["codes"]["scottish_parliamentary_region"] = region[1]
    return {"status": 200, "result": result}


def scottish_collections() -> dict[str, Any]:
    """data.parliament.scot collections: current 2026 rows beside ended 2021 ones."""
    old_region_id, region_id, old_seat_id, seat_id = 9, 21, 120, 170
    constituency_msp = CONSTITUENCY_MSP[0]
    people = [CONSTITUENCY_MSP, *REGIONAL_MSPS, (4000, "Former, Member", "Scottish Labour", None)]
    return {
        "constituencies": [
            {
                "ID": old_seat_id,
                "Name": GLASGOW_SEAT_2021[0],
                "ShortName": None,
                "ConstituencyCode": GLASGOW_SEAT_2021[1],
                "RegionID": old_region_id,
                "ValidFromDate": "2011-05-05T00:00:00",
                "ValidUntilDate": "2026-05-06T00:00:00",
            },
            {
                "ID": seat_id,
                "Name": GLASGOW_SEAT[0],
                "ShortName": None,
                "ConstituencyCode": GLASGOW_SEAT[1],
                "RegionID": region_id,
                "ValidFromDate": "2026-05-07T00:00:00",
                "ValidUntilDate": None,
                "NewKey": 1,
            },
        ],
        "regions": [
            {
                "ID": old_region_id,
                "Name": "Glasgow",
                "StartDate": "1999-05-06T00:00:00",
                "EndDate": "2026-05-06T00:00:00",
            },
            {
                "ID": region_id,
                "Name": "Glasgow",
                "StartDate": "2026-05-07T00:00:00",
                "EndDate": None,
            },
        ],
        "MemberElectionConstituencyStatuses": [
            {
                "PersonID": 4000,
                "ConstituencyID": old_seat_id,
                "ElectionStatusID": 1,
                "ValidFromDate": "2021-05-07T00:00:00",
                "ValidUntilDate": "2026-05-06T00:00:00",
            },
            {
                "PersonID": constituency_msp,
                "ConstituencyID": seat_id,
                "ElectionStatusID": 1,
                "ValidFromDate": "2026-05-08T00:00:00",
                "ValidUntilDate": None,
            },
        ],
        "MemberElectionregionStatuses": [
            {
                "PersonID": 4000,
                "RegionID": old_region_id,
                "ElectionStatusID": 2,
                "ValidFromDate": "2021-05-07T00:00:00",
                "ValidUntilDate": "2026-05-06T00:00:00",
            },
            *[
                {
                    "PersonID": person,
                    "RegionID": region_id,
                    "ElectionStatusID": 2,
                    "ValidFromDate": "2026-05-08T00:00:00",
                    "ValidUntilDate": None,
                }
                for person, *_ in REGIONAL_MSPS
            ],
        ],
        "members": [
            {
                "PersonID": person,
                "ParliamentaryName": name,
                "PreferredName": None,
                "PhotoURL": None,
                "GenderTypeID": 2,
                "IsCurrent": person != 4000,
            }
            for person, name, _, _ in people
        ],
        "emailaddresses": [
            row
            for person, _, _, email in people
            if email and person != NO_EMAIL_MSP
            for row in (
                {
                    "PersonID": person,
                    "Address": f"office.{person}@example.org",
                    "EmailAddressTypeID": 3,
                    "IsDefault": False,
                },
                {"PersonID": person, "Address": email, "EmailAddressTypeID": 1, "IsDefault": True},
            )
        ],
        "memberparties": [
            {"PersonID": person, "PartyID": index, "ValidUntilDate": None}
            for index, (person, _, _, _) in enumerate(people)
        ],
        "parties": [
            {"ID": index, "ActualName": party} for index, (_, _, party, _) in enumerate(people)
        ],
    }


# --- Wales ----------------------------------------------------------------------------------

CARDIFF_POSTCODE = "CF10 1EP"
CARDIFF_WESTMINSTER = ("Cardiff South and Penarth", "W07000091")
CARDIFF_SENEDD = "Caerdydd Penarth"
SENEDD_MEMBERS = [
    ("201", "Eleri Morgan MS", "Plaid Cymru", "eleri.morgan@senedd.wales"),
    ("202", "Gareth Price MS", "Reform UK", "gareth.price@senedd.wales"),
    ("203", "Siân Evans AS", "Plaid Cymru", "sian.evans@senedd.wales"),
    ("204", "Tom Hughes MS", "Welsh Labour", "tom.hughes@senedd.wales"),
    ("205", "Rhian Lloyd MS", "Reform UK", "rhian.lloyd@senedd.wales"),
    ("206", "Owain Jones MS", "Wales Green Party", None),  # no email listed
]


def senedd_xml(wards: dict[str, list[tuple[str, str, str, str | None]]]) -> str:
    """Modern.gov ``GetCouncillorsByWard`` XML."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>', "<councillorsbyward><wards>"]
    for title, members in wards.items():
        parts.append(f"<ward><wardtitle>{title}</wardtitle><councillors>")
        for member_id, name, party, email in members:
            parts.append(
                f"<councillor><councillorid>{member_id}</councillorid>"
                f"<fullusername>{name}</fullusername>"
                f"<politicalpartytitle>{party}</politicalpartytitle>"
                f"<workaddress><line1>Senedd</line1><email>{email or ''}</email>"
                "<phone>0300 200 6565</phone></workaddress>"
                "</councillor>"
            )
        parts.append("</councillors></ward>")
    parts.append("</wards></councillorsbyward>")
    return "".join(parts)


# --- Northern Ireland --------------------------------------------------------------------

BELFAST_POSTCODE = "BT1 5GS"
BELFAST_WESTMINSTER = ("Belfast South and Mid Down", "N05000003")
BELFAST_ASSEMBLY = "Belfast South"
MLAS = [
    ("301", "Aoife", "Kelly", "Sinn Féin", "aoife.kelly@mla.niassembly.gov.uk"),
    ("302", "Mark", "Wilson", "Alliance Party", "mark.wilson@co.niassembly.gov.uk"),
    ("303", "Ruth", "Gray", "Democratic Unionist Party", "ruth.gray@mla.niassembly.gov.uk"),
    ("304", "Colm", "Doherty", "Social Democratic and Labour Party", None),
    ("305", "Helen", "Reid", "Ulster Unionist Party", "helen.reid@mla.niassembly.gov.uk"),
]


def ni_members() -> dict[str, Any]:
    members = [
        {
            "PersonId": pid,
            "AffiliationId": "1",
            "MemberName": f"{last}, {first}",
            "MemberFirstName": first,
            "MemberLastName": last,
            "MemberFullDisplayName": f"{first} {last}",
            "MemberTitle": "",
            "PartyName": party,
            "PartyOrganisationId": "1",
            "ConstituencyName": BELFAST_ASSEMBLY,
            "ConstituencyId": "2",
            "MemberImgUrl": "",
        }
        for pid, first, last, party, _ in MLAS
    ]
    members.append(
        {
            "PersonId": "399",
            "MemberName": "Other, Person",
            "MemberFirstName": "Person",
            "MemberLastName": "Other",
            "PartyName": "Alliance Party",
            "ConstituencyName": "Belfast East",
            "ConstituencyId": "1",
        }
    )
    return {"AllMembersList": {"Member": members}}


def ni_contacts() -> dict[str, Any]:
    rows = []
    for pid, first, _last, _, email in MLAS:
        if email is None:
            continue
        if email.endswith("@co.niassembly.gov.uk"):
            # A party address first: never chosen over the Assembly's own domains.
            rows.append(
                {
                    "PersonId": pid,
                    "AddressType": "NIA Constituency Address",
                    "EmaiAddress": f"{first.lower()}@party.example.org",
                }
            )
        rows.append(
            {
                "PersonId": pid,
                "AddressType": "NIA Constituency Address",
                "Address1": "1 High Street",
                "TownCity": "Belfast",
                "Postcode": "BT1 1AA",
                "TelephoneNumber": "028 9000 0000",
                "EmaiAddress": email,
                "Latitude": "54.6",
                "Longitude": "-5.9",
            }
        )
    return {"AllMembersList": {"Member": rows}}


# --- Putting them on the local server ---------------------------------------------------


class FakeBodies:
    """Devolved services on the same local server as ``FakeServices``."""

    def __init__(self, services: FakeServices) -> None:
        self.services = services
        self.server = services.server

    def glasgow(self, *, region: bool = True) -> None:
        services = self.services
        services.add_postcode(GLASGOW_POSTCODE, "Scotland", "Glasgow North", "S14000085")
        services.add_mp(
            "Glasgow North", 6001, "Martin Rhodes", "Labour", "martin.rhodes.mp@parliament.uk"
        )
        self.server.expect_request(
            f"/scotland/postcodes/{GLASGOW_POSTCODE.replace(' ', '')}"
        ).respond_with_json(
            scottish_postcode(GLASGOW_POSTCODE, GLASGOW_SEAT, GLASGOW_REGION if region else None)
        )

    def scottish_parliament(self) -> None:
        for name, body in scottish_collections().items():
            self.server.expect_request(f"/api/{name}").respond_with_json(body)

    def cardiff(self, *, senedd_key: bool = True) -> None:
        result = postcode_result(CARDIFF_POSTCODE, "Wales", *CARDIFF_WESTMINSTER)
        if senedd_key:
            result.update(senedd_constituency=CARDIFF_SENEDD, senedd_constituency_no=14)
        self.server.expect_request(
            f"/postcodes/{CARDIFF_POSTCODE.replace(' ', '')}"
        ).respond_with_json({"status": 200, "result": result})
        self.services.add_mp(
            CARDIFF_WESTMINSTER[0],
            4264,
            "Stephen Doughty",
            "Labour",
            "stephen.doughty.mp@parliament.uk",
        )

    def senedd(self) -> None:
        other = [("299", "Someone Else MS", "Plaid Cymru", "someone@senedd.wales")]
        self.server.expect_request("/mgwebservice.asmx/GetCouncillorsByWard").respond_with_data(
            senedd_xml({"Caerdydd Ffynnon Taf": other, CARDIFF_SENEDD: SENEDD_MEMBERS}),
            # No charset, as some servers send it: the XML declaration says UTF-8.
            content_type="text/xml",
        )

    def belfast(self) -> None:
        self.services.add_postcode(BELFAST_POSTCODE, "Northern Ireland", *BELFAST_WESTMINSTER)
        self.services.add_mp(
            BELFAST_WESTMINSTER[0],
            4827,
            "Claire Hanna",
            "Social Democratic & Labour Party",
            "claire.hanna.mp@parliament.uk",
        )

    def ni_assembly(self, *, contacts: bool = True) -> None:
        self.server.expect_request("/members.asmx/GetAllCurrentMembers_JSON").respond_with_json(
            ni_members()
        )
        if contacts:
            self.server.expect_request(
                "/members.asmx/GetAllMemberContactDetails_JSON"
            ).respond_with_json(ni_contacts())

    def html_error_page(self, path: str) -> None:
        """HTTP 200 with an HTML error page, as the reference warns some services send."""
        self.server.expect_request(path).respond_with_data(
            "<html><body><h1>Runtime Error</h1><p>An application error occurred.</p></body></html>",
            content_type="text/html",
        )

    def count(self, path: str) -> int:
        return sum(1 for request, _ in self.server.log if request.path == path)
