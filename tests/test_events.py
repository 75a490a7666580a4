"""The event planner library and its renderers: dates, law, roles, checklists, formats.

Golden files live in tests/golden/events/. After a deliberate change to a checklist or a
renderer, regenerate them with ``ACTKIT_UPDATE_GOLDEN=1 pytest tests/test_events.py`` and
review the diff before committing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actkit.errors import InvalidInput
from actkit.events import (
    KINDS,
    NATIONS,
    PHASES,
    Plan,
    checklist_text,
    kind_descriptions,
    load_checklist,
    normalise_nation,
    parse_date,
    parse_time,
    phase_for_offset,
    plan_event,
)
from actkit.formats.events import (
    CSV_COLUMNS,
    format_for_suffix,
    render,
    render_csv,
    render_html,
    render_ics,
    render_json,
    render_markdown,
)

GOLDEN = Path(__file__).parent / "golden" / "events"
TODAY = dt.date(2026, 11, 1)
EVENT = dt.date(2026, 12, 12)


def make(kind: str = "march", nation: str = "england", **overrides: Any) -> Plan:
    arguments: dict[str, Any] = {
        "kind": kind,
        "date": EVENT,
        "venue": "Market Square, Norwich",
        "nation": nation,
        "today": TODAY,
    }
    arguments.update(overrides)
    return plan_event(**arguments)


def titles(plan: Plan) -> list[str]:
    return [task.title for task in plan.tasks]


def topics(plan: Plan) -> list[str]:
    return [note.topic for note in plan.notes]


# --------------------------------------------------------------------------- legal notice


class TestNoticeDeadline:
    @pytest.mark.parametrize(
        ("nation", "due", "send_by", "law"),
        [
            ("england", "2026-12-05", "2026-12-04", "Public Order Act 1986 s.11"),
            ("wales", "2026-12-05", "2026-12-04", "Public Order Act 1986 s.11"),
            (
                "scotland",
                "2026-11-14",
                "2026-11-13",
                "Civic Government (Scotland) Act 1982 s.62",
            ),
            (
                "northern-ireland",
                "2026-11-13",
                "2026-11-13",
                "Public Processions (Northern Ireland) Act 1998 s.6",
            ),
        ],
    )
    def test_march_notice_is_counted_back_from_the_event(
        self, nation: str, due: str, send_by: str, law: str
    ) -> None:
        """E&W 6 clear days: minus 7; Scotland "not later than 28 days": minus 28; NI
        "not less than 28 days" (28 clear days): minus 29. The task is dated send_by."""
        plan = make(nation=nation)
        notice = plan.legal_notice
        assert notice.required is True
        assert notice.due == dt.date.fromisoformat(due)
        assert notice.send_by == dt.date.fromisoformat(send_by)
        assert notice.law == law
        assert notice.url.startswith("https://www.legislation.gov.uk/")
        legal = [task for task in plan.tasks if task.legal]
        assert len(legal) == 1
        assert legal[0].due == notice.send_by
        assert law in legal[0].title

    def test_clear_days_exclude_delivery_day_and_event_day(self) -> None:
        """Delivered on the due date, 6 whole days lie between delivery and the march."""
        due = make().legal_notice.due
        assert due is not None
        clear_days = (EVENT - due).days - 1
        assert clear_days == 6

    def test_northern_ireland_names_form_11_1_and_the_psni(self) -> None:
        notice = make(nation="northern-ireland").legal_notice
        assert "Form 11/1" in notice.rule
        assert "PSNI" in notice.to

    def test_scotland_goes_to_council_and_chief_constable(self) -> None:
        notice = make(nation="scotland").legal_notice
        assert "local authority" in notice.to
        assert "chief constable" in notice.to

    @pytest.mark.parametrize("kind", [k for k in KINDS if k != "march"])
    @pytest.mark.parametrize("nation", NATIONS)
    def test_static_kinds_have_no_notice_duty_but_list_what_may_apply(
        self, kind: str, nation: str
    ) -> None:
        plan = make(kind=kind, nation=nation)
        notice = plan.legal_notice
        assert notice.required is False
        assert notice.due is None
        assert notice.deadline_passed is False
        assert "processions only" in notice.section or nation == "northern-ireland"
        assert notice.may_apply, "static events must list voluntary liaison or permissions"
        assert not any(task.legal for task in plan.tasks)

    def test_passed_deadline_england_warns_and_cites_what_the_law_allows(self) -> None:
        plan = make(today=dt.date(2026, 12, 8))
        assert plan.legal_notice.deadline_passed is True
        assert plan.legal_notice.due == dt.date(2026, 12, 5)
        warning = plan.warnings[0]
        assert "has already passed" in warning
        assert "Saturday 5 December 2026" in warning
        assert "as soon as delivery is reasonably practicable" in warning

    def test_passed_deadline_scotland_points_to_the_councils_dispensing_order(self) -> None:
        warning = make(nation="scotland", today=dt.date(2026, 11, 20)).warnings[0]
        assert "has already passed" in warning
        assert "dispensing" in warning
        assert "as soon as" not in warning.split("no")[0]  # Scotland has no such rule

    def test_passed_deadline_northern_ireland_allows_as_soon_as_practicable(self) -> None:
        warning = make(nation="northern-ireland", today=dt.date(2026, 11, 20)).warnings[0]
        assert "as soon as reasonably practicable" in warning

    def test_deadline_today_is_not_passed_but_said(self) -> None:
        plan = make(today=dt.date(2026, 12, 5))
        assert plan.legal_notice.deadline_passed is False
        assert any("must arrive today" in w for w in plan.warnings)

    def test_ni_protest_meeting_rule_for_static_kinds(self) -> None:
        plan = make(kind="rally", nation="northern-ireland")
        form = [t for t in plan.tasks if "Form 11/3" in t.title]
        assert len(form) == 1
        # "Not later than 14 days" (s.7(2)): Saturday 28 November, so Friday 27th.
        assert form[0].due == dt.date(2026, 11, 27)
        assert form[0].title.startswith("Only if")


# --------------------------------------------------------------------------- timeline


class TestTimeline:
    def test_overdue_tasks_are_kept_and_marked(self) -> None:
        plan = make(today=dt.date(2026, 11, 20))
        overdue = [t for t in plan.tasks if t.overdue]
        assert overdue
        assert all(t.due < dt.date(2026, 11, 20) for t in overdue)
        assert all(not t.overdue for t in plan.tasks if t.due >= dt.date(2026, 11, 20))
        assert any("marked overdue" in w for w in plan.warnings)

    def test_nothing_overdue_with_plenty_of_time(self) -> None:
        plan = make(today=dt.date(2026, 9, 1))
        assert not any(t.overdue for t in plan.tasks)
        assert plan.warnings == ()

    def test_tasks_are_sorted_and_phases_fit_their_dates(self) -> None:
        plan = make()
        dues = [t.due for t in plan.tasks]
        assert dues == sorted(dues)
        for task in plan.tasks:
            offset = (task.due - EVENT).days
            assert task.phase == phase_for_offset(offset) or (task.phase == "after" and offset == 0)

    def test_every_phase_appears_and_after_includes_the_follow_up_letter(self) -> None:
        plan = make()
        assert {t.phase for t in plan.tasks} == set(PHASES)
        after = [t.title for t in plan.tasks if t.phase == "after"]
        assert any("debrief" in t.lower() for t in after)
        assert any("actkit letter write" in t for t in after)

    @pytest.mark.parametrize(
        ("offset", "phase"),
        [(-60, "weeks-before"), (-8, "weeks-before"), (-7, "week-before"), (-2, "week-before"),
         (-1, "day-before"), (0, "on-the-day"), (1, "after")],
    )  # fmt: skip
    def test_phase_for_offset(self, offset: int, phase: str) -> None:
        assert phase_for_offset(offset) == phase

    def test_event_today_is_allowed(self) -> None:
        plan = make(today=EVENT)
        assert plan.date == EVENT


# --------------------------------------------------------------------------- roles


class TestRoles:
    def counts(self, plan: Plan) -> dict[str, int]:
        return {role.role: role.count for role in plan.roles}

    def test_roles_scale_with_expected_attendance(self) -> None:
        small = self.counts(make(expected=20))
        big = self.counts(make(expected=1000))
        assert small["Stewards"] == 2  # the minimum
        assert big["Stewards"] == 20  # 1 per 50
        assert big["First aid"] == 10
        assert big["Legal observers"] == 10
        assert big["Police liaison"] == small["Police liaison"] == 1  # a fixed number

    def test_the_seven_roles_are_there_for_every_kind(self) -> None:
        wanted = {"First aid", "Legal observers", "Police liaison", "Press and spokesperson",
                  "Accessibility contact", "Wellbeing"}  # fmt: skip
        for kind in KINDS:
            names = {role.role for role in make(kind=kind).roles}
            assert wanted <= names, kind
            assert any(name.startswith(("Stewards", "Stall volunteers")) for name in names)

    def test_why_says_how_the_number_was_reached_and_when_it_is_a_rule_of_thumb(self) -> None:
        stewards = next(r for r in make(expected=120).roles if r.role == "Stewards")
        assert stewards.count == 3
        assert "1 per 50 of 120 expected" in stewards.why
        assert "rule of thumb" in stewards.why

    def test_max_caps_the_count(self, tmp_path: Path) -> None:
        text = checklist_text("march").replace(
            "    per: 50\n    min: 2\n", "    per: 50\n    min: 2\n    max: 5\n", 1
        )
        path = tmp_path / "capped.yaml"
        path.write_text(text, encoding="utf-8")
        plan = make(kind=None, checklist=path, expected=10_000)
        assert self.counts(plan)["Stewards"] == 5


# --------------------------------------------------------------------------- notes


class TestNotes:
    def test_picket_always_gets_the_embassy_and_trade_union_notes(self) -> None:
        plan = make(kind="picket")
        assert "embassy" in topics(plan)
        union = [n for n in plan.notes if n.topic == "trade-union picket"]
        assert any("s.220" in n.text and "Code of Practice on Picketing" in n.text for n in union)
        assert any(n.source.endswith("/ukpga/1992/52/section/220") for n in union)

    def test_picket_in_northern_ireland_points_to_its_own_code(self) -> None:
        union = [n for n in make(kind="picket", nation="northern-ireland").notes
                 if n.topic == "trade-union picket"]  # fmt: skip
        assert len(union) == 1
        assert "economy-ni.gov.uk" in union[0].source

    def test_embassy_note_for_other_kinds_only_at_an_embassy(self) -> None:
        assert "embassy" not in topics(make(kind="rally"))
        assert "embassy" in topics(make(kind="rally", venue="Outside the Embassy of X"))
        assert "embassy" in topics(make(kind="vigil", venue="Consulate General, Edinburgh",
                                        nation="scotland"))  # fmt: skip

    def test_trafalgar_square_needs_gla_permission(self) -> None:
        plan = make(kind="rally", venue="Trafalgar Square, London")
        assert any("Greater London Authority" in p.text for p in plan.legal_notice.may_apply)
        gla = [t for t in plan.tasks if "GLA" in t.title]
        assert gla and gla[0].due == dt.date(2026, 11, 24)  # the 14th working day before

    def test_parliament_square_via_the_route(self) -> None:
        plan = make(route="Whitehall to Parliament Square")
        assert any("s.143" in p.text for p in plan.legal_notice.may_apply)
        assert any("amplified sound" in t for t in titles(plan))

    def test_london_rules_not_applied_in_scotland(self) -> None:
        plan = make(kind="rally", nation="scotland", venue="Trafalgar Square")
        assert not any("Greater London Authority" in p.text for p in plan.legal_notice.may_apply)

    def test_street_stall_gets_leafleting_and_stall_permissions(self) -> None:
        plan = make(kind="street-stall")
        texts = " ".join(p.text for p in plan.legal_notice.may_apply)
        assert "Leafleting" in texts
        assert "political" in texts
        assert "Stall:" in texts

    def test_scotland_leafleting_is_marked_uncertain(self) -> None:
        plan = make(kind="street-stall", nation="scotland")
        leaflets = [p for p in plan.legal_notice.may_apply if p.text.startswith("Leafleting")]
        assert leaflets and "uncertain" in leaflets[0].text

    @pytest.mark.parametrize("kind", KINDS)
    def test_every_kind_has_the_practical_notes(self, kind: str) -> None:
        assert {"accessibility", "safeguarding", "weather"} <= set(topics(make(kind=kind)))

    def test_noise_notes_per_nation(self) -> None:
        assert "noise" in topics(make(kind="rally"))
        assert any("s.54" in n.text for n in make(kind="rally", nation="scotland").notes)


# --------------------------------------------------------------------------- inputs


class TestInputs:
    @pytest.mark.parametrize("text", ["2026-13-01", "12/12/2026", "2026-2-1", "tomorrow", ""])
    def test_bad_dates(self, text: str) -> None:
        with pytest.raises(InvalidInput, match="not a valid date"):
            parse_date(text, label="--date")

    @pytest.mark.parametrize("text", ["25:00", "12:60", "noon", "1230", ""])
    def test_bad_times(self, text: str) -> None:
        with pytest.raises(InvalidInput, match="not a valid time"):
            parse_time(text, label="--time")

    def test_good_time(self) -> None:
        assert parse_time("9:05") == dt.time(9, 5)

    def test_event_before_today(self) -> None:
        with pytest.raises(InvalidInput, match="before today"):
            make(date="2026-10-31")

    def test_end_before_start(self) -> None:
        with pytest.raises(InvalidInput, match="not after the start time"):
            make(time="14:00", end_time="13:00")

    def test_end_without_start(self) -> None:
        with pytest.raises(InvalidInput, match="needs a start time"):
            make(end_time="13:00")

    def test_default_duration_is_assumed_and_said(self) -> None:
        plan = make(time="14:00")
        assert plan.end_time == dt.time(16, 0)
        assert plan.end_time_assumed is True
        assert "assumed" in render_markdown(plan)

    def test_unknown_kind_lists_the_kinds(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            make(kind="sit-in")
        assert all(kind in str(caught.value) for kind in KINDS)

    @pytest.mark.parametrize("text", ["Northern Ireland", "northern_ireland", " WALES "])
    def test_nation_spellings(self, text: str) -> None:
        assert normalise_nation(text) in NATIONS

    def test_unknown_nation(self) -> None:
        with pytest.raises(InvalidInput, match="england, wales, scotland, northern-ireland"):
            make(nation="jersey")

    def test_user_values_lose_control_characters(self) -> None:
        plan = make(venue="Town Hall\r\nX-Injected: yes", organiser="Jo\x00 Bloggs")
        assert plan.venue == "Town Hall X-Injected: yes"
        assert plan.organiser == "Jo Bloggs"

    def test_empty_venue(self) -> None:
        with pytest.raises(InvalidInput, match="venue"):
            make(venue=" \n ")


# --------------------------------------------------------------------------- checklists


def write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


class TestChecklists:
    def test_kinds_have_descriptions(self) -> None:
        rows = kind_descriptions()
        assert [kind for kind, _ in rows] == list(KINDS)
        assert all(description for _, description in rows)

    @pytest.mark.parametrize("kind", KINDS)
    def test_export_is_the_shipped_file(self, kind: str) -> None:
        shipped = resources.files("actkit") / "checklists" / f"{kind}.yaml"
        assert checklist_text(kind) == shipped.read_text(encoding="utf-8")
        assert checklist_text(kind).startswith("# actkit event checklist")

    def test_export_edit_plan_round_trip(self, tmp_path: Path) -> None:
        text = checklist_text("vigil").replace(
            "roles:\n",
            "  - title: Book the community hall as a rain location\n"
            "    offset: -10\n    phase: weeks-before\n\nroles:\n",
            1,
        )
        path = write(tmp_path, text)
        plan = make(kind=None, checklist=path)
        assert plan.kind == "vigil"
        assert plan.checklist == str(path)
        hall = [t for t in plan.tasks if "community hall" in t.title]
        assert hall and hall[0].due == EVENT - dt.timedelta(days=10)

    def test_unedited_export_gives_the_same_plan(self, tmp_path: Path) -> None:
        path = write(tmp_path, checklist_text("march"))
        mine = make(kind=None, checklist=path).to_json()
        builtin = make().to_json()
        assert mine.pop("checklist") == str(path)
        assert builtin.pop("checklist") == "built-in"
        assert mine == builtin

    def test_kind_must_match_the_checklist(self, tmp_path: Path) -> None:
        path = write(tmp_path, checklist_text("vigil"))
        with pytest.raises(InvalidInput, match="for kind 'vigil', not 'march'"):
            make(kind="march", checklist=path)

    @pytest.mark.parametrize(
        ("find", "replace", "field", "problem", "at"),
        [
            ("    offset: -42\n", "    offset: soon\n", "tasks[2].offset", "not a whole number",
             "offset: soon"),
            ("    offset: -42\n", "    offset: -1\n", "tasks[2].phase", "does not fit offset -1",
             "phase:"),
            ("    phase: weeks-before\n", "    phase: someday\n", "tasks[1].phase", "is not one of",
             "someday"),
            ("  - title: Choose the date", "  - titel: Choose the date", "tasks[1].titel",
             "unknown field", "titel"),
            ("    source: https://www.hastings", "    source: javascript:alert(1)//www.hastings",
             "tasks[2].source", "not a web address", "javascript"),
            ("\nmovement: procession\n", "\nmovement: parade\n", "movement", "is not one of",
             "parade"),
            ("    per: 50\n    min: 2\n", "    per: 0\n    min: 2\n", "roles[1].per",
             "out of range", "per: 0"),
            ("    when: {nations: [england, wales]}\n    text: >-\n      Processions",
             "    when: {nations: [england, jersey]}\n    text: >-\n      Processions",
             "notes[6].when.nations", "'jersey' is not one of", "jersey"),
        ],
    )  # fmt: skip
    def test_problems_are_reported_as_file_line_field_problem(
        self, tmp_path: Path, find: str, replace: str, field: str, problem: str, at: str
    ) -> None:
        original = checklist_text("march")
        assert original.count(find) >= 1
        text = original.replace(find, replace, 1)
        # The problem's line: the first line containing `at`, from the edited line on.
        edited = line_of(text, replace.strip().splitlines()[0])
        lines = text.splitlines()
        expected = next(i for i in range(edited, len(lines) + 1) if at in lines[i - 1])
        path = write(tmp_path, text)
        with pytest.raises(InvalidInput) as caught:
            load_checklist(path=path)
        message = str(caught.value)
        assert message == f"{path}:{expected}: {field}: {message.split(': ', 2)[2]}"
        assert f"{path}:{expected}: {field}: " in message, message
        assert problem in message

    def test_missing_field_points_at_its_entry(self, tmp_path: Path) -> None:
        text = checklist_text("march").replace("    offset: -56\n", "", 1)
        path = write(tmp_path, text)
        with pytest.raises(InvalidInput, match=r"mine\.yaml:\d+: tasks\[1\]\.offset: missing"):
            load_checklist(path=path)

    def test_every_problem_is_reported_at_once(self, tmp_path: Path) -> None:
        text = (
            checklist_text("march")
            .replace("offset: -56", "offset: x")
            .replace("kind: march", "kind: March!")
        )
        with pytest.raises(InvalidInput) as caught:
            load_checklist(path=write(tmp_path, text))
        lines = str(caught.value).splitlines()
        assert len(lines) == 2
        assert all(re.match(r".+mine\.yaml:\d+: \S+: .+", line) for line in lines)

    def test_yaml_syntax_error_has_a_line(self, tmp_path: Path) -> None:
        text = checklist_text("march").replace("    offset: -56\n", "    offset: [-56\n", 1)
        with pytest.raises(InvalidInput, match=r"mine\.yaml:\d+: \(file\): not valid YAML"):
            load_checklist(path=write(tmp_path, text))

    def test_duplicate_field(self, tmp_path: Path) -> None:
        text = checklist_text("march").replace(
            "    offset: -56\n", "    offset: -56\n    offset: -50\n", 1
        )
        dup_line = line_of(text, "offset: -50")
        with pytest.raises(
            InvalidInput, match=rf"mine\.yaml:{dup_line}: tasks\[1\]\.offset: duplicate"
        ):
            load_checklist(path=write(tmp_path, text))

    @pytest.mark.parametrize("text", ["", "# only a comment\n", "- a\n- list\n", "just text\n"])
    def test_not_a_checklist(self, tmp_path: Path, text: str) -> None:
        with pytest.raises(InvalidInput, match=r"mine\.yaml:1: "):
            load_checklist(path=write(tmp_path, text))

    def test_python_tags_are_refused(self, tmp_path: Path) -> None:
        text = checklist_text("march").replace(
            "title: March\n", "title: !!python/object/apply:os.system ['echo hi']\n", 1
        )
        with pytest.raises(InvalidInput, match=r"mine\.yaml:\d+: title: "):
            load_checklist(path=write(tmp_path, text))

    def test_alias_bomb_is_refused(self, tmp_path: Path) -> None:
        rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        rows += [f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]"
                 for p, c in zip("abcdefg", "bcdefgh", strict=True)]  # fmt: skip
        with pytest.raises(InvalidInput, match="too large"):
            load_checklist(path=write(tmp_path, "\n".join(rows) + "\n"))

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="cannot read the checklist"):
            load_checklist(path=tmp_path / "nope.yaml")

    def test_law_rules_all_cite_law_section_and_url(self) -> None:
        for kind in KINDS:
            for nation in NATIONS:
                notice = make(kind=kind, nation=nation).legal_notice
                assert notice.act and notice.section
                assert re.match(r"^https?://(www\.)?legislation\.gov\.uk/", notice.url)


# --------------------------------------------------------------------------- every kind × nation

CONTRACT: dict[str, Any] = {
    "kind": str, "date": str, "nation": str, "legal_notice": dict, "tasks": list,
    "roles": list, "kit": list, "notes": list, "disclaimer": str,
}  # fmt: skip


def check_contract(data: dict[str, Any]) -> None:
    """The keys and types issue 5 promises in the JSON."""
    for key, kind in CONTRACT.items():
        assert isinstance(data[key], kind), key
    notice = data["legal_notice"]
    assert isinstance(notice["required"], bool)
    assert notice["due"] is None or dt.date.fromisoformat(notice["due"])
    for key in ("to", "law", "url"):
        assert isinstance(notice[key], str) and notice[key], key
    for task in data["tasks"]:
        assert isinstance(task["title"], str) and task["title"]
        assert dt.date.fromisoformat(task["due"])
        assert task["phase"] in PHASES
        assert isinstance(task["overdue"], bool)
    for role in data["roles"]:
        assert isinstance(role["role"], str)
        assert isinstance(role["count"], int) and not isinstance(role["count"], bool)
        assert isinstance(role["why"], str) and role["why"]
    assert all(isinstance(item, str) and item for item in data["kit"])
    for note in data["notes"]:
        assert isinstance(note["text"], str) and note["text"]
        assert re.match(r"^https?://", note["source"])
    assert "Not legal advice" in data["disclaimer"]
    assert "Guidance checked" in data["disclaimer"]
    assert list(data)[-1] == "disclaimer"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("nation", NATIONS)
def test_every_kind_and_nation_gives_a_valid_plan_in_every_format(kind: str, nation: str) -> None:
    plan = make(kind=kind, nation=nation, time="18:30", expected=150)
    data = json.loads(render_json(plan))
    check_contract(data)
    assert data["kind"] == kind and data["nation"] == nation and data["date"] == "2026-12-12"
    assert data["tasks"] and data["roles"] and data["kit"] and data["notes"]
    for fmt in ("md", "html", "json", "ics", "csv"):
        text = render(plan, fmt)
        assert "Guidance checked December 2026" in text
    assert render_markdown(plan).rstrip().endswith("Guidance checked December 2026.*")


@settings(max_examples=60, deadline=None)
@given(
    days_ahead=st.integers(min_value=0, max_value=730),
    kind=st.sampled_from(KINDS),
    nation=st.sampled_from(NATIONS),
    expected=st.integers(min_value=1, max_value=100_000),
    has_time=st.booleans(),
)
def test_property_any_future_date_kind_and_nation(
    days_ahead: int, kind: str, nation: str, expected: int, has_time: bool
) -> None:
    """Any event within two years: tasks on real dates, notice due on or before the event,
    overdue exactly when before today, JSON round-trips, ICS parses."""
    today = dt.date(2026, 11, 1)
    date = today + dt.timedelta(days=days_ahead)
    plan = plan_event(kind=kind, date=date, venue="Somewhere", nation=nation, today=today,
                      expected=expected, time="23:30" if has_time else None)  # fmt: skip
    data = json.loads(json.dumps(plan.to_json()))
    check_contract(data)
    due = plan.legal_notice.due
    assert due is None or due <= date
    for task in plan.tasks:
        assert abs((task.due - date).days) <= 366
        assert task.overdue == (task.due < today)
    assert all(role.count >= 0 for role in plan.roles)
    calendar = icalendar.Calendar.from_ical(render_ics(plan))
    assert len(calendar.walk("VEVENT")) == 1 + len(plan.tasks)


# --------------------------------------------------------------------------- renderers


class TestRenderers:
    def test_markdown_checkboxes_overdue_and_warning(self) -> None:
        text = render_markdown(make(today=dt.date(2026, 12, 8)))
        assert text.count("- [ ] ") >= len(make().tasks)
        assert "**OVERDUE**" in text
        assert "> **Warning:** The legal notice deadline" in text
        assert text.rstrip().splitlines()[-1].startswith("*Not legal advice")

    def test_markdown_escapes_user_values(self) -> None:
        text = render_markdown(make(venue="<script>alert(1)</script> [x](javascript:y)"))
        assert "<script>" not in text
        assert r"\<script\>" in text
        # Rendered by a Markdown viewer, the venue stays text: no HTML, no link.
        from markdown_it import MarkdownIt

        html = MarkdownIt("commonmark").render(text)
        assert "<script" not in html
        assert 'href="javascript' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:y)" in html

    def test_html_escapes_user_values_and_is_a_whole_page(self) -> None:
        venue = '<script>alert("x")</script> & Co'
        html = render_html(make(venue=venue, organiser="<b>Jo</b>", route="<img src=x onerror=y>"))
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
        assert "<b>Jo</b>" not in html and "&lt;b&gt;Jo&lt;/b&gt;" in html
        assert "<img" not in html
        assert html.startswith("<!DOCTYPE html>")
        assert html.rstrip().endswith("</html>")
        body_end = html.rsplit("</body>", 1)[0].rstrip()
        assert body_end.endswith("Guidance checked December 2026.</p>")

    def test_html_shows_warning_and_overdue(self) -> None:
        html = render_html(make(today=dt.date(2026, 12, 8)))
        assert 'class="warning"' in html
        assert "has already passed" in html
        assert '<span class="overdue">OVERDUE</span>' in html

    def test_json_shape(self) -> None:
        data = json.loads(render_json(make(time="14:00", end_time="15:30", organiser="Jo")))
        check_contract(data)
        assert data["legal_notice"]["due"] == "2026-12-05"
        assert data["time"] == "14:00" and data["end_time"] == "15:30"
        assert data["end_time_assumed"] is False
        assert data["organiser"] == "Jo"

    def test_ics_all_day_event_and_one_event_per_task(self) -> None:
        plan = make()
        calendar = icalendar.Calendar.from_ical(render_ics(plan))
        events = calendar.walk("VEVENT")
        assert len(events) == 1 + len(plan.tasks)
        main = events[0]
        assert main.decoded("dtstart") == EVENT
        assert main.decoded("dtend") == EVENT + dt.timedelta(days=1)
        assert str(main["summary"]) == "March: Market Square, Norwich"
        assert "Guidance checked December 2026." in str(main["description"])
        for event, task in zip(events[1:], plan.tasks, strict=True):
            assert event.decoded("dtstart") == task.due
            assert str(event["summary"]).endswith(task.title)
        uids = [str(e["uid"]) for e in events]
        assert len(set(uids)) == len(uids)
        notice = [e for e in events if "s.11" in str(e["summary"])]
        assert len(notice) == 1 and notice[0].decoded("dtstart") == dt.date(2026, 12, 4)

    def test_ics_timed_event_in_uk_time_with_default_duration(self) -> None:
        text = render_ics(make(time="14:00"))
        assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/London" in text
        main = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
        start, end = main.decoded("dtstart"), main.decoded("dtend")
        assert start.replace(tzinfo=None) == dt.datetime(2026, 12, 12, 14, 0)
        assert end - start == dt.timedelta(hours=2)
        assert start.utcoffset() == dt.timedelta(0)  # GMT in December
        assert "DTSTART;TZID=Europe/London:20261212T140000" in text

    def test_ics_summer_time(self) -> None:
        plan = make(date="2027-07-03", time="11:00", end_time="12:30")
        main = icalendar.Calendar.from_ical(render_ics(plan)).walk("VEVENT")[0]
        assert main.decoded("dtstart").utcoffset() == dt.timedelta(hours=1)

    def test_ics_is_reproducible_and_stamped_from_today(self) -> None:
        first, second = render_ics(make()), render_ics(make())
        assert first == second
        assert "DTSTAMP:20261101T000000Z" in first
        assert "\r\n" in first

    def test_csv_rows_warnings_and_disclaimer(self) -> None:
        plan = make(today=dt.date(2026, 12, 8))
        rows = list(csv.reader(io.StringIO(render_csv(plan))))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert rows[1][1] == "warning" and "has already passed" in rows[1][2]
        task_rows = [r for r in rows[1:] if r[1] in PHASES]
        assert len(task_rows) == len(plan.tasks)
        assert [r[0] for r in task_rows] == [t.due.isoformat() for t in plan.tasks]
        assert {r[3] for r in task_rows} == {"yes", "no"}
        assert rows[-1][1] == "disclaimer" and "Not legal advice" in rows[-1][2]

    def test_csv_neutralises_formulas(self, tmp_path: Path) -> None:
        text = checklist_text("march").replace(
            "  - title: Choose the date, assembly point",
            "  - title: '=HYPERLINK(\"http://x\")'\n    offset: -50\n    phase: weeks-before\n"
            "    detail: '+1 -2 @3'\n  - title: Choose the date, assembly point",
            1,
        )
        plan = make(kind=None, checklist=write(tmp_path, text))
        rows = list(csv.reader(io.StringIO(render_csv(plan))))
        row = next(r for r in rows if "HYPERLINK" in r[2])
        assert row[2] == '\'=HYPERLINK("http://x")'
        assert row[4] == "'+1 -2 @3"
        assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)

    @pytest.mark.parametrize(
        ("suffix", "fmt"),
        [(".md", "md"), (".HTML", "html"), (".htm", "html"), (".json", "json"), (".ics", "ics"),
         (".csv", "csv"), (".txt", None), ("", None)],
    )  # fmt: skip
    def test_format_for_suffix(self, suffix: str, fmt: str | None) -> None:
        assert format_for_suffix(suffix) == fmt


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("fmt", ["md", "html", "json", "ics", "csv"])
def test_golden(fmt: str) -> None:
    """A whole plan, byte for byte; ACTKIT_UPDATE_GOLDEN=1 rewrites these files."""
    plan = plan_event(
        kind="march",
        date="2026-12-12",
        time="13:00",
        end_time="15:30",
        venue="Chapelfield Gardens, Norwich",
        venue_postcode="NR2 1AB",
        route="Chapelfield Gardens to City Hall",
        organiser="Norwich Syria Solidarity",
        nation="england",
        expected=300,
        today="2026-11-20",
    )
    text = render(plan, fmt)
    path = GOLDEN / f"march-england.{fmt}"
    if os.environ.get("ACTKIT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert text == path.read_bytes().decode("utf-8"), (
        f"{path} differs; if the change is intended, rerun with ACTKIT_UPDATE_GOLDEN=1"
    )
