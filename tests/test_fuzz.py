"""Property-based fuzzing of everything a user can type or hand actkit.

Each property drives the real CLI in-process (``CliRunner`` with ``catch_exceptions=False``,
so any exception that escapes the error funnel fails the test) and asserts that the exit
code is one the README documents and that every file written re-opens with its own parser.

Runs are reproducible (``derandomize=True``: the examples are derived from the test, not
from a random seed) and small by default, so the suite takes seconds in CI. Set
``ACTKIT_FUZZ=1`` for a long run (fifty times the examples per property; ``ACTKIT_FUZZ=N``
for N times); a failure prints the smallest input that reproduces it.
"""

from __future__ import annotations

import csv
import email
import email.policy
import html.parser
import io
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import docx
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actkit.formats.letters import FORMATS
from tests.helpers import run

_FUZZ = os.environ.get("ACTKIT_FUZZ", "").strip()
SCALE = 50 if _FUZZ == "1" else int(_FUZZ) if _FUZZ.isdigit() and int(_FUZZ) > 1 else 1
"""ACTKIT_FUZZ=1: fifty times the examples; ACTKIT_FUZZ=N (N > 1): N times."""
DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 130}


def fuzz(examples: int) -> Any:
    """Settings for one property: ``examples`` in CI, ``SCALE`` times as many on request."""
    return settings(
        max_examples=examples * SCALE,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# Text as users and templates really supply it: any Unicode, weighted towards the
# characters that broke things before (controls, XML-illegal, private use, bidi, quotes).
AWKWARD = st.sampled_from(
    [
        "\x00", "\x0c", "\x1b[31m", "\r\n", "\t", "\ufffe", "\uffff", "\ue000", "\ue001",
        "\ue002", "\ue010", "\u202e", "\u2028", "<img src=http://x/>", "](", "![", "{{", "}}",
        "{%", "%}", '"', "'", ",", ";", "\\", "&", "=", "ö", "محمد", "张伟", "\U0001f600",
        "Rt Hon", "Dear ", "Yours sincerely,",
    ]
)  # fmt: skip
TEXT = st.lists(st.one_of(st.text(max_size=12), AWKWARD), max_size=8).map("".join)
ONE_LINE = TEXT.filter(lambda t: t.strip() != "")
BASE = [
    "letter", "write", "--postcode", "NR2 1AB", "--address", "1 High Street, Norwich",
    "--date", "2026-11-25", "--offline",
]  # fmt: skip


def assert_documented(result: Any) -> None:
    assert result.exit_code in DOCUMENTED_EXIT_CODES, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr


# --- parsers for every output format ------------------------------------------------------


class _StrictHTML(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "srcset", "poster", "data") and value:
                self.remote.append(value)
        if tag in ("img", "script", "iframe", "object", "embed", "link", "video", "audio"):
            self.remote.append(tag)


def check_output(fmt: str, content: bytes) -> None:
    """The file re-opens with its format's own parser, and loads nothing from elsewhere."""
    if fmt in ("txt", "md", "json", "csv"):
        text = content.decode("utf-8")
        if fmt == "json":
            json.loads(text)
        if fmt == "csv":
            list(csv.reader(io.StringIO(text)))
    elif fmt == "html":
        parser = _StrictHTML()
        parser.feed(content.decode("utf-8"))
        parser.close()
        assert parser.remote == []
        assert b"Content-Security-Policy" in content
    elif fmt == "eml":
        message = email.message_from_string(content.decode("utf-8"), policy=email.policy.default)
        assert len(message["To"].addresses) == 1
        assert len(message["From"].addresses) == 1
        assert not message.defects
        message.get_content()
    elif fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        assert document.paragraphs
    elif fmt == "pdf":
        import pypdf

        document = pypdf.PdfReader(io.BytesIO(content))
        assert document.pages
        document.pages[0].extract_text()
    elif fmt == "ics":
        calendar = icalendar.Calendar.from_ical(content)
        assert calendar.walk("VEVENT")
    else:  # pragma: no cover - a new format needs a parser here
        raise AssertionError(f"no parser for {fmt}")


# --- letters: every format, any sender text ------------------------------------------------

LETTER_FORMATS = list(FORMATS)  # every format, a new one included


@fuzz(12)
@given(
    name=ONE_LINE,
    address=TEXT,
    personal=TEXT,
    email_address=st.one_of(
        st.just("alex@example.org"),
        st.just("jörg@example.de"),
        st.just("x@münchen.de"),
        st.emails().map(str),
        TEXT,
    ),
    fmt=st.sampled_from(LETTER_FORMATS),
    template=st.sampled_from(["thank-you", "blank", "syria-civilians"]),
)
def test_letters_take_any_text_in_every_format(
    tmp_path: Path,
    name: str,
    address: str,
    personal: str,
    email_address: str,
    fmt: str,
    template: str,
) -> None:
    out = tmp_path / f"letter.{fmt}"
    args = [*BASE, "--template", template, "--name", name, "--address", address or "x"]
    args += ["--personal", personal, "--email", email_address, "--output", str(out), "--force"]

    result = run(*args)

    assert_documented(result)
    if result.exit_code == 0:
        check_output(fmt, out.read_bytes())


# --- postcodes ------------------------------------------------------------------------------


@fuzz(30)
@given(
    postcode=st.one_of(
        TEXT,
        st.from_regex(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}", fullmatch=True),
    )
)
def test_any_postcode_gets_a_documented_answer(postcode: str) -> None:
    assert_documented(run("lookup", postcode or " ", "--offline", "--json"))


# --- templates and facts files --------------------------------------------------------------

JINJA_BITS = st.sampled_from(
    [
        "{{ mp.address_as }}", "{{ sender.name }}", "{{ personal }}", "{{ cite('x') }}",
        "{{ fact('x') }}", "{% if personal %}", "{% endif %}", "{% for i in range(3) %}",
        "{% endfor %}", "{{ 'a' * 9 }}", "{{ x }}", "{{ mp.__class__ }}", "{{", "{%", "}}",
        "{{ 'a' | replace('a', 'bb') }}", "\n\n", "![i](http://t/x.png)", "# heading",
        "- item", "1. item", "\ue000", "\x0c", "Yours sincerely,",
    ]
)  # fmt: skip
TEMPLATE_BODY = st.lists(st.one_of(JINJA_BITS, st.text(max_size=10)), max_size=12).map("".join)
FRONT_MATTER = st.one_of(
    st.just("title: T\ndescription: d\n"),
    st.just("title: T\ndescription: d\nfacts: [x]\n"),
    st.just("title: !!bool x\ndescription: d\n"),
    st.just("title: [" * 40 + "]" * 40 + "\n"),
    TEXT.map(lambda t: f"title: {t}\ndescription: d\n"),
    TEXT,
)
FACTS = st.one_of(
    st.just(
        "- id: x\n  statement: A fact.\n  as_of: 2025-01-01\n  verified: true\n"
        "  source:\n    title: T\n    publisher: P\n    url: https://example.org/\n"
        "    published: 2025-01-01\n"
    ),
    st.just("- id: x\n  as_of: !!timestamp x\n"),
    st.just("[" * 600 + "]" * 600),
    TEXT,
)


@fuzz(25)
@given(front=FRONT_MATTER, body=TEMPLATE_BODY, facts=FACTS, fmt=st.sampled_from(LETTER_FORMATS))
def test_any_template_and_facts_file_is_rendered_or_refused(
    tmp_path: Path, front: str, body: str, facts: str, fmt: str
) -> None:
    campaign = tmp_path / "campaign"
    (campaign / "letter_templates").mkdir(parents=True, exist_ok=True)
    (campaign / "facts").mkdir(exist_ok=True)
    (campaign / "letter_templates" / "t.md.j2").write_text(f"---\n{front}---\n{body}\n")
    (campaign / "facts" / "facts.yaml").write_text(facts)
    out = tmp_path / f"letter.{fmt}"
    args = [*BASE, "--campaign", str(campaign), "--template", "t", "--name", "Alex"]
    args += ["--personal", "Mine.", "--email", "a@example.org", "-o", str(out), "--force"]

    result = run(*args)

    assert_documented(result)
    if result.exit_code == 0:
        check_output(fmt, out.read_bytes())
    else:
        assert result.stderr.startswith("Error: ")
    assert_documented(run("facts", "list", "--campaign", str(campaign)))
    assert_documented(run("templates", "list", "--campaign", str(campaign)))


# --- config files ---------------------------------------------------------------------------

TOML_VALUE = st.one_of(
    st.sampled_from(["inf", "nan", "-inf", "5", "0", "-1", "true", "[1, 2]", "{a = 1}"]),
    st.integers().map(str),
    st.floats().map(lambda f: repr(f).replace("inf", "inf").replace("nan", "nan")),
    TEXT.map(json.dumps),
)
CONFIG_KEY = st.sampled_from(["name", "address", "postcode", "email", "max_fact_age_days", "x"])


@fuzz(30)
@given(
    lines=st.lists(st.tuples(CONFIG_KEY, TOML_VALUE), max_size=5, unique_by=lambda kv: kv[0]),
    garbage=st.one_of(st.just(""), TEXT),
)
def test_any_config_file_is_used_or_refused(
    isolated_environment: Path, lines: list[tuple[str, str]], garbage: str
) -> None:
    isolated_environment.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{key} = {value}\n" for key, value in lines) + garbage
    (isolated_environment / "config.toml").write_text(text, encoding="utf-8", errors="replace")

    shown = run("config", "show", "--json")
    letter = run(*BASE, "--template", "thank-you", "--personal", "x")

    for result in (shown, letter):
        assert_documented(result)
        assert result.exit_code in (0, 2)
    if shown.exit_code == 0:
        json.loads(shown.stdout)


@fuzz(20)
@given(key=CONFIG_KEY, value=TEXT)
def test_config_set_takes_any_value(key: str, value: str) -> None:
    result = run("config", "set", key, value)

    assert_documented(result)
    assert result.exit_code in (0, 2)
    assert_documented(run("config", "show"))


# --- event plans: every format, any text ------------------------------------------------------

EVENT_FORMATS = ["md", "html", "json", "ics", "csv"]


@fuzz(15)
@given(
    kind=st.sampled_from(["picket", "march", "vigil", "rally", "public-meeting", "street-stall"]),
    venue=ONE_LINE,
    organiser=TEXT,
    route=TEXT,
    nation=st.sampled_from(["england", "wales", "scotland", "northern-ireland"]),
    day=st.dates(min_value=date(2027, 1, 1), max_value=date(2099, 12, 31)).map(str),
    fmt=st.sampled_from(EVENT_FORMATS),
)
def test_event_plans_take_any_text_in_every_format(
    tmp_path: Path,
    kind: str,
    venue: str,
    organiser: str,
    route: str,
    nation: str,
    day: str,
    fmt: str,
) -> None:
    out = tmp_path / f"plan.{fmt}"
    args = ["event", "plan", kind, "--date", day, "--venue", venue, "--nation", nation]
    args += ["--today", "2026-12-01", "--format", fmt, "-o", str(out), "--force"]
    if organiser:
        args += ["--organiser", organiser]
    if route:
        args += ["--route", route]

    result = run(*args)

    assert_documented(result)
    if result.exit_code == 0:
        check_output(fmt, out.read_bytes())


# --- supporter spreadsheets -------------------------------------------------------------------

CELL = st.one_of(TEXT, st.sampled_from(["NR2 1AB", "SW1A 1AA", "=1+1", '"', '"a,b"', ""]))


@pytest.mark.slow
@fuzz(6)
@given(
    rows=st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=1, max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    fmt=st.sampled_from(LETTER_FORMATS),
)
def test_any_spreadsheet_ends_in_a_manifest_that_parses(
    tmp_path: Path, rows: list[list[str]], delimiter: str, encoding: str, fmt: str
) -> None:
    source = io.StringIO()
    writer = csv.writer(source, delimiter=delimiter)
    writer.writerow(["name", "address", "postcode", "email", "personal"])
    writer.writerows(rows)
    supporters = tmp_path / "supporters.csv"
    supporters.write_bytes(source.getvalue().encode(encoding, "surrogatepass"))
    out = tmp_path / "out"
    args = ["letter", "batch", str(supporters), "--template", "thank-you", "--out", str(out)]

    result = run(*args, "--offline", "--format", fmt, "--date", "2026-11-25", "--force")

    assert_documented(result)
    manifest = out / "manifest.csv"
    if manifest.exists():
        entries = list(csv.DictReader(io.StringIO(manifest.read_text("utf-8-sig"))))
        for entry in entries:
            if entry.get("status") == "ok":
                check_output(fmt, (out / entry["file"]).read_bytes())
