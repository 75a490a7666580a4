"""Shipped YAML parsed at build time answers exactly as parsing at run time would."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from actkit import events, facts, templates, yamldoc
from actkit.precompile import builtin_documents


def _clear_caches() -> None:
    facts._builtin_facts.cache_clear()
    events._builtin_checklist.cache_clear()
    events._builtin_law.cache_clear()


@pytest.fixture
def precompiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The built-in documents precompiled into a folder that actkit.yamldoc reads."""
    folder = tmp_path / "precompiled"
    yamldoc.precompile(builtin_documents(), folder)
    monkeypatch.setattr(yamldoc, "_precompiled_folder", lambda: folder)
    _clear_caches()
    yield folder
    _clear_caches()


def _parsed_at_run_time(text: str, first_line: int) -> yamldoc.Document:
    return yamldoc.parse_document(text, "x", first_line=first_line)


def test_every_shipped_document_is_stored_and_equal_to_parsing_it(precompiled: Path) -> None:
    documents = list(builtin_documents())
    assert len(list(precompiled.iterdir())) == len(documents)
    # Every facts file, every checklist and the law, and every template's front matter.
    assert len(documents) == (
        len(facts.builtin_fact_files())
        + len(events.builtin_files())
        + len(templates.template_paths(None))
    )
    for text, first_line in documents:
        stored = yamldoc._precompiled(text, first_line)
        assert stored is not None
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(yamldoc, "_precompiled", lambda *_: None)
            parsed = _parsed_at_run_time(text, first_line)
        # repr, not ==: the order of keys (hence of problems and of listings) is kept too.
        assert repr(stored.data) == repr(parsed.data)
        assert stored.lines == parsed.lines


def test_built_ins_load_without_the_yaml_parser(
    precompiled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # any import of yaml now fails

    assert facts.load_facts(None)
    assert len(templates.list_templates(None)) == len(templates.template_paths(None))
    for kind in events.KINDS:
        assert events.load_checklist(kind=kind).kind == kind
    assert events._builtin_law()


def test_only_the_exact_text_is_answered_from_the_store(precompiled: Path) -> None:
    text, first_line = next(builtin_documents())
    assert yamldoc._precompiled(text, first_line) is not None
    assert yamldoc._precompiled(text + "\n", first_line) is None
    assert yamldoc._precompiled(text, first_line + 1) is None
    # A stored file whose text differs (a checksum collision, a stale or edited file).
    [entry] = precompiled.glob(yamldoc._entry_name(text, first_line))
    entry.write_text(entry.read_text().replace("Cited", "Cite", 1))
    assert yamldoc._precompiled(text, first_line) is None


def test_a_problem_keeps_its_file_name_and_line(precompiled: Path) -> None:
    text, first_line = next(t for t in builtin_documents() if t[1] == 2)
    doc = yamldoc.parse_document(text, "blank.md.j2 (built-in)", first_line=first_line)
    problems = yamldoc.Problems(doc)
    problems.add(("title",), "a test problem")
    assert problems.found == ["blank.md.j2 (built-in):2: title: a test problem"]


def test_dates_and_times_round_trip_and_other_values_are_refused(tmp_path: Path) -> None:
    text = (
        "day: 2024-12-08\nwhen: 2024-12-08 10:30:00+01:00\nnone: null\n"
        "n: 3\nx: 1.5\nyes: true\nlist: [a, 2024-01-01]\n"
    )
    binary = "blob: !!binary aGVsbG8=\n"
    assert yamldoc.precompile([(text, 1), (binary, 1)], tmp_path) == 1
    (stored,) = tmp_path.iterdir()
    assert stored.name == yamldoc._entry_name(text, 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamldoc, "_precompiled_folder", lambda: tmp_path)
        doc = yamldoc.parse_document(text, "t")
    assert doc.data == {
        "day": dt.date(2024, 12, 8),
        "when": dt.datetime(2024, 12, 8, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        "none": None,
        "n": 3,
        "x": 1.5,
        "yes": True,
        "list": ["a", dt.date(2024, 1, 1)],
    }
    assert type(doc.data["day"]) is dt.date


def test_precompile_needs_only_the_build_requirements(tmp_path: Path) -> None:
    """hatch_build.py runs it where only hatchling and PyYAML are installed."""
    import subprocess

    probe = f"""
import sys

ALLOWED = {{"actkit", "yaml", "_yaml", *sys.stdlib_module_names}}

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in ALLOWED:
            raise ImportError(f"{{name}} is not a build requirement")
        return None

sys.meta_path.insert(0, Refuse())
from actkit.precompile import main
main([{str(tmp_path / "out")!r}])
"""
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True)
    assert len(list((tmp_path / "out").iterdir())) == len(list(builtin_documents()))
