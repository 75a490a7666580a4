"""Legal deadlines an organiser can meet: how each law counts, and the working day to act.

Every date here is fixed and was worked out by hand from the 2027 bank holidays of each
nation (Christmas and New Year substitute days, Easter, St Patrick's Day, the Battle of
the Boyne, St Andrew's Day, Scotland's August holiday), so a change in the counting or
in the holiday calendar shows up as a failing example, not as a quietly different plan.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import icalendar
import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from actkit.cli import app
from actkit.errors import InvalidInput
from actkit.events import KINDS, NATIONS, Plan, count_back, plan_event
from actkit.formats.events import FORMATS, render
from actkit.workdays import is_working_day

TODAY = dt.date(2026, 12, 1)


def plan(kind: str, nation: str, date: dt.date, **extra: Any) -> Plan:
    arguments: dict[str, Any] = {
        "kind": kind,
        "date": date,
        "venue": "Market Square",
        "nation": nation,
        "today": TODAY,
    }
    arguments.update(extra)
    return plan_event(**arguments)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


# --------------------------------------------------------------------------- march notice

D = dt.date


@pytest.mark.parametrize(
    ("nation", "event", "due", "send_by"),
    [
        # Northern Ireland, s.6(2) "not less than 28 days": 28 clear days, the date minus 29.
        ("northern-ireland", D(2027, 2, 13), D(2027, 1, 15), D(2027, 1, 15)),
        ("northern-ireland", D(2027, 4, 15), D(2027, 3, 17), D(2027, 3, 16)),  # St Patrick's
        ("northern-ireland", D(2027, 4, 27), D(2027, 3, 29), D(2027, 3, 25)),  # Easter
        ("northern-ireland", D(2027, 8, 10), D(2027, 7, 12), D(2027, 7, 9)),  # the Boyne
        ("northern-ireland", D(2028, 1, 26), D(2027, 12, 28), D(2027, 12, 24)),  # Christmas
        # Scotland, s.62(2) "not later than 28 days": the date minus 28.
        ("scotland", D(2027, 2, 1), D(2027, 1, 4), D(2026, 12, 31)),  # 2 January moved
        ("scotland", D(2027, 4, 26), D(2027, 3, 29), D(2027, 3, 29)),  # no Easter Monday
        ("scotland", D(2027, 8, 30), D(2027, 8, 2), D(2027, 7, 30)),  # August holiday
        ("scotland", D(2027, 12, 28), D(2027, 11, 30), D(2027, 11, 29)),  # St Andrew's Day
        # England and Wales, s.11 "not less than 6 clear days": the date minus 7.
        ("england", D(2027, 4, 3), D(2027, 3, 27), D(2027, 3, 25)),  # Good Friday
        ("england", D(2027, 4, 5), D(2027, 3, 29), D(2027, 3, 25)),  # Easter Monday
        ("england", D(2027, 9, 6), D(2027, 8, 30), D(2027, 8, 27)),  # summer holiday
        ("wales", D(2028, 1, 3), D(2027, 12, 27), D(2027, 12, 24)),  # Christmas moved
        ("wales", D(2027, 6, 16), D(2027, 6, 9), D(2027, 6, 9)),  # an ordinary Wednesday
    ],
)
def test_march_notice_due_and_send_by_across_2027(
    nation: str, event: dt.date, due: dt.date, send_by: dt.date
) -> None:
    notice = plan("march", nation, event).legal_notice
    assert (notice.due, notice.send_by) == (due, send_by)


def test_the_same_day_is_a_working_day_in_scotland_but_not_in_england() -> None:
    """Easter Monday is a bank holiday in England, not in Scotland."""
    easter_monday = D(2027, 3, 29)
    assert is_working_day(easter_monday, "scotland")
    assert not is_working_day(easter_monday, "england")


def test_northern_ireland_reads_not_less_than_as_clear_days() -> None:
    notice = plan("march", "northern-ireland", D(2027, 6, 16)).legal_notice
    assert notice.due == D(2027, 5, 18)  # 28 whole days lie between 18 May and 16 June
    assert (D(2027, 6, 16) - D(2027, 5, 18)).days - 1 == 28
    assert notice.period == "28 clear days"
    assert "not less than 28 days" in notice.rule


def test_scotland_reads_not_later_than_as_plain_days() -> None:
    notice = plan("march", "scotland", D(2027, 6, 16)).legal_notice
    assert notice.due == D(2027, 5, 19)
    assert notice.period == "28 days"


def test_the_notice_task_is_dated_send_by_and_names_both_days() -> None:
    result = plan("march", "northern-ireland", D(2027, 4, 27))
    legal = next(task for task in result.tasks if task.legal)
    assert legal.due == D(2027, 3, 25)
    assert "Monday 29 March 2027" in (legal.detail or "")
    assert "posted notice must be sent earlier" in (legal.detail or "")


# --------------------------------------------------------------------------- other deadlines


@pytest.mark.parametrize(
    ("event", "due"),
    [
        (D(2027, 4, 3), D(2027, 3, 12)),  # skips Good Friday and Easter Monday
        (D(2028, 1, 4), D(2027, 12, 10)),  # skips 27, 28 December and 3 January 2028
        (D(2027, 6, 16), D(2027, 5, 26)),  # skips the spring bank holiday, 31 May
    ],
)
def test_gla_application_is_due_on_the_14th_working_day_before(
    event: dt.date, due: dt.date
) -> None:
    result = plan("rally", "england", event, venue="Trafalgar Square, London")
    gla = [task for task in result.tasks if "GLA" in task.title]
    assert [task.due for task in gla] == [due]


def test_ni_street_collection_is_due_by_the_first_of_the_previous_month() -> None:
    result = plan("street-stall", "northern-ireland", D(2027, 3, 31))
    permit = [task for task in result.tasks if "street collection" in task.title]
    assert [task.due for task in permit] == [D(2027, 2, 1)]
    # 1 August 2027 is a Sunday: hand it in on Friday 30 July.
    later = plan("street-stall", "northern-ireland", D(2027, 9, 4))
    assert [t.due for t in later.tasks if "street collection" in t.title] == [D(2027, 7, 30)]


@pytest.mark.parametrize("nation", ["england", "wales", "scotland"])
def test_street_collection_permit_is_asked_for_a_month_ahead_at_any_kind(nation: str) -> None:
    for kind in KINDS:
        result = plan(kind, nation, D(2027, 6, 16))
        permits = [task for task in result.tasks if "collect money" in task.title]
        assert [task.due for task in permits] == [D(2027, 5, 14)], kind


def test_office_tasks_never_fall_on_a_closed_day() -> None:
    result = plan("rally", "england", D(2028, 1, 4), venue="Parliament Square")
    offices = [t for t in result.tasks if t.title.startswith("Apply")]
    assert len(offices) == 2
    assert all(is_working_day(task.due, "england") for task in offices)


def test_count_back_readings() -> None:
    event = D(2027, 6, 16)
    assert count_back(event, 6, "clear-days", "england") == D(2027, 6, 9)
    assert count_back(event, 28, "days", "scotland") == D(2027, 5, 19)
    assert count_back(event, 14, "working-days", "england") == D(2027, 5, 26)
    assert count_back(event, 1, "previous-month-start", "northern-ireland") == D(2027, 5, 1)


# --------------------------------------------------------------------------- every format


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_shows_due_and_send_by(fmt: str) -> None:
    text = render(plan("march", "england", D(2027, 4, 5)), fmt)  # type: ignore[arg-type]
    if fmt == "json":
        notice = json.loads(text)["legal_notice"]
        assert (notice["due"], notice["send_by"]) == ("2027-03-29", "2027-03-25")
        return
    if fmt == "csv":
        assert "2027-03-25" in text and "Monday 29 March 2027" in text
        return
    if fmt == "ics":
        text = icalendar.Calendar.from_ical(text).to_ical().decode().replace("\r\n ", "")
    if fmt == "pdf":  # re-opened with pypdf; lines may wrap anywhere
        pages = pypdf.PdfReader(io.BytesIO(text)).pages
        text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Monday 29 March 2027" in text
    assert "Thursday 25 March 2027" in text


def test_cli_json_has_send_by() -> None:
    result = run(
        "event", "plan", "march", "--date", "2027-04-15", "--venue", "City Hall",
        "--nation", "northern-ireland", "--today", "2026-12-01", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    notice = json.loads(result.stdout)["legal_notice"]
    assert notice["due"] == "2027-03-17"
    assert notice["send_by"] == "2027-03-16"


def test_bt_venue_postcode_is_northern_ireland_without_a_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import actkit.cli.events

    def no_lookup(postcode: str) -> Any:
        raise AssertionError("a BT postcode must not be looked up")

    monkeypatch.setattr(actkit.cli.events, "nation_for_postcode", no_lookup)
    result = run(
        "event", "plan", "march", "--date", "2027-04-15", "--venue", "City Hall",
        "--venue-postcode", "bt1 5gs", "--today", "2026-12-01", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["nation"], data["venue_postcode"]) == ("northern-ireland", "BT1 5GS")


# --------------------------------------------------------------------------- clock changes


class TestClockChanges:
    SPRING = D(2027, 3, 28)  # the clocks go forward at 01:00
    AUTUMN = D(2027, 10, 31)  # the clocks go back at 02:00

    @pytest.mark.parametrize("time", ["01:00", "01:30", "01:59"])
    def test_a_start_time_the_clocks_skip_is_refused(self, time: str) -> None:
        with pytest.raises(InvalidInput, match="does not exist"):
            plan("vigil", "england", self.SPRING, time=time)

    def test_an_end_time_the_clocks_skip_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="end time 01:30 does not exist"):
            plan("vigil", "england", self.SPRING, time="00:30", end_time="01:30")

    @pytest.mark.parametrize("time", ["00:59", "02:00", "14:00"])
    def test_times_around_the_gap_are_fine(self, time: str) -> None:
        assert plan("vigil", "england", self.SPRING, time=time).time is not None

    def test_cli_exit_code_and_one_line(self) -> None:
        result = run(
            "event", "plan", "vigil", "--date", "2027-03-28", "--time", "01:30",
            "--venue", "Park", "--nation", "scotland", "--today", "2026-12-01",
        )  # fmt: skip
        assert result.exit_code == 2
        assert "01:30 does not exist on Sunday 28 March 2027" in result.stderr
        assert "Traceback" not in result.stderr

    def test_a_time_that_happens_twice_means_the_first_and_says_so(self) -> None:
        result = plan("vigil", "england", self.AUTUMN, time="01:30", end_time="03:00")
        assert any("01:30 happens twice" in w for w in result.warnings)
        calendar = icalendar.Calendar.from_ical(render(result, "ics"))
        event = next(c for c in calendar.walk("VEVENT") if "Market Square" in c["summary"])
        start = event.decoded("dtstart")
        assert start.utcoffset() == dt.timedelta(hours=1)  # British Summer Time


# --------------------------------------------------------------------------- calendar edges


@pytest.mark.parametrize(
    ("date", "today"),
    [("9999-12-31", None), ("9999-12-30", None), ("0001-01-02", "0001-01-01")],
)
def test_dates_at_the_calendars_ends_are_a_clear_error(date: str, today: str | None) -> None:
    args = ["event", "plan", "march", "--date", date, "--venue", "Park", "--nation", "england"]
    result = run(*args, *(["--today", today] if today else []))
    assert result.exit_code == 2, result.stdout
    assert "too close to the end of the calendar" in result.stderr
    assert "Traceback" not in result.stderr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    date=st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31)),
    lead=st.integers(min_value=0, max_value=400),
    kind=st.sampled_from(KINDS),
    nation=st.sampled_from(NATIONS),
)
def test_no_event_date_crashes_and_send_by_is_a_working_day_on_or_before_due(
    date: dt.date, lead: int, kind: str, nation: str
) -> None:
    today = date - dt.timedelta(days=min(lead, (date - D(1, 1, 1)).days))
    try:
        result = plan(kind, nation, date, today=today)
    except InvalidInput:
        return  # a clear message, never a traceback
    notice = result.legal_notice
    if notice.required:
        assert notice.due is not None and notice.send_by is not None
        assert notice.send_by <= notice.due
        assert is_working_day(notice.send_by, nation)
    for fmt in FORMATS:
        assert render(result, fmt)  # every format copes with the date


# --------------------------------------------------------------------------- own checklists


def with_task(lines: str) -> str:
    from actkit.events import checklist_text

    return checklist_text("vigil").replace(
        "roles:\n", f"  - title: Extra task\n{lines}\nroles:\n", 1
    )


def test_an_own_checklist_can_count_working_days_and_keep_office_hours(tmp_path: Any) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        with_task(
            "    offset: -10\n    counting: working-days\n    office_hours: true\n"
            "    phase: weeks-before\n"
        ),
        encoding="utf-8",
    )
    result = plan_event(
        checklist=path, date=D(2027, 4, 3), venue="Park", nation="england", today=TODAY
    )
    extra = next(task for task in result.tasks if task.title == "Extra task")
    # Ten working days before Saturday 3 April 2027, skipping Easter Monday and Good Friday.
    assert extra.due == D(2027, 3, 18)
    assert extra.phase == "weeks-before"


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ("    offset: 2\n    counting: clear-days\n    phase: after\n", "use a negative offset"),
        ("    offset: -3\n    counting: fortnights\n    phase: week-before\n", "is not one of"),
        ("    offset: -3\n    office_hours: yes please\n    phase: week-before\n", "true or false"),
    ],
)
def test_bad_counting_fields_are_file_line_errors(tmp_path: Any, lines: str, problem: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(with_task(lines), encoding="utf-8")
    with pytest.raises(InvalidInput, match=problem) as caught:
        plan_event(checklist=path, date=D(2027, 4, 3), venue="Park", nation="england", today=TODAY)
    assert str(caught.value).startswith(f"{path}:")


@pytest.mark.parametrize("option", ["--venue", "--route", "--organiser"])
def test_bytes_that_are_not_utf8_are_refused_by_name(option: str) -> None:
    import subprocess
    import sys

    args = {"--venue": b"Market Square", "--route": b"", "--organiser": b""}
    args[option] = b"Caf\xe9"
    command = [sys.executable, "-m", "actkit", "event", "plan", "march", "--date", "2027-01-10"]
    command += ["--nation", "england", "--today", "2026-12-01", "--format", "ics"]
    for name, value in args.items():
        if value:
            command += [name, value]  # type: ignore[list-item]
    result = subprocess.run(command, capture_output=True, check=False)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert "not UTF-8" in stderr and option.lstrip("-") in stderr
    assert "Traceback" not in stderr


def test_html_plan_loads_nothing_from_elsewhere() -> None:
    import html.parser

    class Loads(html.parser.HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.loads: list[str] = []
            self.csp = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "meta" and values.get("http-equiv") == "Content-Security-Policy":
                self.csp = values.get("content") or ""
            if tag in {"img", "script", "link", "iframe", "object", "embed"}:
                self.loads.append(tag)

    parser = Loads()
    parser.feed(render(plan("march", "england", D(2027, 4, 5)), "html"))
    assert parser.loads == []
    assert "default-src 'none'" in parser.csp


def test_an_end_time_after_midnight_is_not_warned_about_the_wrong_day() -> None:
    # 23:30 on the autumn change day, 2 hours assumed: the end, 01:30, is on the Monday.
    result = plan("vigil", "england", D(2027, 10, 31), time="23:30")
    assert not any("happens twice" in warning for warning in result.warnings)


def test_a_missed_send_by_with_the_legal_day_still_ahead_is_said() -> None:
    # Legal last day Monday 29 March 2027 (Easter Monday); send_by Thursday 25 March.
    result = plan("march", "northern-ireland", D(2027, 4, 27), today=D(2027, 3, 27))
    notice = result.legal_notice
    assert notice.deadline_passed is False
    warning = next(w for w in result.warnings if "last working day" in w)
    assert "Thursday 25 March 2027" in warning and "Monday 29 March 2027" in warning


@settings(max_examples=80, deadline=None)
@given(
    day=st.sampled_from([D(2027, 3, 28), D(2027, 10, 31), D(2028, 3, 26), D(2028, 10, 29)]),
    start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    end=st.none() | st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_any_time_on_a_clock_change_day_is_a_plan_or_a_clear_error(
    day: dt.date, start: dt.time, end: dt.time | None
) -> None:
    try:
        result = plan("vigil", "england", day, time=start, end_time=end)
    except InvalidInput as error:
        assert str(error)
        return
    calendar = icalendar.Calendar.from_ical(render(result, "ics"))
    assert calendar.walk("VEVENT")


@pytest.mark.parametrize(
    ("nation", "postcode", "where"),
    [("england", "BT1 5GS", "is in"), ("northern-ireland", "SW1A 1AA", "is not in")],
)
def test_nation_and_venue_postcode_that_contradict_are_refused(
    nation: str, postcode: str, where: str
) -> None:
    result = run(
        "event", "plan", "march", "--date", "2027-04-15", "--venue", "City Hall",
        "--nation", nation, "--venue-postcode", postcode, "--today", "2026-12-01",
    )  # fmt: skip
    assert result.exit_code == 2
    assert f"{where} Northern Ireland, but --nation is {nation}" in result.stderr
