"""``actkit report``: the campaign map, from the log and from a batch folder."""

from __future__ import annotations

import csv
import io
import itertools
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from actkit import offline
from actkit.report import BINS
from tests.helpers import run

SVG = "{http://www.w3.org/2000/svg}"


class PageScan(HTMLParser):
    """Collects each seat's shape and title, and every reference to another resource."""

    def __init__(self) -> None:
        super().__init__()
        self.seats: dict[str, dict[str, str]] = {}
        self.loads: list[str] = []
        self.styles: list[str] = []
        self._seat: str | None = None
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "data", "poster", "action"):
                self.loads.append(f"{tag} {name}={value}")
        if tag in ("link", "img", "iframe", "object", "embed", "image"):
            self.loads.append(tag)
        if tag == "g" and "seat" in (values.get("class") or "").split():
            self._seat = values["data-gss"]
            self.seats[self._seat] = {"tabindex": values.get("tabindex") or ""}
        if tag == "path" and self._seat:
            self.seats[self._seat]["fill"] = values.get("fill") or ""
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag == "g" and self._seat and "g" not in self._in[-1:]:
            self._seat = None

    def handle_data(self, data: str) -> None:
        if self._in[-2:] == ["path", "title"] and self._seat:
            self.seats[self._seat]["title"] = data
        if self._in[-1:] == ["style"]:
            self.styles.append(data)


def scan(page: str) -> PageScan:
    parser = PageScan()
    parser.feed(page)
    return parser


def test_empty_log_draws_all_650_seats_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    result = run("report", "--output", str(out), "--today", "2027-01-27")
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    found = scan(page)

    assert len(found.seats) == 650
    for gss, seat in found.seats.items():
        assert seat["title"].startswith(offline.constituencies()[gss].name + ":"), gss
        assert seat["tabindex"] == "0"
        assert seat["fill"] == BINS[0][1]
    assert found.loads == []
    css = "".join(found.styles)
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    assert "http:" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https:" not in page and "//" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-" in page
    assert "Copyright (c) 2024 Open Innovations" in page
    assert "Permission is hereby granted" in page  # the MIT notice ships with the layout
    assert "No letter yet: 650 constituencies" in page


def test_colour_scale_gets_darker_with_every_bin() -> None:
    """Readable without colour: each bin is darker than the last, even printed in grey."""

    def luminance(colour: str) -> float:
        red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    values = [luminance(fill) for _, fill, _ in BINS]
    assert all(a - b > 0.08 for a, b in itertools.pairwise(values))


def supporters_csv(path: Path, rows: int) -> Path:
    seen: dict[str, str] = {}
    for postcode, gss in offline.run_starts():
        seen.setdefault(gss, postcode)
    postcodes = list(seen.values())
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "address", "postcode"])
        for n in range(rows):
            writer.writerow([f"Supporter {n}", f"{n} Any Street", postcodes[n % len(postcodes)]])
    return path


@pytest.mark.slow
def test_a_2000_row_batch_appears_on_the_map(tmp_path: Path) -> None:
    supporters = supporters_csv(tmp_path / "supporters.csv", 2000)
    out = tmp_path / "batch"
    # Not `blank`: without personal words its letters would be empty (failed rows).
    args = ["letter", "batch", str(supporters), "-t", "thank-you", "--out", str(out), "--offline"]
    done = run(*args, "--date", "2027-01-04")
    assert done.exit_code == 0, done.stderr
    assert "Logged 2,000 letters from this run" in done.stderr

    # Straight from the folder, without the log.
    from_folder = json.loads(run("report", "--batch", str(out), "-f", "json").stdout)
    manifest_seats = {
        row["gss_code"]
        for row in csv.DictReader(io.StringIO((out / "manifest.csv").read_text("utf-8-sig")))
    }
    seats = {s["gss_code"]: s for s in from_folder["seats"]}
    assert from_folder["letters"] == 2000
    assert {gss for gss, s in seats.items() if s["letters"]} == manifest_seats
    assert sum(s["letters"] for s in seats.values()) == 2000
    assert sum(n["letters"] for n in from_folder["by_nation"].values()) == 2000
    assert sum(p["letters"] for p in from_folder["by_party"].values()) == 2000

    svg = run("report", "--batch", str(out), "-f", "svg").stdout
    root = ET.fromstring(svg)  # well-formed XML: usable on its own
    shaded = [
        g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "seat" and g.find(f"{SVG}path").get("fill") != BINS[0][1]
    ]
    assert len(shaded) == len(manifest_seats)

    # The log holds the same letters, once each, however often the batch is resumed.
    assert run(*args, "--date", "2027-01-04", "--resume").exit_code == 0
    from_log = json.loads(run("report", "-f", "json").stdout)
    assert from_log["letters"] == 2000
    assert len(json.loads(run("log", "--json").stdout)) == 2000

    # An organiser's sign-up sheet says which rows went out.
    sheet = tmp_path / "sent.csv"
    # Manifest rows are spreadsheet rows: the first supporter is row 2.
    sheet.write_text("Row,Notes\n2,posted\n3,\n4,handed in\n9999,typo\n", encoding="utf-8")
    marked = run("sent", "--batch", str(out), "--rows", str(sheet), "--on", "2027-01-05")
    assert marked.exit_code == 0, marked.stderr
    assert "Marked 3 letters sent" in marked.stderr and "9999" in marked.stderr
    sent = json.loads(run("log", "--status", "sent", "--json").stdout)
    assert [letter["batch"]["row"] for letter in sent] == [2, 3, 4]

    report_csv = run("report", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(report_csv)))
    assert len(rows) == 650 and sum(int(r["letters"]) for r in rows) == 2000


def test_report_html_marks_replies_and_lists_slowest(tmp_path: Path) -> None:
    common = ["--name", "A", "--address", "1 Road, Town", "--offline", "--personal", "x"]
    for postcode in ("NR2 1AB", "AB10 1AB"):
        run(
            "letter",
            "write",
            "-t",
            "blank",
            "--postcode",
            postcode,
            *common,
            "--date",
            "2027-01-04",
        )
    run("sent", "L1", "--on", "2027-01-05")
    run("sent", "L2", "--on", "2027-01-05")
    run("replied", "L1", "--on", "2027-01-15", "--summary", "Yes")
    page = run("report", "--today", "2027-02-04").stdout
    found = scan(page)
    norwich = found.seats["E14001409"]
    assert (
        norwich["title"]
        == "Norwich South: Clive Lewis (Labour). 1 letter (1 marked sent), 1 reply."
    )
    assert norwich["fill"] == BINS[1][1]
    assert page.count('class="reply"') == 2  # Norwich South, and the legend's example
    assert "no reply yet" in page and "Clive Lewis (Norwich South): 10 days" in page


def test_report_format_from_the_output_name(tmp_path: Path) -> None:
    assert run("report", "-o", str(tmp_path / "m.svg")).exit_code == 0
    assert (tmp_path / "m.svg").read_text().startswith("<svg")
    bad = run("report", "-o", str(tmp_path / "m.png"))
    assert bad.exit_code == 2 and "--format" in bad.stderr
    assert run("report", "-o", str(tmp_path / "m.svg")).exit_code == 2  # exists: --force
    missing = run("report", "--batch", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2
