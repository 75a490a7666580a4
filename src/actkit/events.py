"""Plan a picket, march, vigil, rally, public meeting or street stall.

A plan is computed from data, not code: one YAML checklist per kind (tasks with day
offsets, roles with scaling rules, kit, notes) shipped in ``actkit/checklists/``, and
``_law.yaml`` beside them (the notice rule for each nation, plus permissions, tasks and
notes that depend on the nation, the kind or the venue). Both are validated on load; a
problem is reported as ``file:line: field: problem`` and no plan is made from a broken
file.

Apart from reading those files this module is pure: no Typer, no printing. The CLI
parses options, calls ``plan_event`` and hands the ``Plan`` to ``actkit.formats.events``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from actkit import nations, workdays
from actkit.errors import InvalidInput
from actkit.fileio import read_text
from actkit.paths import package_path
from actkit.text import one_line
from actkit.yamldoc import URL, Document, Fields, Problems, parse_document
from actkit.yamldoc import Path as YamlPath

__all__ = [
    "COUNTINGS",
    "DEFAULT_DURATION",
    "DEFAULT_EXPECTED",
    "KINDS",
    "NATIONS",
    "PHASES",
    "Checklist",
    "LegalNotice",
    "Note",
    "Plan",
    "Role",
    "Task",
    "checklist_text",
    "count_back",
    "kind_descriptions",
    "load_checklist",
    "long_date",
    "nation_from_postcode",
    "normalise_nation",
    "parse_date",
    "parse_time",
    "phase_for_offset",
    "plan_event",
]

KINDS: tuple[str, ...] = ("picket", "march", "vigil", "rally", "public-meeting", "street-stall")
"""The built-in kinds, in the order ``actkit event kinds`` lists them."""

NATIONS: tuple[str, ...] = tuple(nation.id for nation in nations.NATIONS)
"""Nation ids, from ``actkit.nations`` (the one home for the four nations)."""
MOVEMENTS: tuple[str, ...] = ("procession", "static")

PHASES: tuple[str, ...] = ("weeks-before", "week-before", "day-before", "on-the-day", "after")
PHASE_TITLES = {
    "weeks-before": "Weeks before",
    "week-before": "The week before",
    "day-before": "The day before",
    "on-the-day": "On the day",
    "after": "After",
}

DEFAULT_EXPECTED = 50
DEFAULT_DURATION = dt.timedelta(hours=2)
"""Assumed length of a timed event given no end time (said in the plan, never hidden)."""

_MAX_OFFSET_DAYS = 366

COUNTINGS: tuple[str, ...] = ("days", "clear-days", "working-days", "previous-month-start")
"""How a period before the event is counted.

``days``: "not later than N days before" (Scotland s.62(2), NI s.7(2)): the date minus N.
``clear-days``: "not less than N days before" (POA 1986 s.11, NI s.6(2)): N whole days
between the day of delivery and the event, so the date minus N + 1.
``working-days``: N working days before the event, skipping weekends and the nation's
bank holidays (the GLA's fourteen working days).
``previous-month-start``: the first day of the month before the event's month (PSNI
street-collection permits); N is then ignored.
"""

_LONDON = "Europe/London"

_CHECKLISTS_DIR = "checklists"
_LAW_FILE = "_law.yaml"

_KIND_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})$")


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Condition:
    """One set of conditions; every non-empty field must match."""

    nations: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    movements: tuple[str, ...] = ()
    venue_matches: tuple[str, ...] = ()
    """Lower-case words looked for in the venue and route text."""

    def holds(self, context: _Context) -> bool:
        return (
            (not self.nations or context.nation in self.nations)
            and (not self.kinds or context.kind in self.kinds)
            and (not self.movements or context.movement in self.movements)
            and (
                not self.venue_matches
                or any(word in context.place_text for word in self.venue_matches)
            )
        )


@dataclass(frozen=True)
class When:
    """Where an entry applies: always (no conditions) or when any condition holds."""

    any_of: tuple[Condition, ...] = ()

    def holds(self, context: _Context) -> bool:
        return not self.any_of or any(condition.holds(context) for condition in self.any_of)


ALWAYS = When()


@dataclass(frozen=True)
class _Context:
    """What conditions are tested against."""

    kind: str
    nation: str
    movement: str
    place_text: str
    """Venue and route, lower-cased."""


@dataclass(frozen=True)
class ChecklistTask:
    title: str
    offset: int
    """Days from the event: negative before, positive after (counted as ``counting`` says)."""
    phase: str
    detail: str | None = None
    source: str | None = None
    when: When = ALWAYS
    counting: str = "days"
    """One of ``COUNTINGS``; anything but "days" only counts back (a negative offset)."""
    office_hours: bool = False
    """Done at an office that keeps office hours: a due date on a weekend or a bank
    holiday moves back to the last working day before it."""


@dataclass(frozen=True)
class ChecklistRole:
    role: str
    why: str
    minimum: int
    per: int | None = None
    """One person for every ``per`` expected people; None for a fixed number."""
    maximum: int | None = None
    source: str | None = None

    def count(self, expected: int) -> int:
        if self.per is None:
            return self.minimum
        wanted = max(self.minimum, math.ceil(expected / self.per))
        return wanted if self.maximum is None else min(wanted, self.maximum)

    def scaling(self, expected: int) -> str:
        """Say how the count was reached, so the number is never a mystery."""
        if self.per is None:
            return ""
        cap = f", at most {self.maximum}" if self.maximum is not None else ""
        return f"(1 per {self.per} of {expected} expected, at least {self.minimum}{cap}.)"


@dataclass(frozen=True)
class KitItem:
    item: str
    when: When = ALWAYS


@dataclass(frozen=True)
class ChecklistNote:
    topic: str
    text: str
    source: str
    when: When = ALWAYS


@dataclass(frozen=True)
class Checklist:
    """One kind's checklist, validated."""

    kind: str
    title: str
    description: str
    movement: str
    """"procession" (notice rules apply) or "static"."""
    tasks: tuple[ChecklistTask, ...]
    roles: tuple[ChecklistRole, ...]
    kit: tuple[KitItem, ...]
    notes: tuple[ChecklistNote, ...]
    origin: str
    """"built-in" or the path of an organiser's own checklist."""


@dataclass(frozen=True)
class _NoticeRule:
    required: bool
    act: str
    section: str
    url: str
    to: str
    rule: str
    sources: tuple[str, ...]
    days: int | None = None
    """The notice period, counted as ``counting`` says."""
    counting: str = "days"
    how: str | None = None
    contents: tuple[str, ...] = ()
    late: str | None = None
    late_source: str | None = None
    task: str | None = None


@dataclass(frozen=True)
class _Permission:
    text: str
    source: str


@dataclass(frozen=True)
class _LawRule:
    id: str
    when: When
    permission: _Permission | None
    task: ChecklistTask | None
    note: ChecklistNote | None


@dataclass(frozen=True)
class _Law:
    guidance_checked: str
    disclaimer: str
    notice: dict[tuple[str, str], _NoticeRule]
    """(movement, nation) -> rule."""
    rules: tuple[_LawRule, ...]


@dataclass(frozen=True)
class Task:
    """A dated task in the plan."""

    title: str
    due: dt.date
    phase: str
    overdue: bool
    """Due before ``--today``: kept and marked, never dropped."""
    detail: str | None = None
    source: str | None = None
    legal: bool = False
    """The statutory notice deadline (``due`` is then the notice's ``send_by``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "due": self.due.isoformat(),
            "phase": self.phase,
            "overdue": self.overdue,
            "legal": self.legal,
            "detail": self.detail,
            "source": self.source,
        }


@dataclass(frozen=True)
class Role:
    role: str
    count: int
    why: str
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "count": self.count, "why": self.why, "source": self.source}


@dataclass(frozen=True)
class Note:
    topic: str
    text: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"topic": self.topic, "text": self.text, "source": self.source}


@dataclass(frozen=True)
class LegalNotice:
    """What the law of the nation requires by way of notice, with its citation."""

    required: bool
    due: dt.date | None
    """The legal last day: the notice must have arrived by then. None when none is required."""
    send_by: dt.date | None
    """The last working day on or before ``due`` (not a weekend or one of the nation's
    bank holidays): the last day to hand the notice in at an office that keeps office
    hours. Posting time is not subtracted: a posted notice must go earlier."""
    to: str
    act: str
    section: str
    url: str
    rule: str
    how: str | None
    contents: tuple[str, ...]
    late: str | None
    """What the law allows once the deadline has passed (None if it says nothing)."""
    late_source: str | None
    deadline_passed: bool
    """The legal last day (``due``) is before today."""
    may_apply: tuple[Note, ...]
    """Voluntary liaison and permissions that may apply (land, roads, leaflets...)."""
    sources: tuple[str, ...]
    period: str = ""
    """The notice period as the law counts it ("28 clear days"); empty when none."""

    @property
    def law(self) -> str:
        return f"{self.act} {self.section}"

    def to_json(self) -> dict[str, Any]:
        return {
            "required": self.required,
            "due": self.due.isoformat() if self.due else None,
            "send_by": self.send_by.isoformat() if self.send_by else None,
            "to": self.to,
            "law": self.law,
            "url": self.url,
            "act": self.act,
            "section": self.section,
            "rule": self.rule,
            "how": self.how,
            "period": self.period or None,
            "contents": list(self.contents),
            "deadline_passed": self.deadline_passed,
            "late": self.late,
            "late_source": self.late_source,
            "may_apply": [{"text": n.text, "source": n.source} for n in self.may_apply],
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class EventDetails:
    """The validated inputs to one plan: what, where, when, for how many."""

    date: dt.date
    today: dt.date
    time: dt.time | None
    end_time: dt.time | None
    end_time_assumed: bool
    """True when ``end_time`` is ``time`` + ``DEFAULT_DURATION`` because none was given."""
    venue: str
    venue_postcode: str | None
    route: str | None
    organiser: str | None
    nation: str
    expected: int


@dataclass(frozen=True)
class Plan(EventDetails):
    """A dated plan for one event. ``to_json()`` gives the stable JSON shape."""

    kind: str
    title: str
    description: str
    movement: str
    checklist: str
    legal_notice: LegalNotice
    tasks: tuple[Task, ...]
    roles: tuple[Role, ...]
    kit: tuple[str, ...]
    notes: tuple[Note, ...]
    warnings: tuple[str, ...]
    guidance_checked: str
    disclaimer: str

    @property
    def nation_name(self) -> str:
        return nations.by_id(self.nation).name

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "date": self.date.isoformat(),
            "time": _hhmm(self.time),
            "end_time": _hhmm(self.end_time),
            "end_time_assumed": self.end_time_assumed,
            "venue": self.venue,
            "venue_postcode": self.venue_postcode,
            "route": self.route,
            "organiser": self.organiser,
            "nation": self.nation,
            "expected": self.expected,
            "today": self.today.isoformat(),
            "checklist": self.checklist,
            "warnings": list(self.warnings),
            "legal_notice": self.legal_notice.to_json(),
            "tasks": [task.to_json() for task in self.tasks],
            "roles": [role.to_json() for role in self.roles],
            "kit": list(self.kit),
            "notes": [note.to_json() for note in self.notes],
            "guidance_checked": self.guidance_checked,
            # Last on purpose: every output ends with the disclaimer.
            "disclaimer": self.disclaimer,
        }


# --------------------------------------------------------------------------- small helpers


def long_date(day: dt.date) -> str:
    """ "Saturday 12 December 2026" (no platform-specific strftime flags)."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def parse_date(text: str, *, label: str = "date") -> dt.date:
    """Parse YYYY-MM-DD strictly, or raise ``InvalidInput`` naming ``label``."""
    value = text.strip()
    if _DATE_PATTERN.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{label} {text!r} is not a valid date: use YYYY-MM-DD, e.g. 2026-12-12")


def parse_time(text: str, *, label: str = "time") -> dt.time:
    """Parse a 24-hour HH:MM time, or raise ``InvalidInput`` naming ``label``."""
    match = _TIME_PATTERN.match(text.strip())
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return dt.time(int(match[1]), int(match[2]))
    raise InvalidInput(f"{label} {text!r} is not a valid time: use 24-hour HH:MM, e.g. 14:30")


def nation_from_postcode(postcode: str) -> str | None:
    """The nation of a postcode when no lookup is needed, else None.

    Every ``BT`` postcode is in Northern Ireland, so an event there never needs the
    network to find whose law applies. Raises ``InvalidPostcode`` for a malformed one.
    """
    from actkit.postcodes import is_northern_ireland, normalise_postcode

    return "northern-ireland" if is_northern_ireland(normalise_postcode(postcode)) else None


def count_back(event: dt.date, days: int, counting: str, nation: str) -> dt.date:
    """The last day something ``days`` before ``event`` may be done, read as ``counting``.

    >>> count_back(dt.date(2027, 3, 6), 28, "clear-days", "northern-ireland")
    datetime.date(2027, 2, 5)
    """
    if counting == "clear-days":
        # N clear days between delivery and the event: neither day counts.
        return event - dt.timedelta(days=days + 1)
    if counting == "working-days":
        return workdays.add_working_days(event, -days, nation)
    if counting == "previous-month-start":
        return (event.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return event - dt.timedelta(days=days)


def period_text(days: int, counting: str) -> str:
    """ "6 clear days", "28 days", "14 working days"."""
    if counting == "previous-month-start":
        return "the first day of the month before the event's month"
    unit = {"clear-days": "clear days", "working-days": "working days"}.get(counting, "days")
    return f"{days} {unit}"


def normalise_nation(text: str) -> str:
    """ "Northern Ireland", "northern_ireland" -> "northern-ireland"; reject anything else."""
    value = re.sub(r"[\s_]+", "-", text.strip().lower())
    if value not in NATIONS:
        raise InvalidInput(f"unknown nation {text!r}: use one of {', '.join(NATIONS)}")
    return value


def phase_for_offset(offset: int) -> str:
    """The timeline phase a task ``offset`` days from the event falls in."""
    if offset <= -8:
        return "weeks-before"
    if offset <= -2:
        return "week-before"
    if offset == -1:
        return "day-before"
    return "on-the-day" if offset == 0 else "after"


def _phase_fits(phase: str, offset: int) -> bool:
    # "after" may be the same day: a hot debrief happens straight after the event.
    return phase == phase_for_offset(offset) or (phase == "after" and offset == 0)


# --------------------------------------------------------------------------- validation


def _read_when(fields: Fields) -> When:
    raw = fields.data.get("when")
    if raw is None:
        return ALWAYS
    path = (*fields.path, "when")
    entries = [(path, raw)] if isinstance(raw, dict) else None
    if isinstance(raw, list) and raw:
        entries = [((*path, i), item) for i, item in enumerate(raw)]
    if entries is None:
        fields.add("when", "must be a mapping of conditions, or a list of them")
        return ALWAYS
    return When(tuple(_read_condition(fields.problems, p, item) for p, item in entries))


def _read_condition(problems: Problems, path: YamlPath, raw: Any) -> Condition:
    allowed = ("nations", "kinds", "movements", "venue_matches")
    fields = Fields(problems, raw, path, allowed)
    if isinstance(raw, dict) and not raw:
        problems.add(path, f"name at least one condition ({', '.join(allowed)})")
    nations = fields.text_list("nations", required=False)
    movements = fields.text_list("movements", required=False)
    kinds = fields.text_list("kinds", required=False)
    for value in nations:
        if value not in NATIONS:
            fields.add("nations", f"{value!r} is not one of: {', '.join(NATIONS)}")
    for value in movements:
        if value not in MOVEMENTS:
            fields.add("movements", f"{value!r} is not one of: {', '.join(MOVEMENTS)}")
    for value in kinds:
        if not _KIND_PATTERN.match(value):
            fields.add("kinds", f"{value!r} is not a kind name (lower-case letters and -)")
    words = tuple(w.lower() for w in fields.text_list("venue_matches", required=False))
    return Condition(nations=nations, kinds=kinds, movements=movements, venue_matches=words)


_TASK_FIELDS = (
    "title", "offset", "phase", "detail", "source", "when", "counting", "office_hours",
)  # fmt: skip


def _read_counting(fields: Fields) -> str | None:
    return fields.choice("counting", COUNTINGS) if fields.has("counting") else "days"


def _read_task(problems: Problems, path: YamlPath, raw: Any) -> ChecklistTask | None:
    fields = Fields(problems, raw, path, _TASK_FIELDS)
    title = fields.text("title")
    offset = fields.integer("offset", low=-_MAX_OFFSET_DAYS, high=_MAX_OFFSET_DAYS)
    phase = fields.choice("phase", PHASES)
    counting = _read_counting(fields)
    office_hours = fields.boolean("office_hours") if fields.has("office_hours") else False
    if counting not in (None, "days") and offset is not None and offset >= 0:
        fields.add("counting", f"{counting!r} counts back from the event: use a negative offset")
        counting = None
    # Clear and working days land earlier than the offset says; the plan dates the task
    # and picks its phase from the real date, so only a calendar offset is checked here.
    fits = counting != "days" or offset is None or phase is None or _phase_fits(phase, offset)
    if not fits:
        assert offset is not None
        fields.add(
            "phase", f"{phase!r} does not fit offset {offset} (use {phase_for_offset(offset)!r})"
        )
        phase = None
    detail = fields.text("detail", required=False)
    source = fields.url("source", required=False)
    when = _read_when(fields)
    if None in (title, offset, phase, counting, office_hours):
        return None
    assert title and offset is not None and phase and counting and office_hours is not None
    return ChecklistTask(title, offset, phase, detail, source, when, counting, office_hours)


def _read_role(problems: Problems, path: YamlPath, raw: Any) -> ChecklistRole | None:
    fields = Fields(problems, raw, path, ("role", "why", "min", "per", "max", "source"))
    role = fields.text("role")
    why = fields.text("why")
    minimum = fields.integer("min", low=0, high=10_000)
    per = fields.integer("per", required=False, low=1, high=1_000_000)
    maximum = fields.integer("max", required=False, low=0, high=1_000_000)
    if maximum is not None and minimum is not None and maximum < minimum:
        fields.add("max", f"{maximum} is less than min ({minimum})")
    source = fields.url("source", required=False)
    if role is None or why is None or minimum is None:
        return None
    return ChecklistRole(role, why, minimum, per, maximum, source)


def _read_kit(problems: Problems, path: YamlPath, raw: Any) -> KitItem | None:
    if isinstance(raw, str):
        item = one_line(raw)
        if not item:
            problems.add(path, "must be some text")
            return None
        return KitItem(item)
    fields = Fields(problems, raw, path, ("item", "when"))
    item_text = fields.text("item")
    when = _read_when(fields)
    return KitItem(item_text, when) if item_text is not None else None


def _read_note(problems: Problems, path: YamlPath, raw: Any) -> ChecklistNote | None:
    fields = Fields(problems, raw, path, ("topic", "text", "source", "when"))
    topic, text, source = fields.text("topic"), fields.text("text"), fields.url("source")
    when = _read_when(fields)
    if topic is None or text is None or source is None:
        return None
    return ChecklistNote(topic, text, source, when)


_CHECKLIST_FIELDS = (
    "schema", "kind", "title", "description", "movement", "tasks", "roles", "kit", "notes",
)  # fmt: skip


def _checklist_from(doc: Document, origin: str) -> Checklist:
    problems = Problems(doc)
    top = Fields(problems, doc.data, (), _CHECKLIST_FIELDS)
    top.integer("schema", low=1, high=1)
    kind = top.text("kind")
    if kind is not None and not _KIND_PATTERN.match(kind):
        top.add("kind", f"{kind!r} is not a kind name (lower-case letters, digits and -)")
    title, description = top.text("title"), top.text("description")
    movement = top.choice("movement", MOVEMENTS)
    tasks = [_read_task(problems, p, raw) for p, raw in top.items("tasks")]
    roles = [_read_role(problems, p, raw) for p, raw in top.items("roles", required=False)]
    kit = [_read_kit(problems, p, raw) for p, raw in top.items("kit", required=False)]
    notes = [_read_note(problems, p, raw) for p, raw in top.items("notes", required=False)]
    problems.raise_if_any()
    # No problems were found, so every required value is present.
    assert kind and title and description and movement
    return Checklist(
        kind=kind,
        title=title,
        description=description,
        movement=movement,
        tasks=tuple(t for t in tasks if t is not None),
        roles=tuple(r for r in roles if r is not None),
        kit=tuple(k for k in kit if k is not None),
        notes=tuple(n for n in notes if n is not None),
        origin=origin,
    )


_NOTICE_FIELDS = (
    "required", "act", "section", "url", "to", "rule", "sources", "days", "counting", "how",
    "contents", "late", "late_source", "task",
)  # fmt: skip


def _read_notice(problems: Problems, path: YamlPath, raw: Any) -> _NoticeRule | None:
    fields = Fields(problems, raw, path, _NOTICE_FIELDS)
    required = fields.boolean("required")
    act, section, url = fields.text("act"), fields.text("section"), fields.url("url")
    to, rule = fields.text("to"), fields.text("rule")
    sources = tuple(fields.text_list("sources"))
    for i, source in enumerate(sources):
        if not URL.match(source):
            problems.add((*path, "sources", i), f"{source!r} is not a web address")
    days = fields.integer("days", required=bool(required), low=1, high=_MAX_OFFSET_DAYS)
    counting = _read_counting(fields)
    how = fields.text("how", required=bool(required))
    contents = fields.text_list("contents", required=bool(required))
    late = fields.text("late", required=bool(required))
    late_source = fields.url("late_source", required=bool(required))
    task = fields.text("task", required=bool(required))
    if None in (required, act, section, url, to, rule, counting):
        return None
    assert act and section and url and to and rule and counting
    return _NoticeRule(
        bool(required), act, section, url, to, rule, sources, days, counting, how, contents,
        late, late_source, task,
    )  # fmt: skip


def _read_rule(problems: Problems, path: YamlPath, raw: Any) -> _LawRule | None:
    fields = Fields(problems, raw, path, ("id", "when", "permission", "task", "note"))
    rule_id = fields.text("id")
    when = _read_when(fields)
    permission = None
    if fields.has("permission"):
        perm = Fields(
            problems, fields.data["permission"], (*path, "permission"), ("text", "source")
        )
        text, source = perm.text("text"), perm.url("source")
        permission = _Permission(text, source) if text and source else None
    task = (
        _read_task(problems, (*path, "task"), fields.data["task"]) if fields.has("task") else None
    )
    note = (
        _read_note(problems, (*path, "note"), fields.data["note"]) if fields.has("note") else None
    )
    if not (fields.has("permission") or fields.has("task") or fields.has("note")):
        problems.add(path, "a rule needs a permission, a task or a note")
    return _LawRule(rule_id, when, permission, task, note) if rule_id else None


def _law_from(doc: Document) -> _Law:
    problems = Problems(doc)
    allowed = ("schema", "guidance_checked", "disclaimer", "notice", "rules")
    top = Fields(problems, doc.data, (), allowed)
    top.integer("schema", low=1, high=1)
    checked, disclaimer = top.text("guidance_checked"), top.text("disclaimer")
    notice: dict[tuple[str, str], _NoticeRule] = {}
    by_movement = Fields(problems, top.data.get("notice"), ("notice",), MOVEMENTS)
    for movement in MOVEMENTS:
        path = ("notice", movement)
        by_nation = Fields(problems, by_movement.data.get(movement), path, NATIONS)
        for nation in NATIONS:
            if nation not in by_nation.data:
                problems.add((*path, nation), "missing")
                continue
            rule = _read_notice(problems, (*path, nation), by_nation.data[nation])
            if rule is not None:
                notice[(movement, nation)] = rule
    rules = [_read_rule(problems, p, raw) for p, raw in top.items("rules", required=False)]
    problems.raise_if_any()
    assert checked and disclaimer
    return _Law(checked, disclaimer, notice, tuple(r for r in rules if r is not None))


# --------------------------------------------------------------------------- loading


def _builtin_file(name: str) -> str:
    return package_path(_CHECKLISTS_DIR, name).read_text("utf-8")


def builtin_files() -> dict[str, str]:
    """Name -> text of every shipped checklist file, the law file included."""
    return {name: _builtin_file(name) for name in (*(f"{k}.yaml" for k in KINDS), _LAW_FILE)}


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    return kind


def checklist_text(kind: str) -> str:
    """The shipped YAML checklist for ``kind``, exactly as shipped (comments included)."""
    return _builtin_file(f"{_check_kind(kind)}.yaml")


@functools.cache
def _builtin_checklist(kind: str) -> Checklist:
    doc = parse_document(checklist_text(kind), f"actkit/checklists/{kind}.yaml")
    return _checklist_from(doc, "built-in")


@functools.lru_cache(maxsize=1)
def _builtin_law() -> _Law:
    return _law_from(parse_document(_builtin_file(_LAW_FILE), f"actkit/checklists/{_LAW_FILE}"))


def load_checklist(*, kind: str | None = None, path: Path | None = None) -> Checklist:
    """Load and validate a built-in checklist by ``kind``, or an organiser's own ``path``.

    Raises ``InvalidInput`` for an unknown kind, an unreadable file, or any problem in
    the file (one ``file:line: field: problem`` line each).
    """
    if path is None:
        if kind is None:
            raise InvalidInput(f"give a kind ({', '.join(KINDS)}) or a checklist file")
        return _builtin_checklist(_check_kind(kind))
    text = read_text(path, "checklist")
    checklist = _checklist_from(parse_document(text, str(path)), str(path))
    if kind is not None and kind != checklist.kind:
        raise InvalidInput(
            f"the checklist {path} is for kind {checklist.kind!r}, not {kind!r}: "
            "leave out the kind or change the file's kind field"
        )
    return checklist


def kind_descriptions() -> list[tuple[str, str]]:
    """(kind, one-line description) for every built-in kind."""
    return [(kind, _builtin_checklist(kind).description) for kind in KINDS]


# --------------------------------------------------------------------------- planning


_SURROGATE = re.compile("[\ud800-\udfff]")


def _line(value: str, label: str) -> str:
    """One line of text, or ``InvalidInput`` for bytes that were not UTF-8.

    Python keeps undecodable command-line bytes as lone surrogates; no output format can
    hold them, so they are refused here with the option's name, not deep in a renderer.
    """
    if _SURROGATE.search(value):
        raise InvalidInput(
            f"the {label} holds bytes that are not UTF-8 text: retype it, or set your "
            "terminal to UTF-8"
        )
    return one_line(value)


def _optional_line(value: str | None, label: str) -> str | None:
    cleaned = _line(value, label) if value is not None else ""
    return cleaned or None


def _as_date(value: dt.date | str, label: str) -> dt.date:
    return parse_date(value, label=label) if isinstance(value, str) else value


def _as_time(value: dt.time | str | None, label: str) -> dt.time | None:
    return parse_time(value, label=label) if isinstance(value, str) else value


def _end_time(start: dt.time | None, end: dt.time | None) -> tuple[dt.time | None, bool]:
    if start is None:
        if end is not None:
            raise InvalidInput("an end time needs a start time: give --time as well")
        return None, False
    if end is None:
        assumed = dt.datetime.combine(dt.date(2000, 1, 1), start) + DEFAULT_DURATION
        return assumed.time(), True
    if end <= start:
        raise InvalidInput(f"the end time {_hhmm(end)} is not after the start time {_hhmm(start)}")
    return end, False


def _london() -> dt.tzinfo:
    import zoneinfo  # only for events with a time of day

    return zoneinfo.ZoneInfo(_LONDON)  # cached by zoneinfo: one object per key


def _check_uk_clock(day: dt.date, time: dt.time | None, label: str) -> None:
    """Refuse a time the UK clocks skip on ``day`` (the spring change).

    Refusing rather than moving it: a march notified for 02:30 that was meant for 01:30
    would be held at a time the police were not told, so the organiser must choose.
    """
    if time is None:
        return
    zone = _london()
    local = dt.datetime.combine(day, time, tzinfo=zone)
    round_trip = local.astimezone(dt.timezone.utc).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidInput(
            f"{label} {_hhmm(time)} does not exist on {long_date(day)} in the UK: the clocks "
            "go forward an hour that night (01:00 becomes 02:00); choose a time before "
            "01:00 or from 02:00"
        )


def _uk_clock_warnings(request: EventDetails) -> list[str]:
    """Say which of two times is meant when a time happens twice (the autumn change)."""
    found: list[str] = []
    end = request.end_time
    if request.time is not None and end is not None and end <= request.time:
        end = None  # after midnight, so on the next day: not this day's clock change
    for label, time in (("start", request.time), ("end", end)):
        if time is None:
            continue
        first = dt.datetime.combine(request.date, time, tzinfo=_london())
        if first.utcoffset() != first.replace(fold=1).utcoffset():
            found.append(
                f"The {label} time {_hhmm(time)} happens twice on {long_date(request.date)}: "
                "the clocks go back an hour that night (02:00 becomes 01:00). This plan "
                "and its calendar file mean the first one (British Summer Time); say "
                "which you mean in any notice and publicity."
            )
    return found


def _request(
    *,
    date: dt.date | str,
    today: dt.date | str | None,
    time: dt.time | str | None,
    end_time: dt.time | str | None,
    venue: str,
    venue_postcode: str | None,
    route: str | None,
    organiser: str | None,
    nation: str,
    expected: int,
) -> EventDetails:
    day = _as_date(date, "date")
    now = dt.date.today() if today is None else _as_date(today, "today")
    if day < now:
        raise InvalidInput(f"the event date {day} is before today ({now}): plan a future event")
    start = _as_time(time, "time")
    end, assumed = _end_time(start, _as_time(end_time, "end time"))
    _check_uk_clock(day, start, "the start time")
    if end is not None and start is not None and end > start:
        _check_uk_clock(day, end, "the assumed end time" if assumed else "the end time")
    place = _line(venue, "venue")
    if not place:
        raise InvalidInput("the venue is empty: say where the event is")
    if isinstance(expected, bool) or not 1 <= expected <= 10_000_000:
        raise InvalidInput(f"expected attendance must be a number from 1 upwards, not {expected}")
    postcode = _optional_line(venue_postcode, "venue postcode")
    return EventDetails(
        date=day,
        today=now,
        time=start,
        end_time=end,
        end_time_assumed=assumed,
        venue=place,
        venue_postcode=postcode.upper() if postcode else None,
        route=_optional_line(route, "route"),
        organiser=_optional_line(organiser, "organiser"),
        nation=normalise_nation(nation),
        expected=expected,
    )


def _task(spec: ChecklistTask, request: EventDetails) -> Task:
    calendar_day = request.date + dt.timedelta(days=spec.offset)
    due = calendar_day
    if spec.counting != "days":
        due = count_back(request.date, -spec.offset, spec.counting, request.nation)
    if spec.office_hours:
        due = workdays.last_working_day_on_or_before(due, request.nation)
    # A task moved off its calendar day takes the phase of the day it now falls on.
    phase = spec.phase if due == calendar_day else phase_for_offset((due - request.date).days)
    return Task(
        title=spec.title,
        due=due,
        phase=phase,
        overdue=due < request.today,
        detail=spec.detail,
        source=spec.source,
    )


POSTED_NOTICE = (
    "A posted notice must be sent earlier, so that it arrives by then: this date does not "
    "allow for the post."
)


def _notice_task(rule: _NoticeRule, notice: LegalNotice, request: EventDetails) -> Task | None:
    """The legal notice as a task, dated on the last day to hand it in."""
    if notice.due is None or notice.send_by is None or rule.task is None:
        return None
    parts = [f"The legal last day is {long_date(notice.due)} ({notice.period} before)."]
    if notice.send_by != notice.due:
        parts.append(
            "That is a weekend or a bank holiday, when the office may be closed: hand it in "
            f"by {long_date(notice.send_by)}, the last working day before it."
        )
    parts += [POSTED_NOTICE, f"Include {'; '.join(rule.contents)}.", rule.how or ""]
    due = notice.send_by
    return Task(
        title=f"{rule.task} ({rule.act} {rule.section})",
        due=due,
        phase=phase_for_offset((due - request.date).days),
        overdue=due < request.today,
        detail=" ".join(part for part in parts if part),
        source=rule.url,
        legal=True,
    )


def _legal_notice(
    rule: _NoticeRule, request: EventDetails, may_apply: tuple[Note, ...]
) -> LegalNotice:
    due = send_by = None
    period = ""
    if rule.required and rule.days is not None:
        due = count_back(request.date, rule.days, rule.counting, request.nation)
        send_by = workdays.last_working_day_on_or_before(due, request.nation)
        period = period_text(rule.days, rule.counting)
    return LegalNotice(
        required=rule.required,
        due=due,
        send_by=send_by,
        period=period,
        to=rule.to,
        act=rule.act,
        section=rule.section,
        url=rule.url,
        rule=rule.rule,
        how=rule.how,
        contents=rule.contents,
        late=rule.late,
        late_source=rule.late_source,
        deadline_passed=due is not None and due < request.today,
        may_apply=may_apply,
        sources=rule.sources,
    )


def _warnings(
    title: str, notice: LegalNotice, tasks: Sequence[Task], today: dt.date
) -> tuple[str, ...]:
    found: list[str] = []
    if notice.due is not None and notice.deadline_passed:
        found.append(
            f"The legal notice deadline for this {title.lower()} ({long_date(notice.due)}) "
            f"has already passed (today is {long_date(today)}). {notice.late or ''}".strip()
        )
    elif notice.due is not None and notice.due == today:
        found.append(f"The legal notice for this {title.lower()} must arrive today ({notice.law}).")
    elif notice.send_by is not None and notice.send_by < today:
        found.append(
            f"The last working day to hand in the legal notice ({long_date(notice.send_by)}) "
            f"has passed; the legal last day is {long_date(notice.due or today)} "
            f"({notice.law}). Find out at once whether the office takes notices that day."
        )
    late_tasks = sum(1 for task in tasks if task.overdue and not task.legal)
    if late_tasks:
        were = "task was" if late_tasks == 1 else "tasks were"
        found.append(
            f"{late_tasks} {were} due before today and {'is' if late_tasks == 1 else 'are'} "
            "marked overdue: do what still matters now."
        )
    return tuple(found)


def _roles(checklist: Checklist, expected: int) -> tuple[Role, ...]:
    return tuple(
        Role(
            role=spec.role,
            count=spec.count(expected),
            why=f"{spec.why} {spec.scaling(expected)}".strip(),
            source=spec.source,
        )
        for spec in checklist.roles
    )


def plan_event(
    *,
    date: dt.date | str,
    venue: str,
    nation: str,
    kind: str | None = None,
    checklist: Checklist | Path | str | None = None,
    today: dt.date | str | None = None,
    time: dt.time | str | None = None,
    end_time: dt.time | str | None = None,
    expected: int = DEFAULT_EXPECTED,
    organiser: str | None = None,
    route: str | None = None,
    venue_postcode: str | None = None,
) -> Plan:
    """Compute the dated plan for one event.

    ``kind`` picks a built-in checklist; ``checklist`` (a path or a loaded
    ``Checklist``) uses an organiser's own instead. Dates may be ``date`` objects or
    YYYY-MM-DD text, times ``time`` objects or HH:MM. ``today`` defaults to the system
    date; pass it for reproducible plans. Raises ``InvalidInput`` for anything unusable
    (unknown kind or nation, bad dates or times, an event before today, a broken
    checklist).
    """
    if isinstance(checklist, Checklist):
        chosen = checklist
    else:
        path = Path(checklist) if isinstance(checklist, str) else checklist
        chosen = load_checklist(kind=kind, path=path)
    request = _request(
        date=date, today=today, time=time, end_time=end_time, venue=venue,
        venue_postcode=venue_postcode, route=route, organiser=organiser, nation=nation,
        expected=expected,
    )  # fmt: skip
    try:
        plan = _build(chosen, _builtin_law(), request)
    except OverflowError:
        plan = None
    # Every date in the plan, and the day after it (a calendar's all-day end), must exist.
    if plan is None or max((plan.date, *(t.due for t in plan.tasks))) >= dt.date.max:
        raise InvalidInput(
            f"the event date {request.date} is too close to the end of the calendar: its "
            "plan would need dates before year 1 or after year 9999"
        )
    return plan


def _build(checklist: Checklist, law: _Law, request: EventDetails) -> Plan:
    context = _Context(
        kind=checklist.kind,
        nation=request.nation,
        movement=checklist.movement,
        place_text=f"{request.venue} {request.route or ''}".lower(),
    )
    rules = [rule for rule in law.rules if rule.when.holds(context)]
    notice_rule = law.notice[(checklist.movement, request.nation)]
    permissions = tuple(
        Note("permission", r.permission.text, r.permission.source) for r in rules if r.permission
    )
    notice = _legal_notice(notice_rule, request, permissions)

    specs = [t for t in checklist.tasks if t.when.holds(context)]
    specs += [r.task for r in rules if r.task is not None]
    tasks = [_task(spec, request) for spec in specs]
    notice_task = _notice_task(notice_rule, notice, request)
    if notice_task is not None:
        tasks.insert(0, notice_task)
    # Stable sort: the legal deadline comes first on its day, the rest keep file order.
    tasks.sort(key=lambda task: task.due)

    notes = [Note(r.note.topic, r.note.text, r.note.source) for r in rules if r.note]
    notes += [Note(n.topic, n.text, n.source) for n in checklist.notes if n.when.holds(context)]
    return Plan(
        **{detail.name: getattr(request, detail.name) for detail in fields(EventDetails)},
        kind=checklist.kind,
        title=checklist.title,
        description=checklist.description,
        movement=checklist.movement,
        checklist=checklist.origin,
        legal_notice=notice,
        tasks=tuple(tasks),
        roles=_roles(checklist, request.expected),
        kit=tuple(item.item for item in checklist.kit if item.when.holds(context)),
        notes=tuple(notes),
        warnings=(
            *_warnings(checklist.title, notice, tasks, request.today),
            *_uk_clock_warnings(request),
        ),
        guidance_checked=law.guidance_checked,
        disclaimer=law.disclaimer,
    )
