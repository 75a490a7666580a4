"""``actkit letter batch``: one draft per supporter, against a stand-in for both services."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from actkit import offline
from tests.helpers import run
from tests.standin import StandIn

COLUMNS = [
    "row",
    "name",
    "postcode",
    "constituency",
    "gss_code",
    "mp_name",
    "mp_email",
    "source",
    "file",
    "status",
    "error",
    "body",
    "rep_name",
    "rep_email",
    "row_digest",
    "text_digest",
    "warnings",
]
DATE = ["--date", "2026-11-25"]


@pytest.fixture
def standin(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    fake = StandIn()

    def handle(request: Request) -> Response:
        status, body = fake.answer(
            request.method, request.path, request.query_string.decode(), request.get_data()
        )
        return Response(json.dumps(body), status=status, content_type="application/json")

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handle)
    url = httpserver.url_for("").rstrip("/")
    monkeypatch.setenv("ACTKIT_POSTCODES_API", url)
    monkeypatch.setenv("ACTKIT_MEMBERS_API", url)
    return fake


def write_csv(
    path: Path,
    rows: list[list[str]],
    header: list[str] | None = None,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header or ["Name", "Address", "Postcode", "Email", "Personal"])
        writer.writerows(rows)
    return path


def batch_args(
    supporters: Path, out: Path, *extra: str, template: str = "syria-civilians"
) -> list[str]:
    """``letter batch SUPPORTERS --template T --out OUT --date 2026-11-25 EXTRA...``."""
    return ["letter", "batch", str(supporters), "-t", template, "--out", str(out), *DATE, *extra]


def batch(supporters: Path, out: Path, *extra: str, template: str = "syria-civilians") -> Any:
    """Run ``actkit`` with ``batch_args``."""
    return run(*batch_args(supporters, out, *extra, template=template))


def batch_command(supporters: Path, out: Path, *extra: str) -> list[str]:
    """``python -m actkit letter batch ... --offline``, to run as a process of its own."""
    return [sys.executable, "-m", "actkit", *batch_args(supporters, out, "--offline", *extra)]


def manifest(folder: Path) -> list[dict[str, str]]:
    """The manifest's rows, in the order they were written."""
    with (folder / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def real_postcodes(count: int) -> list[str]:
    """Real GB postcodes, one in each of ``count`` constituencies."""
    seen: dict[str, str] = {}
    for postcode, gss in offline.run_starts():
        seen.setdefault(gss, postcode)
        if len(seen) == count:
            break
    return list(seen.values())


BASIC = [
    [
        "Alex Example",
        "1 High Street, Norwich",
        "NR2 1AB",
        "alex@example.org",
        "My family is from Idlib.",
    ],
    ["Sam Smith", "2 Low Road, Aberdeen", "ab10 1ab", "", ""],
    ["Jo Bloggs", "3 Park Lane, London", "SE1P 5ZZ", "", ""],
]


def test_batch_writes_one_letter_per_row_to_each_mp(tmp_path: Path, standin: StandIn) -> None:
    supporters = write_csv(tmp_path / "s.csv", BASIC)
    out = tmp_path / "out"

    result = run(
        "letter",
        "batch",
        str(supporters),
        "--template",
        "syria-civilians",
        "--out",
        str(out),
        *DATE,
    )

    assert result.exit_code == 0, result.stderr
    entries = sorted(manifest(out), key=lambda e: int(e["row"]))  # rows finish in any order
    # The original columns in their order, then those added for other bodies (issue 10).
    assert list(entries[0]) == COLUMNS
    assert [(e["row"], e["constituency"], e["source"], e["status"]) for e in entries] == [
        ("2", "Norwich South", "live", "ok"),
        ("3", "Aberdeen South", "live", "ok"),
        ("4", "Bermondsey and Old Southwark", "live", "ok"),
    ]
    for entry in entries:
        letter = (out / entry["file"]).read_text()
        assert f"Dear {entry['mp_name']}," in letter
        assert entry["postcode"] in letter  # the supporter's own postcode, for the MP to check
    assert "My family is from Idlib." in (out / entries[0]["file"]).read_text()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*(e["file"] for e in entries), "batch.json", "manifest.csv"]
    )
    # One bulk postcode request; a search and a contact per constituency.
    assert standin.counts == {"postcodes bulk": 1, "constituency search": 3, "member contact": 3}
    assert "Wrote 3 letters" in result.stderr
    assert "Constituencies: 3; MPs: 3." in result.stderr


def test_second_run_on_a_warm_cache_sends_no_lookups(tmp_path: Path, standin: StandIn) -> None:
    supporters = write_csv(tmp_path / "s.csv", BASIC)
    batch(supporters, tmp_path / "a")
    standin.counts.clear()

    result = batch(supporters, tmp_path / "b")

    assert result.exit_code == 0
    assert sum(standin.counts.values()) == 0


def test_many_constituencies_list_members_page_by_page(tmp_path: Path, standin: StandIn) -> None:
    postcodes = real_postcodes(60)
    rows = [[f"Person {i}", f"{i} Street, Town", postcodes[i % 60], "", ""] for i in range(250)]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o")

    assert result.exit_code == 0, result.stderr
    assert all(e["status"] == "ok" and e["source"] == "live" for e in manifest(tmp_path / "o"))
    assert standin.counts["postcodes bulk"] == 1  # 60 distinct postcodes fit one request
    assert standin.counts["members list"] == math.ceil(650 / 20)
    assert standin.counts["constituency search"] == 0
    assert standin.counts["member contact"] == 60
    assert sum(standin.counts.values()) <= math.ceil(250 / 100) + 2 * 60


def test_bad_rows_fail_with_reasons_and_never_stop_the_batch(
    tmp_path: Path, standin: StandIn
) -> None:
    standin.vacant.add("E14001409")  # Norwich South
    standin.__init__(vacant=standin.vacant)  # type: ignore[misc]
    rows = [
        ["Good Row", "1 Street", "SE1P 5ZZ", "", ""],
        ["Bad Shape", "2 Street", "FOO", "", ""],
        ["", "3 Street", "SE1P 5ZZ", "", ""],
        ["Islander", "4 Street", "JE2 4WD", "", ""],
        ["Vacant Seat", "5 Street", "NR2 1AB", "", ""],
        ["", "", "", "", ""],
        ["Northern", "6 Street", "BT1 5GS", "", ""],
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o")

    assert result.exit_code == 1
    entries = {e["row"]: e for e in manifest(tmp_path / "o")}
    assert entries["2"]["status"] == "ok"
    assert [entries[r]["status"] for r in "345678"] == [
        "failed",
        "failed",
        "failed",
        "failed",
        "skipped",
        "failed",
    ]
    assert "not a valid UK postcode" in entries["3"]["error"]
    assert entries["4"]["error"] == "the name is empty"
    assert "no MP at Westminster" in entries["5"]["error"]
    assert "vacant" in entries["6"]["error"]
    assert "not a postcode in use" in entries["8"]["error"]
    summary = result.stderr
    assert "Failed 5 rows:" in summary
    for reason in (
        "malformed postcode",
        "empty name",
        "no Westminster MP",
        "no MP",
        "unknown postcode",
    ):
        assert reason in summary
    assert "Skipped 1 row: 1 blank row" in summary


def test_missing_column_is_exit_2_before_any_work(tmp_path: Path, standin: StandIn) -> None:
    supporters = write_csv(tmp_path / "s.csv", [["A", "B"]], header=["Full name", "Email"])

    result = run(
        "letter", "batch", str(supporters), "-t", "thank-you", "--out", str(tmp_path / "o")
    )

    assert result.exit_code == 2
    assert (
        "no 'address' or 'postcode' column (columns found: 'Full name', 'Email')" in result.stderr
    )
    assert not (tmp_path / "o").exists()
    assert sum(standin.counts.values()) == 0


@pytest.mark.parametrize(
    ("encoding", "delimiter", "header"),
    [
        (
            "utf-8-sig",
            ",",
            ["Full name", "Postal address", "Post code", "E-mail", "Personal message"],
        ),
        ("utf-8", ";", ["NAME", " Address ", "Postal Code", "email", "personal"]),
        ("cp1252", ";", ["Name", "Address", "Postcode", "Email", "Personal"]),
        ("utf-8", "\t", ["name", "address", "postcode", "email", "personal"]),
    ],
)
def test_spreadsheet_exports_are_understood(
    tmp_path: Path, encoding: str, delimiter: str, header: list[str]
) -> None:
    rows = [
        [
            "Zoë Ça",
            "1 Rue Street\nSecond line, Norwich",
            "NR2 1AB",
            "",
            'I gave £5; "quoted"\nacross lines.',
        ]
    ]
    supporters = write_csv(tmp_path / "s.csv", rows, header, encoding=encoding, delimiter=delimiter)

    result = batch(supporters, tmp_path / "o", "--offline")

    assert result.exit_code == 0, result.stderr
    entry = manifest(tmp_path / "o")[0]
    assert entry["name"] == "Zoë Ça"
    letter = (tmp_path / "o" / entry["file"]).read_text()
    assert letter.startswith("Zoë Ça\n1 Rue Street\nSecond line\nNorwich\nNR2 1AB\n")
    assert 'I gave £5; "quoted" across lines.' in letter


def test_first_and_last_name_columns_are_joined(tmp_path: Path) -> None:
    supporters = write_csv(
        tmp_path / "s.csv",
        [["Ada", "Lovelace", "1 Street", "Norwich", "NR2 1AB"]],
        ["First name", "Last name", "Address line 1", "Town", "Postcode"],
    )

    batch(supporters, tmp_path / "o", "--offline")

    assert (
        (tmp_path / "o" / "000002-ada-lovelace.txt")
        .read_text()
        .startswith("Ada Lovelace\n1 Street\nNorwich\n")
    )


def test_file_names_are_safe_and_unique(tmp_path: Path) -> None:
    names = ["../../escape", "/etc/passwd", "CON", ".hidden", "same", "same", "名前", ""]
    postcodes = real_postcodes(len(names))  # "same" twice, not a duplicate: other postcodes
    rows = [[n or "x", "1 Street", pc, "", ""] for n, pc in zip(names, postcodes, strict=True)]
    supporters = write_csv(tmp_path / "s.csv", rows)
    out = tmp_path / "o"

    batch(supporters, out, "--offline")

    files = [e["file"] for e in manifest(out)]
    assert len(set(files)) == len(files) == 8
    for name in files:
        assert re.fullmatch(r"\d{6}-[\w-]+\.txt", name), name  # 名前 stays readable
        assert (out / name).resolve().parent == out.resolve()
    assert {p.name for p in tmp_path.iterdir()} - {"actkit-home"} == {"o", "s.csv"}


def test_manifest_cells_cannot_run_as_formulas(tmp_path: Path) -> None:
    rows = [
        ['=HYPERLINK("http://x")', "1 Street", "NR2 1AB", "", ""],
        ["@SUM(1)", "1 St", "+44", "", ""],
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)

    batch(supporters, tmp_path / "o", "--offline")

    entries = manifest(tmp_path / "o")
    assert entries[0]["name"] == '\'=HYPERLINK("http://x")'
    assert entries[1]["name"] == "'@SUM(1)" and entries[1]["postcode"] == "'+44"


def test_folder_with_a_manifest_needs_resume_or_force(tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", BASIC)
    args = batch_args(supporters, tmp_path / "o", "--offline")
    run(*args)

    refused = run(*args)
    assert refused.exit_code == 2
    assert "--resume" in refused.stderr and "--force" in refused.stderr

    (tmp_path / "o" / "keep-me.txt").write_text("organiser's own file")
    forced = run(*args, "--force")
    assert forced.exit_code == 0
    assert len(manifest(tmp_path / "o")) == 3
    assert (tmp_path / "o" / "keep-me.txt").exists()


def test_interrupted_batch_resumes_without_redoing_or_duplicating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[f"Person {i}", "1 Street", "NR2 1AB", "", f"Reason {i}"] for i in range(1, 11)]
    supporters = write_csv(tmp_path / "s.csv", rows)
    out = tmp_path / "o"
    args = [
        "letter",
        "batch",
        str(supporters),
        "-t",
        "blank",
        "--out",
        str(out),
        "--offline",
        *DATE,
    ]

    import actkit.drafting

    real_draft = actkit.drafting.Drafter.draft
    calls = {"n": 0}

    def interrupted_draft(self: Any, supporter: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:
            # As if the process had been killed mid-write before: a stray temporary file.
            (out / ".000005-person-5.txt.actkit-tmp").write_text("half a let")
            raise KeyboardInterrupt
        return real_draft(self, supporter)

    monkeypatch.setattr(actkit.drafting.Drafter, "draft", interrupted_draft)
    first = run(*args)
    assert first.exit_code == 130
    assert "Interrupted." in first.stderr
    listed = [e["file"] for e in manifest(out)]
    assert 1 <= len(listed) <= 4
    assert sorted(listed) == sorted(p.name for p in out.glob("0*.txt"))  # folder = manifest
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no partial letter left
    finished = {name: (out / name).stat().st_mtime_ns for name in listed}

    monkeypatch.setattr(actkit.drafting.Drafter, "draft", real_draft)
    assert run(*args).exit_code == 2  # not without --resume
    resumed = run(*args, "--resume")

    assert resumed.exit_code == 0, resumed.stderr
    entries = manifest(out)
    assert sorted(int(e["row"]) for e in entries) == list(range(2, 12))  # each row exactly once
    assert {
        p.name: p.stat().st_mtime_ns for p in out.glob("0*.txt") if p.name in finished
    } == finished
    assert len(list(out.glob("0*.txt"))) == 10
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert f"{len(listed)} row" in resumed.stderr and "already done" in resumed.stderr


def test_resume_retries_failed_rows(tmp_path: Path, standin: StandIn) -> None:
    standin.__init__(vacant={"E14001409"})  # type: ignore[misc]
    supporters = write_csv(tmp_path / "s.csv", BASIC)
    args = [
        "letter",
        "batch",
        str(supporters),
        "-t",
        "thank-you",
        "--out",
        str(tmp_path / "o"),
        *DATE,
    ]
    assert run(*args).exit_code == 1

    standin.__init__()  # type: ignore[misc]  # the by-election has happened
    run("cache", "clear")
    resumed = run(*args, "--resume")

    assert resumed.exit_code == 0
    entries = manifest(tmp_path / "o")
    assert sorted(e["row"] for e in entries) == ["2", "3", "4"]
    assert all(e["status"] == "ok" for e in entries)


def test_postcode_service_down_falls_back_offline_per_row(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/postcodes", method="POST").respond_with_data("busy", status=503)
    monkeypatch.setenv("ACTKIT_POSTCODES_API", httpserver.url_for("").rstrip("/"))
    supporters = write_csv(tmp_path / "s.csv", BASIC)

    result = batch(supporters, tmp_path / "o")

    assert result.exit_code == 0
    assert {e["source"] for e in manifest(tmp_path / "o")} == {"offline"}
    assert "postcodes.io is unavailable: HTTP 503" in result.stderr
    assert "Answered from offline data: MP details as of" in result.stderr


def test_personalisation_report(tmp_path: Path) -> None:
    rows = [
        ["A One", "1 Street, Norwich", "NR2 1AB", "", ""],
        ["B Two", "2 Street, Norwich", "NR2 1AB", "", ""],
        ["C Three", "3 Street, Aberdeen", "AB10 1AB", "", ""],
        ["D Four", "4 Street, Norwich", "NR2 1AB", "", "My own words about this."],
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o", "--offline", template="syria-civilians")

    assert (
        "Personalisation: 1 of 4 letters include the supporter's own words; 2 are identical "
        "to another letter to the same MP once names and addresses are taken out "
        "(3 distinct texts)."
    ) in " ".join(result.stderr.split())
    assert "My own words about this." in (tmp_path / "o" / "000005-d-four.txt").read_text()
    warnings = {e["row"]: e["warnings"] for e in manifest(tmp_path / "o")}
    assert warnings == {
        "2": "no personal words; identical to 1 other letter to this MP",
        "3": "no personal words; identical to 1 other letter to this MP",
        "4": "no personal words",  # the same words, but to another MP
        "5": "",
    }


def test_saved_sender_details_are_not_used(tmp_path: Path) -> None:
    run("config", "set", "name", "Saved Person")
    supporters = write_csv(tmp_path / "s.csv", [["Row Person", "1 Street", "NR2 1AB", "", ""]])

    batch(supporters, tmp_path / "o", "--offline")

    text = (tmp_path / "o" / "000002-row-person.txt").read_text()
    assert "Saved Person" not in text and text.startswith("Row Person\n")


def test_eml_batch_needs_each_supporters_email(tmp_path: Path) -> None:
    supporters = write_csv(tmp_path / "s.csv", BASIC)

    result = batch(supporters, tmp_path / "o", "--format", "eml", "--offline")

    entries = manifest(tmp_path / "o")
    assert result.exit_code == 1
    assert entries[0]["status"] == "ok" and entries[0]["file"].endswith(".eml")
    assert entries[1]["error"] == "an .eml needs the supporter's email address"


@pytest.mark.slow
def test_sigterm_stops_cleanly_and_resume_finishes(tmp_path: Path) -> None:
    rows = [[f"Person {i}", "1 Street", "NR2 1AB", "", ""] for i in range(4000)]
    supporters = write_csv(tmp_path / "s.csv", rows)
    out = tmp_path / "o"
    args = batch_command(supporters, out)
    env = {**os.environ, "ACTKIT_HOME": str(tmp_path / "home")}
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (out / "manifest.csv").exists() and len(
            (out / "manifest.csv").read_bytes().splitlines()
        ) > 50:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 130, stderr
    done = len(manifest(out))
    assert 0 < done < 4000
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert len(list(out.rglob("0*.txt"))) == done

    resumed = subprocess.run([*args, "--resume"], env=env, capture_output=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(int(e["row"]) for e in manifest(out)) == list(range(2, 4002))


def test_windows_1252_bytes_it_does_not_define_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"Name,Address,Postcode\r\nZo\xeb \x81,1 Street,NR2 1AB\r\n")

    result = batch(path, tmp_path / "o", "--offline")

    assert result.exit_code == 0, result.stderr
    assert manifest(tmp_path / "o")[0]["name"] == "Zoë \ufffd"


def test_a_csv_the_csv_reader_refuses_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('Name,Address,Postcode\nA,"' + "x" * 200_000 + '",NR2 1AB\n')

    result = batch(path, tmp_path / "o", "--offline")

    assert result.exit_code == 2
    assert "line 2 (row 2)" in result.stderr and "Traceback" not in result.output


def test_letters_to_known_mps_are_written_while_others_are_fetched(
    tmp_path: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row 2's MP is slow to answer: row 3 (an MP already known) does not wait for it."""
    import threading

    release = threading.Event()
    real = StandIn.answer

    def slow_for_aberdeen(self: StandIn, method: str, path: str, query: str, body: bytes) -> Any:
        if "Aberdeen" in query:
            release.wait(5)
        return real(self, method, path, query, body)

    monkeypatch.setattr(StandIn, "answer", slow_for_aberdeen)
    threading.Timer(1.0, release.set).start()
    rows = [BASIC[0], BASIC[1], ["Pat Other", "9 Other Street, Norwich", "NR2 1AB", "", ""]]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(supporters, tmp_path / "o")

    assert result.exit_code == 0, result.stderr
    assert [e["row"] for e in manifest(tmp_path / "o")] == ["2", "4", "3"]


def test_members_api_down_uses_offline_mps_and_says_why(
    tmp_path: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = StandIn.answer

    def members_down(self: StandIn, method: str, path: str, query: str, body: bytes) -> Any:
        return (503, {}) if path.startswith("/api/") else real(self, method, path, query, body)

    monkeypatch.setattr(StandIn, "answer", members_down)
    supporters = write_csv(tmp_path / "s.csv", BASIC)

    result = batch(supporters, tmp_path / "o")

    assert result.exit_code == 0, result.stderr
    assert {e["source"] for e in manifest(tmp_path / "o")} == {"offline"}
    assert "Members API is unavailable: HTTP 503" in result.stderr
    assert "came from offline data" in result.stderr


def test_personalisation_report_for_a_template_rendered_in_full(tmp_path: Path) -> None:
    """A template that loops over the address is rendered per letter; the count holds."""
    (tmp_path / "c" / "letter_templates").mkdir(parents=True)
    (tmp_path / "c" / "letter_templates" / "shout.md.j2").write_text(
        "---\ntitle: t\ndescription: d\n---\nDear {{ mp.address_as }},\n\nPlease act.\n\n"
        "{{ personal }}\n\n"
        "{{ sender.name }}\n{% for line in sender.address %}{{ line }}\n{% endfor %}"
    )
    rows = [
        ["A One", "1 St", "NR2 1AB", "", ""],
        ["B Two", "2 St", "AB10 1AB", "", "Mine."],
        ["C Three", "3 St", "NR2 1AB", "", ""],
    ]
    supporters = write_csv(tmp_path / "s.csv", rows)

    result = batch(
        supporters, tmp_path / "o", "--offline", "--campaign", str(tmp_path / "c"), template="shout"
    )

    text = " ".join(result.stderr.split())
    assert "1 of 3 letters include the supporter's own words" in text
    assert "2 are identical to another letter to the same MP once names and addresses" in text


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_bar_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    monkeypatch.setattr("actkit.cli.letters.stderr_is_terminal", lambda: True)
    advanced: list[int] = []
    monkeypatch.setattr("rich.progress.Progress.advance", lambda _, __, n: advanced.append(n))
    supporters = write_csv(tmp_path / "s.csv", BASIC)

    result = batch(supporters, tmp_path / "o", "--offline", "--jobs", jobs)

    assert result.exit_code == 0, result.stderr
    assert len(manifest(tmp_path / "o")) == 3
    assert sum(advanced) == 3  # one step a row, however many processes drafted them
