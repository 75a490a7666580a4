"""A stand-in for postcodes.io and the Members API that knows every GB constituency.

Answers are built from the embedded offline data in the recorded response shapes
(``tests/fakes.py``), so a batch over thousands of real postcodes can run against a local
server. Used by the batch tests (through pytest-httpserver) and by ``benchmarks/batch.py``
(through a threaded stdlib server with added latency).
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

from actkit import offline
from actkit.representatives import name_key
from tests.fakes import contact, member_value, postcode_result

PAGE = 20


class StandIn:
    """Pure request → (status, body) logic, with a count of requests by endpoint."""

    def __init__(self, *, vacant: set[str] | frozenset[str] = frozenset()) -> None:
        self.vacant = set(vacant)
        """GSS codes whose seat is vacant."""
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        mps = offline.sitting_mps()
        self._members = sorted(
            ((gss, mp) for gss, mp in mps.items() if gss not in self.vacant),
            key=lambda item: item[1].member_id or 0,
        )
        self._by_id = {mp.member_id: mp for _, mp in self._members}

    def answer(self, method: str, path: str, query: str, body: bytes) -> tuple[int, Any]:
        endpoint, status, payload = self._route(method, path, parse_qs(query), body)
        with self._lock:
            self.counts[endpoint] += 1
        return status, payload

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> tuple[str, int, Any]:
        if method == "POST" and path == "/postcodes":
            wanted = query.get("filter", [""])[0].split(",")
            return "postcodes bulk", 200, self._bulk(json.loads(body), [w for w in wanted if w])
        if match := re.fullmatch(r"/postcodes/([A-Za-z0-9 ]+)", path):
            return "postcodes lookup", *self._postcode(match.group(1))
        if path == "/api/Location/Constituency/Search":
            return "constituency search", 200, self._constituency_search(query["searchText"][0])
        if path == "/api/Members/Search":
            skip = int(query.get("skip", ["0"])[0])
            return "members list", 200, self._member_page(skip)
        if match := re.fullmatch(r"/api/Members/(\d+)/Contact", path):
            member = self._by_id.get(int(match.group(1)))
            status = 200 if member else 404
            return "member contact", status, contact(member.email if member else None)
        return "unknown", 404, {"status": 404, "error": "Resource not found"}

    def _place(self, text: str) -> dict[str, Any] | None:
        compact = re.sub(r"\s", "", text).upper()
        if not re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", compact):
            return None
        postcode = f"{compact[:-3]} {compact[-3:]}"
        gss = offline.gss_for_postcode(postcode)
        seat = offline.constituency(gss) if gss else None
        if seat is None or compact.startswith("BT"):
            return None
        return postcode_result(postcode, offline.nation_of(gss or ""), seat.name, seat.gss_code)

    def _postcode(self, text: str) -> tuple[int, Any]:
        result = self._place(text)
        if result is None:
            return 404, {"status": 404, "error": "Postcode not found"}
        return 200, {"status": 200, "result": result}

    def _bulk(self, request: Any, wanted: list[str]) -> Any:
        postcodes = request["postcodes"]
        assert len(postcodes) <= 100, "postcodes.io refuses more than 100"
        results = []
        for postcode in postcodes:
            place = self._place(postcode)
            if place is not None and wanted:  # postcodes.io's ``filter`` on bulk lookups
                place = {key: place[key] for key in wanted if key in place}
            results.append({"query": postcode, "result": place})
        return {"status": 200, "result": results}

    def _constituency_search(self, text: str) -> Any:
        items = []
        for gss, seat in offline.constituencies().items():
            if name_key(text) in name_key(seat.name):
                mp = offline.mp_for(gss)
                member = None if gss in self.vacant or mp is None else self._member(mp, seat.name)
                items.append(_constituency_item(seat.name, member))
        return {
            "items": items[:PAGE],
            "totalResults": len(items),
            "resultContext": "",
            "skip": 0,
            "take": PAGE,
        }

    def _member_page(self, skip: int) -> Any:
        page = self._members[skip : skip + PAGE]
        items = [
            {"value": self._member(mp, offline.constituencies()[gss].name), "links": []}
            for gss, mp in page
        ]
        return {
            "items": items,
            "totalResults": len(self._members),
            "resultContext": "",
            "skip": skip,
            "take": PAGE,
        }

    @staticmethod
    def _member(mp: Any, seat: str) -> dict[str, Any]:
        return member_value(mp.member_id, mp.name, mp.party, seat)


def _constituency_item(name: str, member: dict[str, Any] | None) -> dict[str, Any]:
    from tests.fakes import constituency_search

    return constituency_search(name, member)["items"][0]
