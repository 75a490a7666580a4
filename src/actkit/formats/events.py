"""An event ``Plan`` rendered as Markdown, printable HTML, JSON, iCalendar or CSV.

Every format shows the warnings first (a missed legal deadline must not be missed twice)
and ends with the plan's disclaimer. Renderers are pure: same plan in, same bytes out
(the calendar's UIDs and DTSTAMP come from the plan's inputs and ``today``, never the
clock), so output can be compared and committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from actkit.events import PHASE_TITLES, PHASES, POSTED_NOTICE, Plan, Task, long_date
from actkit.formats import CONTENT_SECURITY_POLICY

if TYPE_CHECKING:
    import jinja2

Format = Literal["md", "html", "json", "ics", "csv", "pdf"]
FORMATS: tuple[Format, ...] = ("md", "html", "json", "ics", "csv", "pdf")
EXTENSIONS: dict[str, Format] = {
    ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json",
    ".ics": "ics", ".ical": "ics", ".csv": "csv", ".pdf": "pdf",
}  # fmt: skip


def format_for_suffix(suffix: str) -> Format | None:
    """The format an output file's extension implies, or None if it implies none."""
    return EXTENSIONS.get(suffix.lower())


def render(plan: Plan, fmt: Format) -> str | bytes:
    """Render ``plan`` in ``fmt``; text always ends with a newline, a PDF is bytes."""
    if fmt == "pdf":
        from actkit.formats.pdf import plan_to_pdf  # fpdf2 loads only when a PDF is wanted

        return plan_to_pdf(plan)
    renderers: dict[str, Callable[[Plan], str]] = {
        "md": render_markdown,
        "html": render_html,
        "json": render_json,
        "ics": render_ics,
        "csv": render_csv,
    }
    return renderers[fmt](plan)


# --------------------------------------------------------------------------- shared text


def _when(plan: Plan) -> str:
    text = long_date(plan.date)
    if plan.time is not None and plan.end_time is not None:
        text += f", {plan.time:%H:%M} to {plan.end_time:%H:%M}"
        if plan.end_time_assumed:
            text += " (end time assumed: 2 hours; give --end-time to change it)"
    return text


def _where(plan: Plan) -> str:
    return f"{plan.venue} ({plan.venue_postcode})" if plan.venue_postcode else plan.venue


def _heading(plan: Plan) -> str:
    return f"{plan.title} plan: {long_date(plan.date)}"


def _short_date(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _notice_summary(plan: Plan) -> str:
    notice = plan.legal_notice
    if not notice.required or notice.due is None:
        return f"No legal duty to give notice ({notice.law})."
    passed = " (deadline passed)" if notice.deadline_passed else ""
    hand_in = ""
    if notice.send_by is not None and notice.send_by != notice.due:
        hand_in = f"; hand it in by {long_date(notice.send_by)}, the last working day before"
    return f"Required: must arrive by {long_date(notice.due)}{passed}{hand_in} ({notice.law})."


def _notice_dates(plan: Plan) -> list[tuple[str, str]]:
    """The legal last day and the last working day to hand the notice in, as shown."""
    notice = plan.legal_notice
    if notice.due is None or notice.send_by is None:
        return []
    hand_in = long_date(notice.send_by)
    if notice.send_by != notice.due:
        hand_in += " (the last working day on or before the legal last day)"
    return [
        ("Legal last day", f"{long_date(notice.due)} ({notice.period} before the event)"),
        ("Hand it in by", f"{hand_in}. {POSTED_NOTICE}"),
    ]


def _facts(plan: Plan) -> list[tuple[str, str]]:
    """The event's particulars as (label, value) pairs, user values included."""
    rows = [("Where", _where(plan)), ("When", _when(plan))]
    if plan.route:
        rows.append(("Route", plan.route))
    rows += [("Nation", plan.nation_name), ("Expected", f"{plan.expected} people")]
    if plan.organiser:
        rows.append(("Organiser", plan.organiser))
    if plan.checklist != "built-in":
        rows.append(("Checklist", plan.checklist))
    return rows


def _topic(topic: str) -> str:
    """ "accessibility" -> "Accessibility", leaving "Parliament Square" alone."""
    return topic[:1].upper() + topic[1:]


def _tasks_by_phase(plan: Plan) -> list[tuple[str, list[Task]]]:
    return [
        (PHASE_TITLES[phase], [task for task in plan.tasks if task.phase == phase])
        for phase in PHASES
        if any(task.phase == phase for task in plan.tasks)
    ]


# --------------------------------------------------------------------------- Markdown

# Backslash-escape what could start emphasis, a link or raw HTML, so a venue such as
# "<script>" or "[x](javascript:...)" stays literal text in any Markdown viewer.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_source(url: str | None) -> str:
    return f" ([source](<{url}>))" if url else ""


def render_markdown(plan: Plan) -> str:
    out = [f"# {_md(_heading(plan))}", ""]
    out += [f"- **{label}:** {_md(value)}" for label, value in _facts(plan)]
    out.append("")
    for warning in plan.warnings:
        out += [f"> **Warning:** {_md(warning)}", ""]
    out += _md_notice(plan)
    out += ["## Timeline", ""]
    for title, tasks in _tasks_by_phase(plan):
        out += [f"### {title}", ""]
        out += [line for task in tasks for line in _md_task(task)]
        out.append("")
    out += ["## Roles", ""]
    out += [
        f"- **{_md(r.role)}: {r.count}**. {_md(r.why)}{_md_source(r.source)}" for r in plan.roles
    ]
    out += ["", "## Kit", ""]
    out += [f"- [ ] {_md(item)}" for item in plan.kit]
    out += ["", "## Notes", ""]
    out += [
        f"- **{_md(_topic(n.topic))}:** {_md(n.text)}{_md_source(n.source)}" for n in plan.notes
    ]
    out += ["", "---", "", f"*{_md(plan.disclaimer)}*", ""]
    return "\n".join(out)


def _md_task(task: Task) -> list[str]:
    flag = " **OVERDUE**" if task.overdue else ""
    title = f"**{_md(task.title)}**" if task.legal else _md(task.title)
    lines = [f"- [ ] {_short_date(task.due)}: {title}{flag}"]
    if task.detail or task.source:
        detail = _md(task.detail) if task.detail else ""
        lines.append(f"  {detail}{_md_source(task.source)}".replace("   (", "  ("))
    return lines


def _md_notice(plan: Plan) -> list[str]:
    notice = plan.legal_notice
    out = ["## Legal notice", "", f"**{_md(_notice_summary(plan))}**", ""]
    out += [f"- **{label}:** {_md(value)}" for label, value in _notice_dates(plan)]
    out += [f"- **To:** {_md(notice.to)}", f"- **Rule:** {_md(notice.rule)}"]
    if notice.how:
        out.append(f"- **How:** {_md(notice.how)}")
    if notice.contents:
        out.append(f"- **Include:** {_md('; '.join(notice.contents))}")
    if notice.late:
        out.append(f"- **If you are late:** {_md(notice.late)}{_md_source(notice.late_source)}")
    out.append(f"- **Law:** [{_md(notice.law)}](<{notice.url}>)")
    out += [f"- **See also:** <{url}>" for url in notice.sources]
    out.append("")
    if notice.may_apply:
        out += ["### Voluntary liaison and permissions that may apply", ""]
        out += [f"- {_md(p.text)}{_md_source(p.source)}" for p in notice.may_apply]
        out.append("")
    return out


# --------------------------------------------------------------------------- HTML

_HTML_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ heading }}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif;
         max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #111; }
  h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #999; margin-top: 2rem; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
  dl.facts dt { font-weight: bold; }
  .warning { border: 3px solid #b00; background: #fee; padding: .6rem .8rem; margin: 1rem 0;
             font-weight: bold; }
  ul.check { list-style: none; padding-left: 0; }
  ul.check li { margin: .4rem 0; padding-left: 1.6rem; text-indent: -1.6rem; }
  ul.check li::before { content: "\\2610"; display: inline-block; width: 1.6rem; text-indent: 0; }
  .date { font-variant-numeric: tabular-nums; font-weight: bold; }
  .overdue { color: #b00; font-weight: bold; }
  .legal { font-weight: bold; }
  .detail { display: block; color: #333; font-size: .92em; text-indent: 0; }
  .source { font-size: .85em; }
  .disclaimer { border-top: 1px solid #999; margin-top: 2rem; padding-top: .8rem;
                font-style: italic; }
  @media print { body { margin: 0; max-width: none; } a { color: inherit; }
                 h2 { break-after: avoid; } li { break-inside: avoid; } }
</style>
</head>
<body>
<h1>{{ heading }}</h1>
<dl class="facts">
{%- for label, value in facts %}
  <dt>{{ label }}</dt><dd>{{ value }}</dd>
{%- endfor %}
</dl>
{%- for warning in plan.warnings %}
<p class="warning" role="alert">Warning: {{ warning }}</p>
{%- endfor %}

<h2>Legal notice</h2>
<p><strong>{{ notice_summary }}</strong></p>
<dl class="facts">
{%- for label, value in notice_dates %}
  <dt>{{ label }}</dt><dd>{{ value }}</dd>
{%- endfor %}
  <dt>To</dt><dd>{{ notice.to }}</dd>
  <dt>Rule</dt><dd>{{ notice.rule }}</dd>
{%- if notice.how %}
  <dt>How</dt><dd>{{ notice.how }}</dd>
{%- endif %}
{%- if notice.contents %}
  <dt>Include</dt><dd>{{ notice.contents | join("; ") }}</dd>
{%- endif %}
{%- if notice.late %}
  <dt>If you are late</dt><dd>{{ notice.late }}
  {%- if notice.late_source %}
  <a class="source" href="{{ notice.late_source }}">source</a>{% endif %}</dd>
{%- endif %}
  <dt>Law</dt><dd><a href="{{ notice.url }}">{{ notice.law }}</a>
  {%- for url in notice.sources %}; <a class="source" href="{{ url }}">see also</a>{% endfor %}</dd>
</dl>
{%- if notice.may_apply %}
<h3>Voluntary liaison and permissions that may apply</h3>
<ul>
{%- for item in notice.may_apply %}
  <li>{{ item.text }} <a class="source" href="{{ item.source }}">source</a></li>
{%- endfor %}
</ul>
{%- endif %}

<h2>Timeline</h2>
{%- for title, tasks in phases %}
<h3>{{ title }}</h3>
<ul class="check">
{%- for task in tasks %}
  <li><span class="date">{{ short_date(task.due) }}</span>
    <span{% if task.legal %} class="legal"{% endif %}>{{ task.title }}</span>
    {%- if task.overdue %} <span class="overdue">OVERDUE</span>{% endif %}
    {%- if task.detail or task.source %}
    <span class="detail">{{ task.detail or "" }}
    {%- if task.source %} <a class="source" href="{{ task.source }}">source</a>{% endif %}</span>
    {%- endif %}</li>
{%- endfor %}
</ul>
{%- endfor %}

<h2>Roles</h2>
<ul>
{%- for role in plan.roles %}
  <li><strong>{{ role.role }}: {{ role.count }}</strong>. {{ role.why }}
  {%- if role.source %} <a class="source" href="{{ role.source }}">source</a>{% endif %}</li>
{%- endfor %}
</ul>

<h2>Kit</h2>
<ul class="check">
{%- for item in plan.kit %}
  <li>{{ item }}</li>
{%- endfor %}
</ul>

<h2>Notes</h2>
<ul>
{%- for note in plan.notes %}
  <li><strong>{{ topic(note.topic) }}:</strong> {{ note.text }}
  <a class="source" href="{{ note.source }}">source</a></li>
{%- endfor %}
</ul>

<p class="disclaimer">{{ plan.disclaimer }}</p>
</body>
</html>
"""


# A second line of defence: the page loads nothing from elsewhere (links still work,
# as following one is not a load), so opening a plan never tells a third party anything.
# One policy for every HTML page actkit writes: see actkit.formats.


@functools.cache
def _html_page() -> jinja2.Template:
    """The page template, compiled once per process (compiling costs more than rendering)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_HTML_TEMPLATE)


def render_html(plan: Plan) -> str:
    """A standalone printable page; autoescaping covers every value, user-supplied or not."""
    return _html_page().render(
        plan=plan,
        csp=CONTENT_SECURITY_POLICY,
        heading=_heading(plan),
        facts=_facts(plan),
        notice=plan.legal_notice,
        notice_summary=_notice_summary(plan),
        notice_dates=_notice_dates(plan),
        phases=_tasks_by_phase(plan),
        short_date=_short_date,
        topic=_topic,
    )


# --------------------------------------------------------------------------- JSON


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- iCalendar

# Europe/London written out with recurrence rules rather than icalendar's generated
# transition list: short, and what Google, Apple and Outlook themselves publish.
_LONDON = "Europe/London"
_VTIMEZONE = """\
BEGIN:VTIMEZONE
TZID:Europe/London
BEGIN:DAYLIGHT
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
TZNAME:BST
DTSTART:19700329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
TZNAME:GMT
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def _uid(plan: Plan, *parts: str) -> str:
    """Stable across runs for the same event, distinct for each task."""
    import hashlib  # OpenSSL's: only the calendar file needs it

    seed = "\x1f".join((plan.kind, plan.date.isoformat(), plan.venue, plan.nation, *parts))
    return f"{hashlib.sha256(seed.encode()).hexdigest()[:32]}@actkit"


def _event_description(plan: Plan) -> str:
    lines = [*(f"WARNING: {w}" for w in plan.warnings), plan.description]
    lines += [f"{label}: {value}" for label, value in _facts(plan)]
    lines.append(f"Legal notice: {_notice_summary(plan)}")
    lines += [f"{label}: {value}" for label, value in _notice_dates(plan)]
    lines += [plan.legal_notice.url, "", plan.disclaimer]
    return "\n".join(lines)


def _task_description(plan: Plan, task: Task) -> str:
    lines = ["OVERDUE: this was due before the plan was made."] if task.overdue else []
    lines.append(f"For the {plan.title.lower()} on {long_date(plan.date)} at {_where(plan)}.")
    if task.detail:
        lines.append(task.detail)
    if task.source:
        lines.append(f"Source: {task.source}")
    lines += ["", plan.disclaimer]
    return "\n".join(lines)


def render_ics(plan: Plan) -> str:
    """The event as a VEVENT on its date (timed in UK time, or all-day) plus one
    all-day VEVENT per dated task."""
    import zoneinfo

    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//actkit//event plan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{plan.title}: {plan.venue}")
    stamp = dt.datetime.combine(plan.today, dt.time(0, 0), tzinfo=dt.timezone.utc)

    event = icalendar.Event()
    event.add("uid", _uid(plan, "event"))
    event.add("dtstamp", stamp)
    event.add("summary", f"{plan.title}: {plan.venue}")
    if plan.time is not None and plan.end_time is not None:
        london = zoneinfo.ZoneInfo(_LONDON)
        start = dt.datetime.combine(plan.date, plan.time, tzinfo=london)
        end = dt.datetime.combine(plan.date, plan.end_time, tzinfo=london)
        if end <= start:  # an assumed end time that runs past midnight
            end += dt.timedelta(days=1)
        calendar.add_component(icalendar.Timezone.from_ical(_VTIMEZONE))
        event.add("dtstart", start)
        event.add("dtend", end)
    else:
        event.add("dtstart", plan.date)
        event.add("dtend", plan.date + dt.timedelta(days=1))
    event.add("location", _where(plan))
    event.add("description", _event_description(plan))
    calendar.add_component(event)

    for index, task in enumerate(plan.tasks):
        todo = icalendar.Event()
        todo.add("uid", _uid(plan, "task", str(index), task.title))
        todo.add("dtstamp", stamp)
        todo.add("summary", f"{'OVERDUE: ' if task.overdue else ''}{task.title}")
        todo.add("dtstart", task.due)
        todo.add("dtend", task.due + dt.timedelta(days=1))
        todo.add("transp", "TRANSPARENT")  # a reminder, not busy time
        todo.add("description", _task_description(plan, task))
        if task.source:
            todo.add("url", task.source)
        calendar.add_component(todo)
    text: str = calendar.to_ical().decode("utf-8")
    return text


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS = ("due", "phase", "title", "overdue", "detail", "source")


def _cell(value: Any) -> str:
    from actkit.text import neutralise_formula

    return neutralise_formula("" if value is None else str(value))


def render_csv(plan: Plan) -> str:
    """One row per task; warnings first and the disclaimer last, as rows of their own."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for warning in plan.warnings:
        writer.writerow(map(_cell, ("", "warning", warning, "", "", "")))
    for task in plan.tasks:
        row = (
            task.due.isoformat(),
            task.phase,
            task.title,
            "yes" if task.overdue else "no",
            task.detail,
            task.source,
        )
        writer.writerow(map(_cell, row))
    writer.writerow(map(_cell, ("", "disclaimer", plan.disclaimer, "", "", "")))
    return buffer.getvalue()
