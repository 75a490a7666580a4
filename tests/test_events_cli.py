"""``actkit event plan|kinds|export`` as users run them: stdout, stderr and exit codes.

No test here touches the network: the venue-postcode lookup is replaced with a fake.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import icalendar
import pytest
from typer.testing import CliRunner

import actkit
from actkit.cli import app
from actkit.events import KINDS, checklist_text
from actkit.formats.events import CSV_COLUMNS

BASE = ["event", "plan", "march", "--date", "2026-12-12", "--venue", "Market Square, Norwich",
        "--today", "2026-11-01"]  # fmt: skip


def run(*args: str) -> Any:
    """Invoke ``actkit ARGS`` in-process; unexpected exceptions propagate (they are bugs)."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def plan(*extra: str) -> Any:
    return run(*BASE, "--nation", "england", *extra)


def one_error_line(result: Any) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


class TestKindsAndExport:
    def test_kinds_one_line_each(self) -> None:
        result = run("event", "kinds")
        assert result.exit_code == 0
        lines = result.stdout.splitlines()
        assert [line.split()[0] for line in lines] == list(KINDS)
        assert all(len(line.split(maxsplit=1)) == 2 for line in lines)
        assert result.stderr == ""

    @pytest.mark.parametrize("kind", KINDS)
    def test_export_prints_the_shipped_file_exactly(self, kind: str) -> None:
        result = run("event", "export", kind)
        assert result.exit_code == 0
        shipped = Path(actkit.__file__).parent / "checklists" / f"{kind}.yaml"
        assert result.stdout == shipped.read_text(encoding="utf-8")
        assert result.stdout.startswith("# actkit event checklist")

    def test_export_unknown_kind(self) -> None:
        result = run("event", "export", "flashmob")
        assert result.exit_code == 2
        assert "picket, march, vigil, rally, public-meeting, street-stall" in one_error_line(result)

    def test_export_edit_plan_round_trip(self, tmp_path: Path) -> None:
        exported = run("event", "export", "rally").stdout
        edited = exported.replace(
            "roles:\n",
            "  - title: Print the song sheets\n    offset: -4\n    phase: week-before\n\nroles:\n",
            1,
        )
        mine = tmp_path / "mine.yaml"
        mine.write_text(edited, encoding="utf-8")
        result = run("event", "plan", "--checklist", str(mine), "--date", "2026-12-12",
                     "--venue", "The Forum", "--nation", "wales", "--today", "2026-11-01",
                     "--format", "json")  # fmt: skip
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["kind"] == "rally"
        assert data["checklist"] == str(mine)
        songs = [t for t in data["tasks"] if t["title"] == "Print the song sheets"]
        assert songs == [
            {"title": "Print the song sheets", "due": "2026-12-08", "phase": "week-before",
             "overdue": False, "legal": False, "detail": None, "source": None}
        ]  # fmt: skip

    def test_broken_checklist_is_exit_2_with_file_line_field(self, tmp_path: Path) -> None:
        broken = checklist_text("march").replace("    offset: -56\n", "    offset: later\n", 1)
        line = next(i for i, t in enumerate(broken.splitlines(), 1) if "offset: later" in t)
        mine = tmp_path / "mine.yaml"
        mine.write_text(broken, encoding="utf-8")
        result = run("event", "plan", "--checklist", str(mine), "--date", "2026-12-12",
                     "--venue", "x", "--nation", "england")  # fmt: skip
        assert result.exit_code == 2
        assert result.stdout == ""
        assert one_error_line(result) == (
            f"Error: {mine}:{line}: tasks[1].offset: 'later' is not a whole number"
        )


class TestPlan:
    def test_markdown_by_default(self) -> None:
        result = plan()
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("# March plan: Saturday 12 December 2026\n")
        assert "- [ ] Fri 4 Dec 2026: **Deliver written notice" in result.stdout
        assert result.stdout.rstrip().endswith("Guidance checked December 2026.*")

    def test_warnings_go_to_stderr_and_into_the_document(self) -> None:
        result = run(*BASE[:-1], "2026-12-09", "--nation", "england")
        assert result.exit_code == 0
        assert result.stderr.startswith("Warning: The legal notice deadline for this march")
        assert "as soon as delivery is reasonably practicable" in result.stderr
        assert "> **Warning:** The legal notice deadline" in result.stdout
        assert "**OVERDUE**" in result.stdout

    def test_json_contract(self) -> None:
        result = plan("--format", "json", "--time", "14:00", "--expected", "400")
        assert result.exit_code == 0
        data = json.loads(result.stdout)
        assert data["legal_notice"]["due"] == "2026-12-05"
        assert data["legal_notice"]["required"] is True
        assert data["legal_notice"]["law"] == "Public Order Act 1986 s.11"
        assert {r["role"]: r["count"] for r in data["roles"]}["Stewards"] == 8
        assert data["end_time"] == "16:00" and data["end_time_assumed"] is True

    def test_static_kind_json_says_no_notice(self) -> None:
        result = run("event", "plan", "vigil", "--date", "2026-12-12", "--venue", "x",
                     "--nation", "scotland", "--format", "json",
                     "--today", "2026-11-01")  # fmt: skip
        notice = json.loads(result.stdout)["legal_notice"]
        assert notice["required"] is False and notice["due"] is None
        assert notice["may_apply"]

    def test_ics_to_stdout(self) -> None:
        result = plan("--format", "ics", "--time", "11:00", "--end-time", "13:00")
        assert result.exit_code == 0
        calendar = icalendar.Calendar.from_ical(result.stdout)
        events = calendar.walk("VEVENT")
        assert str(events[0]["summary"]) == "March: Market Square, Norwich"
        assert len(events) > 10

    def test_csv_to_stdout(self) -> None:
        result = plan("--format", "csv")
        rows = list(csv.reader(io.StringIO(result.stdout)))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert rows[-1][1] == "disclaimer"

    def test_html_escapes_the_venue(self) -> None:
        result = run("event", "plan", "rally", "--date", "2026-12-12", "--venue",
                     "<script>alert(1)</script>", "--nation", "england", "--format", "html",
                     "--organiser", "<i>me</i>")  # fmt: skip
        assert result.exit_code == 0
        assert "<script>alert(1)</script>" not in result.stdout
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout
        assert "<i>me</i>" not in result.stdout

    def test_format_name_is_case_insensitive(self) -> None:
        assert json.loads(plan("--format", "JSON").stdout)["kind"] == "march"


class TestOutputFiles:
    @pytest.mark.parametrize(
        ("name", "check"),
        [
            ("plan.md", lambda text: text.startswith("# March plan")),
            ("plan.html", lambda text: text.startswith("<!DOCTYPE html>")),
            ("plan.json", lambda text: json.loads(text)["kind"] == "march"),
            ("plan.ics", lambda text: text.startswith("BEGIN:VCALENDAR")),
            ("plan.csv", lambda text: text.startswith("due,phase,title")),
        ],
    )
    def test_format_is_inferred_from_the_extension(
        self, tmp_path: Path, name: str, check: Any
    ) -> None:
        target = tmp_path / name
        result = plan("--output", str(target))
        assert result.exit_code == 0, result.stderr
        assert result.stdout == ""
        assert f"Wrote {target}" in result.stderr
        assert check(target.read_text(encoding="utf-8"))

    def test_format_flag_beats_the_extension(self, tmp_path: Path) -> None:
        target = tmp_path / "plan.txt"
        assert plan("--output", str(target), "--format", "json").exit_code == 0
        assert json.loads(target.read_text(encoding="utf-8"))["kind"] == "march"

    def test_unknown_extension_without_format(self, tmp_path: Path) -> None:
        result = plan("--output", str(tmp_path / "plan.txt"))
        assert result.exit_code == 2
        assert "use --format" in one_error_line(result)
        assert not (tmp_path / "plan.txt").exists()

    def test_existing_file_is_kept_without_force(self, tmp_path: Path) -> None:
        target = tmp_path / "plan.md"
        target.write_text("mine\n", encoding="utf-8")
        result = plan("--output", str(target))
        assert result.exit_code == 2
        assert "already exists; use --force" in one_error_line(result)
        assert target.read_text(encoding="utf-8") == "mine\n"

    def test_force_overwrites(self, tmp_path: Path) -> None:
        target = tmp_path / "plan.md"
        target.write_text("mine\n", encoding="utf-8")
        assert plan("--output", str(target), "--force").exit_code == 0
        assert target.read_text(encoding="utf-8").startswith("# March plan")


class TestInvalidInput:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--date", "2026-02-30"], "--date '2026-02-30' is not a valid date"),
            (["--time", "24:00"], "--time '24:00' is not a valid time"),
            (["--time", "10:00", "--end-time", "9:30"], "not after the start time"),
            (["--end-time", "9:30"], "needs a start time"),
            (["--today", "2027-01-01"], "before today"),
            (["--nation", "cornwall"], "england, wales, scotland, northern-ireland"),
        ],
    )
    def test_one_clear_line_and_exit_2(self, args: list[str], message: str) -> None:
        base = [*BASE, "--nation", "england"]
        for flag, value in zip(args[::2], args[1::2], strict=True):
            if flag in base:
                base[base.index(flag) + 1] = value
            else:
                base += [flag, value]
        result = run(*base)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert message in one_error_line(result)

    def test_unknown_kind_lists_the_kinds(self) -> None:
        result = run("event", "plan", "flashmob", "--date", "2026-12-12", "--venue", "x",
                     "--nation", "england")  # fmt: skip
        assert result.exit_code == 2
        assert "unknown kind 'flashmob': use one of picket, march, vigil" in one_error_line(result)

    def test_no_kind_and_no_checklist(self) -> None:
        result = run("event", "plan", "--date", "2026-12-12", "--venue", "x", "--nation", "wales")
        assert result.exit_code == 2
        assert "give a KIND" in one_error_line(result)

    def test_neither_nation_nor_postcode(self) -> None:
        result = run(*BASE)
        assert result.exit_code == 2
        assert "--nation" in one_error_line(result) and "--venue-postcode" in result.stderr

    def test_missing_date_is_a_usage_error(self) -> None:
        result = run("event", "plan", "march", "--venue", "x", "--nation", "england")
        assert result.exit_code == 2
        assert "--date" in result.stderr


def fake_place(country: str, postcode: str = "SW1A 1AA", warnings: tuple[str, ...] = ()) -> Any:
    return SimpleNamespace(postcode=postcode, country=country, warnings=warnings)


class TestVenuePostcode:
    @pytest.mark.parametrize(
        ("country", "nation", "due"),
        [("England", "england", "2026-12-05"), ("Wales", "wales", "2026-12-05"),
         ("Scotland", "scotland", "2026-11-14"),
         ("Northern Ireland", "northern-ireland", "2026-11-13")],
    )  # fmt: skip
    def test_nation_comes_from_the_postcode(
        self, monkeypatch: pytest.MonkeyPatch, country: str, nation: str, due: str
    ) -> None:
        import actkit.representatives

        asked: list[str] = []

        def locate(postcode: str, **_: Any) -> Any:
            asked.append(postcode)
            return fake_place(country, warnings=("Answered from offline data",))

        monkeypatch.setattr(actkit.representatives, "locate_postcode", locate)
        result = run(*BASE, "--venue-postcode", "sw1a1aa", "--format", "json")
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert asked == ["sw1a1aa"]
        assert data["nation"] == nation
        assert data["venue_postcode"] == "SW1A 1AA"
        assert data["legal_notice"]["due"] == due
        assert "Warning: Answered from offline data" in result.stderr

    @pytest.mark.parametrize("country", ["Channel Islands", "Isle of Man"])
    def test_crown_dependencies_are_refused(
        self, monkeypatch: pytest.MonkeyPatch, country: str
    ) -> None:
        import actkit.representatives

        monkeypatch.setattr(
            actkit.representatives,
            "locate_postcode",
            lambda pc, **_: fake_place(country, "JE2 3AB"),
        )
        result = run(*BASE, "--venue-postcode", "JE2 3AB")
        assert result.exit_code == 2
        line = one_error_line(result)
        assert f"JE2 3AB is in the {country}" in line
        assert "four UK nations only" in line

    def test_lookup_errors_keep_their_exit_codes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import actkit.representatives
        from actkit.errors import PostcodeNotFound

        def missing(postcode: str, **_: Any) -> Any:
            raise PostcodeNotFound("ZZ1 1ZZ was not found")

        monkeypatch.setattr(actkit.representatives, "locate_postcode", missing)
        result = run(*BASE, "--venue-postcode", "ZZ1 1ZZ")
        assert result.exit_code == 1
        assert one_error_line(result) == "Error: ZZ1 1ZZ was not found"

    def test_explicit_nation_wins_without_a_lookup(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import actkit.cli.events

        def fail(postcode: str) -> Any:
            raise AssertionError("no lookup when --nation is given")

        monkeypatch.setattr(actkit.cli.events, "nation_for_postcode", fail)
        result = run(
            *BASE, "--nation", "scotland", "--venue-postcode", "EH1 1YZ", "--format", "json"
        )
        data = json.loads(result.stdout)
        assert data["nation"] == "scotland"
        assert data["venue_postcode"] == "EH1 1YZ"


@pytest.mark.slow
@pytest.mark.parametrize("args", [["event", "plan", "--help"], ["event", "export", "--help"]])
def test_event_help_does_not_import_heavy_modules(args: list[str]) -> None:
    probe = (
        "import sys\n"
        f"sys.argv = ['actkit', *{args!r}]\n"
        "from actkit.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ['yaml', 'jinja2', 'icalendar', 'actkit.events', 'actkit.formats.events']\n"
        "print('LOADED:' + ','.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.rsplit("LOADED:", 1)[1].strip() == ""
    assert "Usage: actkit event" in done.stdout
