"""The campaign map: where the letters went, as a hex map of the 650 constituencies.

Built from the letter log or from a batch folder's manifest, and written as a
self-contained HTML page (inline SVG, CSS and a few lines of script; nothing is loaded from
anywhere), the SVG map alone, or the numbers as CSV or JSON. The hex layout is Open
Innovations' (MIT); its notice goes into every page and SVG.

Colours: one blue ramp whose lightness falls with each step, so the order of the bins
survives colour-blindness and greyscale printing; replies are a shape (a ring), not a hue.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from actkit import nations

if TYPE_CHECKING:
    from actkit.logbook import LoggedLetter

Format = Literal["html", "svg", "csv", "json"]
FORMATS: tuple[Format, ...] = ("html", "svg", "csv", "json")

# (lowest count in the bin, fill, label). The first is "no letter yet".
BINS: tuple[tuple[int, str, str], ...] = (
    (0, "#f2f2f2", "no letter yet"),
    (1, "#c6dbef", "1 letter"),
    (2, "#6baed6", "2–4 letters"),
    (5, "#2171b5", "5–9 letters"),
    (10, "#08306b", "10 or more"),
)
HEX_SIZE = 7.0
"""Centre-to-corner distance of a hexagon, in SVG units."""
MARGIN = 10.0
SLOWEST_SHOWN = 10


@dataclass(frozen=True, slots=True)
class MapLetter:
    """One letter, as the map counts it."""

    gss_code: str
    mp: str
    party: str | None
    sent_on: date | None = None
    replied_on: date | None = None


@dataclass
class Seat:
    gss_code: str
    name: str
    nation: str
    q: int
    r: int
    mp: str = ""
    party: str = ""
    letters: int = 0
    sent: int = 0
    """Letters marked sent (the log knows; a batch folder does not)."""
    replies: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "gss_code": self.gss_code,
            "name": self.name,
            "nation": self.nation,
            "mp": self.mp,
            "party": self.party,
            "letters": self.letters,
            "sent": self.sent,
            "replies": self.replies,
        }

    @property
    def title(self) -> str:
        who = f"{self.mp} ({self.party})" if self.party else self.mp or "MP unknown"
        letters = f"{self.letters} letter{'' if self.letters == 1 else 's'}"
        if self.sent:
            letters += f" ({self.sent} marked sent)"
        replies = f"{self.replies} repl{'y' if self.replies == 1 else 'ies'}"
        return f"{self.name}: {who}. {letters}, {replies}."


@dataclass(frozen=True, slots=True)
class Wait:
    """How long an MP took to answer (or has kept a letter waiting)."""

    mp: str
    seat: str
    days: int
    answered: bool


@dataclass
class CampaignReport:
    seats: list[Seat]
    title: str
    today: date
    slowest: list[Wait] = field(default_factory=list)

    @property
    def letters(self) -> int:
        return sum(seat.letters for seat in self.seats)

    @property
    def replies(self) -> int:
        return sum(seat.replies for seat in self.seats)

    def by_nation(self) -> dict[str, dict[str, int]]:
        totals: dict[str, dict[str, int]] = {}
        for nation in nations.NATIONS:
            seats = [s for s in self.seats if s.nation == nation.name]
            totals[nation.name] = _totals(seats)
        return totals

    def by_party(self) -> dict[str, dict[str, int]]:
        grouped: dict[str, list[Seat]] = defaultdict(list)
        for seat in self.seats:
            grouped[seat.party or "Unknown"].append(seat)
        ordered = sorted(grouped.items(), key=lambda item: (-_totals(item[1])["letters"], item[0]))
        return {party: _totals(seats) for party, seats in ordered}

    def without_letters(self) -> list[Seat]:
        return [seat for seat in self.seats if not seat.letters]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "as_of": self.today.isoformat(),
            "letters": self.letters,
            "sent": sum(seat.sent for seat in self.seats),
            "replies": self.replies,
            "by_nation": self.by_nation(),
            "by_party": self.by_party(),
            "slowest": [
                {"mp": w.mp, "constituency": w.seat, "days": w.days, "replied": w.answered}
                for w in self.slowest
            ],
            "seats": [seat.to_json() for seat in self.seats],
        }


def _totals(seats: list[Seat]) -> dict[str, int]:
    return {
        "seats": len(seats),
        "seats_with_letters": sum(1 for s in seats if s.letters),
        "letters": sum(s.letters for s in seats),
        "sent": sum(s.sent for s in seats),
        "replies": sum(s.replies for s in seats),
    }


# --- building -------------------------------------------------------------------------------


@functools.cache
def hexes() -> dict[str, dict[str, Any]]:
    """GSS code → {"n": name, "q": column, "r": row} (odd-r layout)."""
    text = (files("actkit") / "data" / "pcon_2024_hexmap.hexjson").read_text(encoding="utf-8")
    loaded: dict[str, dict[str, Any]] = json.loads(text)["hexes"]
    return loaded


def hexmap_licence() -> str:
    return (files("actkit") / "data" / "pcon_2024_hexmap.LICENSE").read_text(encoding="utf-8")


def build_report(letters: Iterable[MapLetter], *, title: str, today: date) -> CampaignReport:
    """Count letters and replies per seat; seats keep their sitting MP unless a letter says
    who it went to."""
    from actkit import offline

    seats: dict[str, Seat] = {}
    for gss, cell in hexes().items():
        nation = nations.by_gss_code(gss)
        mp = offline.mp_for(gss)
        seats[gss] = Seat(
            gss_code=gss,
            name=cell["n"],
            nation=nation.name if nation else "",
            q=int(cell["q"]),
            r=int(cell["r"]),
            mp=mp.name if mp else "",
            party=mp.party if mp else "",
        )
    waits: dict[tuple[str, str], Wait] = {}
    for letter in letters:
        seat = seats.get(letter.gss_code)
        if seat is None:
            continue  # another body's seat, or old boundaries: not on this map
        seat.letters += 1
        seat.sent += letter.sent_on is not None
        seat.replies += letter.replied_on is not None
        if letter.mp and letter.mp != seat.mp:
            seat.mp, seat.party = letter.mp, letter.party or ""
        _note_wait(waits, letter, seat, today)
    slowest = sorted(waits.values(), key=lambda w: (-w.days, w.mp))[:SLOWEST_SHOWN]
    return CampaignReport(list(seats.values()), title, today, slowest)


def _note_wait(
    waits: dict[tuple[str, str], Wait], letter: MapLetter, seat: Seat, today: date
) -> None:
    if letter.sent_on is None:
        return
    end = letter.replied_on or today
    wait = Wait(
        letter.mp or seat.mp, seat.name, (end - letter.sent_on).days, bool(letter.replied_on)
    )
    key = (wait.mp, seat.gss_code)
    if key not in waits or waits[key].days < wait.days:
        waits[key] = wait


def letters_from_log(logged: Iterable[LoggedLetter]) -> list[MapLetter]:
    """Map letters from ``LoggedLetter``s (a follow-up counts as a letter too)."""
    return [
        MapLetter(
            gss_code=letter.recipient.gss_code,
            mp=letter.recipient.name,
            party=letter.recipient.party,
            sent_on=letter.sent.on if letter.sent else None,
            replied_on=letter.replied.on if letter.replied else None,
        )
        for letter in logged
        if letter.recipient.body == "commons"
    ]


def letters_from_batch(folder: Path) -> list[MapLetter]:
    """Map letters from a batch folder's manifest (no log needed)."""
    from actkit import offline
    from actkit.logbook import manifest_letters

    found = []
    for entry in manifest_letters(folder):
        if entry.body != "commons":
            continue  # the map is of Westminster seats
        mp = offline.mp_for(entry.gss_code)
        party = mp.party if mp is not None and mp.name == entry.mp_name else None
        found.append(MapLetter(entry.gss_code, entry.mp_name, party))
    return found


# --- rendering ------------------------------------------------------------------------------


def render(report: CampaignReport, fmt: Format) -> str:
    return {"html": to_html, "svg": to_svg, "csv": to_csv, "json": to_json}[fmt](report)


def to_json(report: CampaignReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def to_csv(report: CampaignReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("gss_code", "name", "nation", "mp", "party", "letters", "sent", "replies"))
    for seat in report.seats:
        writer.writerow(
            (
                seat.gss_code,
                seat.name,
                seat.nation,
                seat.mp,
                seat.party,
                seat.letters,
                seat.sent,
                seat.replies,
            )
        )
    return buffer.getvalue()


def fill_for(letters: int) -> str:
    chosen = BINS[0][1]
    for lowest, fill, _ in BINS:
        if letters >= lowest:
            chosen = fill
    return chosen


def _centre(q: int, r: int, q_min: int, r_max: int) -> tuple[float, float]:
    # odd-r: pointy-top hexagons, odd rows pushed half a hexagon right; r grows northwards.
    width = math.sqrt(3) * HEX_SIZE
    x = MARGIN + width / 2 + (q - q_min) * width + (width / 2 if r % 2 else 0)
    y = MARGIN + HEX_SIZE + (r_max - r) * 1.5 * HEX_SIZE
    return x, y


def _hexagon(x: float, y: float) -> str:
    corners = []
    for i in range(6):
        angle = math.radians(60 * i - 30)
        corners.append(f"{x + HEX_SIZE * math.cos(angle):.1f},{y + HEX_SIZE * math.sin(angle):.1f}")
    return "M" + "L".join(corners) + "Z"


def to_svg(report: CampaignReport, *, standalone: bool = True) -> str:
    """The map: one <path> per seat with a <title>, a ring where a reply came."""
    q_min = min(s.q for s in report.seats)
    q_max = max(s.q for s in report.seats)
    r_min = min(s.r for s in report.seats)
    r_max = max(s.r for s in report.seats)
    width = 2 * MARGIN + (q_max - q_min + 1.5) * math.sqrt(3) * HEX_SIZE
    height = 2 * MARGIN + ((r_max - r_min) * 1.5 + 2) * HEX_SIZE
    legend_height = 24 * (len(BINS) + 1) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
        f'{height + legend_height:.0f}" role="img" aria-labelledby="map-title" class="hexmap">',
        f'<title id="map-title">{html.escape(report.title)}: letters by constituency</title>',
        _svg_style() if standalone else "",
        '<g class="seats">',
    ]
    for seat in sorted(report.seats, key=lambda s: s.name):
        x, y = _centre(seat.q, seat.r, q_min, r_max)
        parts.append(_seat_svg(seat, x, y))
    parts.append("</g>")
    parts.append(_legend_svg(height))
    parts.append(f"<desc>{html.escape(_licence_line())}</desc>")
    parts.append("</svg>")
    return "\n".join(part for part in parts if part) + "\n"


def _seat_svg(seat: Seat, x: float, y: float) -> str:
    ring = (
        f'<circle class="reply" cx="{x:.1f}" cy="{y:.1f}" r="{HEX_SIZE * 0.38:.1f}"/>'
        if seat.replies
        else ""
    )
    label = html.escape(seat.title)
    return (
        f'<g class="seat" tabindex="0" aria-label="{label}" data-gss="{seat.gss_code}">'
        f'<path d="{_hexagon(x, y)}" fill="{fill_for(seat.letters)}">'
        f"<title>{label}</title></path>{ring}</g>"
    )


def _legend_svg(top: float) -> str:
    rows = [f'<g class="legend" transform="translate({MARGIN:.0f},{top + 10:.0f})">']
    for index, (lowest, fill, text) in enumerate(BINS):
        y = index * 24
        rows.append(
            f'<path d="{_hexagon(HEX_SIZE, y + HEX_SIZE)}" fill="{fill}" class="key" '
            f'data-min="{lowest}"/><text x="{HEX_SIZE * 2 + 8}" y="{y + HEX_SIZE + 4}">'
            f"{html.escape(text)}</text>"
        )
    y = len(BINS) * 24
    rows.append(
        f'<path d="{_hexagon(HEX_SIZE, y + HEX_SIZE)}" fill="{BINS[1][1]}" class="key"/>'
        f'<circle class="reply" cx="{HEX_SIZE:.1f}" cy="{y + HEX_SIZE:.1f}" '
        f'r="{HEX_SIZE * 0.38:.1f}"/><text x="{HEX_SIZE * 2 + 8}" y="{y + HEX_SIZE + 4}">'
        "ring: at least one reply</text>"
    )
    rows.append("</g>")
    return "".join(rows)


def _svg_style() -> str:
    return f"<style>{_MAP_CSS}</style>"


_MAP_CSS = (
    ".hexmap path{stroke:#737373;stroke-width:.6}"
    ".hexmap .reply{fill:#fff;stroke:#000;stroke-width:1.2}"
    ".hexmap .seat:hover path,.hexmap .seat:focus path{stroke:#d95f02;stroke-width:2.2}"
    ".hexmap .seat:focus{outline:none}"
    ".hexmap text{font:11px sans-serif;fill:#222}"
)


def _licence_line() -> str:
    return (
        "Hex map of the 2024 Westminster constituencies: Open Innovations, "
        "Copyright (c) 2024 Open Innovations, MIT licence."
    )


def to_html(report: CampaignReport) -> str:
    """A page that works offline: the map, its legend, counts, next targets, slow repliers."""
    from actkit.text import format_date

    esc = html.escape
    sections = [
        f"<h1>{esc(report.title)}</h1>",
        f"<p>{report.letters:,} letters to {_seats_written(report):,} of {len(report.seats)} "
        f"constituencies; {report.replies:,} replies. As of {esc(format_date(report.today))}.</p>",
        '<p id="seat-info" aria-live="polite">Hover over or tab to a constituency.</p>',
        to_svg(report, standalone=False),
        _table("By nation", "Nation", report.by_nation()),
        _table("By party of the MP", "Party", report.by_party()),
        _slowest_html(report),
        _targets_html(report),
        "<footer><h2>Credits</h2><p>"
        + esc(_licence_line())
        + "</p><details><summary>Licence of the hex map</summary><pre>"
        + esc(hexmap_licence())
        + "</pre></details><p>Sitting MPs: UK Parliament data, Open Parliament Licence v3.0."
        "</p></footer>",
    ]
    css = _MAP_CSS + _PAGE_CSS
    return _PAGE.format(
        title=esc(report.title),
        policy=_content_security_policy(css, _JS),
        css=css,
        body="\n".join(sections),
        js=_JS,
    )


def _content_security_policy(css: str, js: str) -> str:
    """Nothing may load; only this page's own style and script (by hash) may run."""
    import base64
    import hashlib

    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    return (
        f"default-src 'none'; style-src 'sha256-{digest(css)}'; "
        f"script-src 'sha256-{digest(js)}'; base-uri 'none'; form-action 'none'"
    )


def _seats_written(report: CampaignReport) -> int:
    return sum(1 for seat in report.seats if seat.letters)


def _table(caption: str, label: str, rows: dict[str, dict[str, int]]) -> str:
    esc = html.escape
    lines = [
        f"<table><caption>{esc(caption)}</caption><thead><tr><th scope='col'>{esc(label)}</th>"
        "<th scope='col'>Seats</th><th scope='col'>Seats written to</th>"
        "<th scope='col'>Letters</th><th scope='col'>Marked sent</th>"
        "<th scope='col'>Replies</th></tr></thead><tbody>"
    ]
    for name, totals in rows.items():
        lines.append(
            f"<tr><th scope='row'>{esc(name)}</th><td>{totals['seats']:,}</td>"
            f"<td>{totals['seats_with_letters']:,}</td><td>{totals['letters']:,}</td>"
            f"<td>{totals['sent']:,}</td><td>{totals['replies']:,}</td></tr>"
        )
    lines.append("</tbody></table>")
    return "".join(lines)


def _slowest_html(report: CampaignReport) -> str:
    if not report.slowest:
        return "<h2>Slowest repliers</h2><p>No letter is marked sent yet.</p>"
    items = "".join(
        f"<li>{html.escape(w.mp)} ({html.escape(w.seat)}): {w.days} days"
        f"{'' if w.answered else ', no reply yet'}</li>"
        for w in report.slowest
    )
    return f"<h2>Slowest repliers</h2><ol>{items}</ol>"


def _targets_html(report: CampaignReport) -> str:
    missing = report.without_letters()
    parts = [f"<h2>No letter yet: {len(missing):,} constituencies</h2>"]
    for nation in nations.NATIONS:
        seats = [s for s in missing if s.nation == nation.name]
        if not seats:
            continue
        items = "".join(
            f"<li>{html.escape(s.name)}: {html.escape(s.mp or 'MP unknown')}</li>"
            for s in sorted(seats, key=lambda s: s.name)
        )
        parts.append(
            f"<details><summary>{html.escape(nation.name)} ({len(seats):,})</summary>"
            f"<ul class='targets'>{items}</ul></details>"
        )
    return "".join(parts)


_PAGE_CSS = (
    "body{font:16px/1.4 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;"
    "color:#111}svg.hexmap{max-width:34rem;display:block}"
    "#seat-info{min-height:1.5em;font-weight:600}"
    "table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;font-weight:700}"
    "th,td{border:1px solid #999;padding:.2rem .5rem;text-align:right}"
    "th[scope=row]{text-align:left}"
    ".targets{columns:3}@media print{details{display:block}details>*{display:block}}"
)
_JS = (
    "document.querySelectorAll('.seat').forEach(function(s){"
    "var show=function(){document.getElementById('seat-info').textContent="
    "s.getAttribute('aria-label');};"
    "s.addEventListener('mouseenter',show);s.addEventListener('focus',show);});"
)
_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
{body}
<script>{js}</script>
</body>
</html>
"""
