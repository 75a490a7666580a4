"""``actkit letter write`` and friends, as users see them: golden letters, every format
re-opened with its own parser, errors with their exit codes."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from actkit.templates import load_template
from tests.fakes import FakeServices
from tests.helpers import run

SYRIA_FACT_COUNT = len(load_template("syria-civilians", None).facts)
"""The bundled letter cites every fact it declares, once each."""

GOLDEN = Path(__file__).parent / "golden" / "letters"
UPDATE = os.environ.get("ACTKIT_UPDATE_GOLDEN") == "1"
TEMPLATES = ["syria-civilians", "meeting-request", "follow-up", "thank-you", "blank"]
PERSONAL = "My neighbour's family is from Idlib & I worry about them <a lot>."
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


def write(*extra: str) -> object:
    return run(*BASE, *extra)


@pytest.mark.parametrize("fmt", ["txt", "md", "html"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_golden_letters(template: str, fmt: str) -> None:
    """Regenerate with ACTKIT_UPDATE_GOLDEN=1 pytest tests/test_letters_cli.py, then review."""
    result = write("--template", template, "--format", fmt, "--personal", PERSONAL)

    assert result.exit_code == 0, result.stderr
    golden = GOLDEN / f"{template}.{fmt}"
    if UPDATE:
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_letter_is_addressed_and_signed_properly() -> None:
    text = write("--template", "blank", "--personal", "Hello.").stdout

    assert text.startswith(
        "Alex Example\n1 High Street\nNorwich\nNR2 1AB\n\n25 November 2026\n\n"
        "Clive Lewis MP\nHouse of Commons\nLondon\nSW1A 0AA\n\nDear Clive Lewis,\n"
    )
    assert text.endswith("Yours sincerely,\n\nAlex Example\n")


def test_syria_letter_cites_only_verified_facts_and_lists_references() -> None:
    from actkit.facts import load_facts

    result = write("--template", "syria-civilians", "--personal", "x", "--format", "md")
    facts = load_facts()
    references = result.stdout.split("## References\n\n")[1].strip().splitlines()

    assert len(references) == SYRIA_FACT_COUNT
    for number, line in enumerate(references, start=1):
        assert line.startswith(f"{number}. ")
        assert "published" in line or "publication date not given" in line
        assert "as of" in line and "<http" in line
    cited = [f for f in facts.values() if f.source.url and f"<{f.source.url}>" in result.stdout]
    assert cited and all(f.verified for f in cited)
    # The 2019 facts are declared historical context, so their age is not a warning.
    assert "older than 730 days" not in result.stderr


def test_html_escapes_every_user_value() -> None:
    result = write(
        "--template",
        "blank",
        "--format",
        "html",
        "--name",
        "<script>alert(1)</script>",
        "--personal",
        "<img src=x onerror=alert(1)> & [link](javascript:x)",
    )

    assert "<script>" not in result.stdout and "<img" not in result.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; [link](javascript:x)" in result.stdout
    assert 'href="javascript' not in result.stdout


def test_eml_reparses_with_headers_from_the_letter(tmp_path: Path) -> None:
    out = tmp_path / "letter.eml"
    result = write(
        "--template",
        "syria-civilians",
        "--personal",
        "x",
        "--email",
        "alex@example.org",
        "--output",
        str(out),
    )

    assert result.exit_code == 0, result.stderr
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert message["To"] == "Clive Lewis MP <clive.lewis.mp@parliament.uk>"
    assert message["From"] == "Alex Example <alex@example.org>"
    assert message["Subject"] == "Syria: please act to protect civilians"
    body = message.get_content().replace("\r\n", "\n")  # RFC 5322 lines end in CRLF
    assert body.startswith("Dear Clive Lewis,\n")
    assert "Alex Example\n1 High Street\nNorwich\nNR2 1AB\n" in body  # constituent's address
    assert "\nReferences\n\n[1] " in body and "[8] " in body


def test_eml_headers_cannot_be_injected(tmp_path: Path) -> None:
    out = tmp_path / "letter.eml"
    result = write(
        "--template",
        "blank",
        "--personal",
        "x",
        "--email",
        "alex@example.org",
        "--name",
        "Alex\r\nBcc: victim@example.org",
        "--output",
        str(out),
    )

    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert result.exit_code == 0
    assert message["Bcc"] is None
    assert set(message.keys()) == {
        "To",
        "From",
        "Subject",
        "Date",
        "X-Unsent",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
    }


def test_eml_needs_the_senders_email() -> None:
    result = write("--template", "blank", "--personal", "x", "--format", "eml")

    assert result.exit_code == 2
    assert "needs your email address" in result.stderr


def test_eml_refuses_when_the_mp_has_no_email() -> None:
    # Sir Julian Lewis (New Forest East) has no email in the offline snapshot.
    result = run(
        "letter",
        "write",
        "--template",
        "blank",
        "--postcode",
        "SO45 1AA",
        "--name",
        "A",
        "--address",
        "1 Road",
        "--email",
        "a@example.org",
        "--format",
        "eml",
        "--offline",
        "--personal",
        "x",
    )

    assert result.exit_code == 1
    assert "no email address" in result.stderr and "print the letter" in result.stderr


def test_docx_reopens_with_python_docx(tmp_path: Path) -> None:
    out = tmp_path / "letter.docx"
    result = write("--template", "syria-civilians", "--personal", PERSONAL, "--output", str(out))

    assert result.exit_code == 0, result.stderr
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Alex Example\n1 High Street\nNorwich\nNR2 1AB"
    assert texts[1] == "25 November 2026"
    assert texts[2] == "Clive Lewis MP\nHouse of Commons\nLondon\nSW1A 0AA"
    assert texts[3] == "Dear Clive Lewis,"
    assert PERSONAL in texts
    assert "References" in texts
    assert sum(1 for t in texts if t.startswith("[")) == SYRIA_FACT_COUNT
    superscripts = [r.text for p in document.paragraphs for r in p.runs if r.font.superscript]
    assert superscripts[:3] == ["[1]", "[2]", "[3]"]
    bullets = [p for p in document.paragraphs if p.style.name == "List Bullet"]
    assert len(bullets) == 5
    assert document.core_properties.title == "Syria: please act to protect civilians"


def test_docx_is_not_written_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("actkit.cli.letters.stdout_is_terminal", lambda: True)
    for output in ([], ["--output", "-"]):
        result = write("--template", "blank", "--format", "docx", "--personal", "x", *output)

        assert result.exit_code == 2
        assert "--output" in result.stderr


def test_format_is_inferred_from_the_extension(tmp_path: Path) -> None:
    out = tmp_path / "letter.html"
    write("--template", "blank", "--personal", "x", "--output", str(out))

    assert out.read_text().startswith("<!DOCTYPE html>")


def test_existing_output_is_kept_without_force(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "letter.txt"
    out.write_text("precious")

    refused = write("--template", "blank", "--personal", "x", "--output", str(out))
    assert refused.exit_code == 2
    assert "already exists; use --force" in refused.stderr
    assert out.read_text() == "precious"

    forced = write("--template", "blank", "--personal", "x", "--output", str(out), "--force")
    assert forced.exit_code == 0
    assert out.read_text().startswith("Alex Example")
    assert list(folder.iterdir()) == [out]  # no temporary files left behind


def test_no_personal_paragraph_warns_when_not_interactive() -> None:
    result = write("--template", "meeting-request")

    assert result.exit_code == 0
    assert "no personal paragraph" in result.stderr


def test_a_letter_with_nothing_to_say_is_refused() -> None:
    result = write("--template", "blank")

    assert result.exit_code == 2
    assert "would be empty" in result.stderr
    assert result.stdout == ""


def test_personal_paragraph_is_prompted_for_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("actkit.cli._sender.stdin_is_terminal", lambda: True)

    result = run(*BASE, "--template", "blank", input="I care because of my family.\nTruly.\n\n")

    assert "in your own words" in result.stderr
    assert "I care because of my family. Truly." in result.stdout
    assert "no personal paragraph" not in result.stderr


def test_personal_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("First paragraph.\n\nSecond paragraph.\n")

    text = write("--template", "blank", "--personal-file", str(path)).stdout

    assert "First paragraph.\n\nSecond paragraph.\n\nYours sincerely" in text


def test_personal_and_personal_file_conflict(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("x")

    assert (
        write("--template", "blank", "--personal", "a", "--personal-file", str(path)).exit_code == 2
    )


def test_saved_sender_details_are_used_and_flags_override() -> None:
    for key, value in [
        ("name", "Sam Saved"),
        ("address", "2 Saved Road, Norwich"),
        ("postcode", "nr21ab"),
        ("email", "sam@example.org"),
    ]:
        assert run("config", "set", key, value).exit_code == 0

    shown = run("config", "show", "--json")
    assert json.loads(shown.stdout)["postcode"] == "NR2 1AB"

    text = run(
        "letter", "write", "-t", "blank", "--offline", "--personal", "x", "--date", "2026-11-25"
    ).stdout
    assert text.startswith("Sam Saved\n2 Saved Road\nNorwich\nNR2 1AB\nsam@example.org\n")

    override = run(
        "letter", "write", "-t", "blank", "--offline", "--personal", "x", "--name", "Flag Name"
    ).stdout
    assert override.startswith("Flag Name\n2 Saved Road")


def test_config_rejects_unknown_keys_and_bad_values() -> None:
    assert run("config", "set", "colour", "red").exit_code == 2
    assert run("config", "set", "email", "not-an-email").exit_code == 2
    assert run("config", "set", "postcode", "FOO").exit_code == 2
    assert run("config", "set", "max_fact_age_days", "-3").exit_code == 2


def test_missing_sender_details_are_exit_2() -> None:
    result = run("letter", "write", "-t", "blank", "--offline", "--postcode", "NR2 1AB")

    assert result.exit_code == 2
    assert "give --name" in result.stderr


def test_max_fact_age_flag_and_config() -> None:
    strict = write("--template", "syria-civilians", "--personal", "x", "--max-fact-age", "100")
    assert "older than 100 days" in strict.stderr

    run("config", "set", "max_fact_age_days", "5000")
    relaxed = write("--template", "syria-civilians", "--personal", "x")
    assert "older than" not in relaxed.stderr


def test_unknown_template_lists_the_available_ones() -> None:
    result = write("--template", "nope", "--personal", "x")

    assert result.exit_code == 2
    assert "no letter template called 'nope'; available: blank, follow-up" in result.stderr


def test_bad_postcode_is_exit_2_before_anything_else() -> None:
    result = run(
        "letter", "write", "-t", "blank", "--postcode", "FOO", "--name", "A", "--address", "B"
    )

    assert result.exit_code == 2
    assert "not a valid UK postcode" in result.stderr


def test_live_letter_uses_the_members_api_details(services: FakeServices) -> None:
    services.add_postcode("NR2 1AB", "England", "Norwich South", "E14001409")
    services.add_mp(
        "Norwich South",
        4500,
        "Clive Lewis",
        "Labour",
        "clive.lewis.mp@parliament.uk",
        full_title="Clive Lewis MP (live)",
    )

    result = run(*[a for a in BASE if a != "--offline"], "-t", "blank", "--personal", "x")

    assert result.exit_code == 0
    assert "Clive Lewis MP (live)\nHouse of Commons\nLondon\nSW1A 0AA" in result.stdout
    assert result.stderr == "Logged as L1: `actkit sent L1` once you send it.\n"  # no warnings


# --- templates, facts, campaigns ----------------------------------------------------------


def test_templates_list_and_show() -> None:
    listed = run("templates", "list")
    assert listed.exit_code == 0
    for name in TEMPLATES:
        assert name in listed.stdout
    shown = run("templates", "show", "blank")
    assert shown.stdout.startswith("---\ntitle: Blank letter\n")


def test_facts_list_and_show() -> None:
    listed = run("facts", "list")
    assert "UNVERIFIED, do not use" in listed.stdout
    shown = run("facts", "show", "ccm-uk-state-party")
    assert "Cluster Munitions (Prohibitions) Act 2010" in shown.stdout
    assert run("facts", "show", "nope").exit_code == 2
    data = json.loads(run("facts", "show", "ccm-uk-state-party", "--json").stdout)
    assert data["source"]["published"] == "2022-08-25"


def test_init_makes_a_campaign_that_renders_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "camp"
    created = run("init", str(folder))
    assert created.exit_code == 0

    result = write("--campaign", str(folder), "--template", "example", "--personal", "x")

    assert result.exit_code == 0, result.stderr
    assert "Convention on Cluster Munitions" in result.stdout
    assert "\nReferences\n\n[1] Landmine and Cluster Munition Monitor" in result.stdout
    assert run("init", str(folder)).exit_code == 2  # does not overwrite


def test_campaign_template_replaces_builtin_via_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "letter_templates").mkdir()
    (tmp_path / "letter_templates" / "blank.md.j2").write_text(
        "---\ntitle: Mine\ndescription: d\n---\nDear {{ mp.address_as }}, ours.\n"
    )
    monkeypatch.setenv("ACTKIT_CAMPAIGN", str(tmp_path))

    assert "Dear Clive Lewis, ours." in write("--template", "blank", "--personal", "x").stdout
    assert "Mine [campaign]" in run("templates", "list").stdout


def test_broken_campaign_facts_stop_the_letter(tmp_path: Path) -> None:
    run("init", str(tmp_path / "c"))
    facts = tmp_path / "c" / "facts" / "example.yaml"
    facts.write_text(facts.read_text().replace("verified: true", "verified: maybe"))

    result = write("--campaign", str(tmp_path / "c"), "--template", "example", "--personal", "x")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        f"{facts}:" in result.stderr and "verified: 'maybe' must be true or false" in result.stderr
    )


def test_sandbox_escape_in_a_campaign_template_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "letter_templates").mkdir()
    (tmp_path / "letter_templates" / "evil.md.j2").write_text(
        "---\ntitle: Evil\ndescription: d\n---\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n"
    )

    result = write("--campaign", str(tmp_path), "--template", "evil", "--personal", "x")

    assert result.exit_code == 2
    assert "evil.md.j2:5: refused" in result.stderr
    assert "Traceback" not in result.output


def test_missing_campaign_folder_is_exit_2(tmp_path: Path) -> None:
    result = write("--campaign", str(tmp_path / "nope"), "--template", "blank")

    assert result.exit_code == 2


@pytest.mark.slow
def test_templates_ship_inside_the_installed_wheel(tmp_path: Path) -> None:
    """Build the wheel, install it alone into a folder, and write a letter from it."""
    root = Path(__file__).resolve().parents[1]
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(root),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
        ],
        check=True,
    )
    wheel = next(wheels.glob("actkit-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site), "ACTKIT_HOME": str(tmp_path / "home")}
    probe = subprocess.run(
        [sys.executable, "-m", "actkit", "templates", "list", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    paths = [Path(t["path"]) for t in json.loads(probe.stdout)]
    assert {p.name for p in paths} >= {f"{t}.md.j2" for t in TEMPLATES}
    assert all(site in p.parents for p in paths)
    letter = subprocess.run(
        [sys.executable, "-m", "actkit", *BASE, "--template", "syria-civilians", "--personal", "x"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Dear Clive Lewis," in letter.stdout and "[8] " in letter.stdout


def test_a_template_that_is_not_text_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "letter_templates").mkdir()
    (tmp_path / "letter_templates" / "bad.md.j2").write_bytes(b"---\ntitle: \xff\xfe\n---\n")

    result = write("--campaign", str(tmp_path), "--template", "bad", "--personal", "x")

    assert result.exit_code == 2
    assert "bad.md.j2: cannot read the template: it is not UTF-8 text" in result.stderr


def test_an_output_path_that_cannot_be_written_is_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")

    result = write(
        "--template", "blank", "--personal", "x", "--output", str(blocker / "letter.txt")
    )

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in result.output
