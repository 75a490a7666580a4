"""``letter batch --jobs``: letters drafted in several processes are the letters one process
drafts, and stopping, failing and resuming work as they do with one."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from actkit import offline
from actkit.workers import MIN_ROWS_PER_WORKER, worker_count
from tests.test_batch_cli import batch, batch_command, manifest, write_csv


def supporters_of_every_kind(count: int) -> list[list[str]]:
    """Supporters across many seats, with personal words, bad rows, a blank and a repeat."""
    postcodes = [postcode for postcode, _ in offline.run_starts()][::997][:300]
    rows = []
    for i in range(count):
        personal = f"I have cared about this for {i % 30} years.\n\nPlease act." if i % 7 else ""
        rows.append(
            [
                f"Supporter {i}",
                f"{i} Example Street, Town",
                postcodes[i % len(postcodes)],
                "",
                personal,
            ]
        )
    rows[10] = ["", "", "", "", ""]  # blank
    rows[11] = ["Bad Postcode", "1 Street", "NOT A POSTCODE", "", ""]
    rows[12] = list(rows[13])  # a duplicate of the next row
    rows[20][3] = "not an email"
    return rows


def letters_in(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob("*.txt")
        if path.is_file()
    }


def by_row(folder: Path) -> list[dict[str, str]]:
    return sorted(manifest(folder), key=lambda entry: (int(entry["row"]), entry["file"]))


@pytest.mark.parametrize("fmt", ["txt", "md"])
def test_several_processes_write_exactly_what_one_writes(tmp_path: Path, fmt: str) -> None:
    supporters = write_csv(tmp_path / "s.csv", supporters_of_every_kind(1200))

    alone = batch(supporters, tmp_path / "one", "--offline", "--jobs", "1", "--format", fmt)
    shared = batch(supporters, tmp_path / "two", "--offline", "--jobs", "2", "--format", fmt)

    assert alone.exit_code == shared.exit_code == 1  # the bad rows fail in both
    assert alone.stderr == shared.stderr.replace(str(tmp_path / "two"), str(tmp_path / "one"))
    one, two = tmp_path / "one", tmp_path / "two"
    assert by_row(one) == by_row(two)
    files = {p.name for p in two.rglob(f"*.{fmt}")}
    assert len(files) == sum(e["status"] == "ok" for e in manifest(two)) > 1000
    assert {str(p.relative_to(one)): p.read_bytes() for p in one.rglob(f"*.{fmt}")} == {
        str(p.relative_to(two)): p.read_bytes() for p in two.rglob(f"*.{fmt}")
    }
    assert not list(two.rglob(".*"))  # no temporary file left behind


def test_a_problem_every_row_would_meet_stops_every_process_and_resume_finishes(
    tmp_path: Path,
) -> None:
    supporters = write_csv(tmp_path / "s.csv", supporters_of_every_kind(1500))
    out = tmp_path / "o"
    out.mkdir()
    blocker = out / "rows-001000-001999"  # where the second shard's letters go
    blocker.write_text("not a folder")

    stopped = batch(supporters, out, "--offline", "--jobs", "2")

    assert stopped.exit_code == 2
    assert "Traceback" not in stopped.stderr
    problem = [line for line in stopped.stderr.splitlines() if "cannot write to" in line]
    assert len(problem) == 1 and "--resume" in problem[0]
    written = manifest(out)
    assert all(not e["file"].startswith("rows-001000") for e in written)

    blocker.unlink()
    resumed = batch(supporters, out, "--offline", "--jobs", "2", "--resume")

    assert resumed.exit_code == 1  # the bad rows still fail
    rows = sorted(int(e["row"]) for e in manifest(out))
    assert rows == list(range(2, 1502))


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_to_the_whole_terminal_group_stops_cleanly(tmp_path: Path, presses: int) -> None:
    """A terminal sends Ctrl-C to every process of the group: the workers leave it to the
    batch, which stops them after their current letters (or at once, on a second Ctrl-C),
    and --resume finishes."""
    count = 6000
    supporters = write_csv(tmp_path / "s.csv", supporters_of_every_kind(count))
    out = tmp_path / "o"
    command = batch_command(supporters, out, "--jobs", "2")
    env = {**os.environ, "ACTKIT_HOME": str(tmp_path / "home")}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listed = out / "manifest.csv"
        if listed.exists() and len(listed.read_bytes().splitlines()) > 300:
            break
        time.sleep(0.01)
    for _ in range(presses):
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.05)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    entries = manifest(out)
    assert 0 < len(entries) < count
    ok = {e["file"] for e in entries if e["status"] == "ok"}
    if presses == 1:  # stopped at once, a letter may be on disk without its line
        assert set(letters_in(out)) == ok  # every letter listed, every listed letter there
    assert ok <= set(letters_in(out))
    assert not list(out.rglob(".*"))

    resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True, check=False)
    assert resumed.returncode == 1, resumed.stderr  # the bad rows
    assert sorted(int(e["row"]) for e in manifest(out)) == list(range(2, count + 2))
    assert set(letters_in(out)) == {e["file"] for e in manifest(out) if e["status"] == "ok"}


def test_small_batches_use_one_process_and_jobs_is_obeyed() -> None:
    assert worker_count(None, MIN_ROWS_PER_WORKER - 1) == 1
    assert worker_count(3, 10) == 3
    assert 1 <= worker_count(None, 1_000_000) <= 4


def test_a_process_that_cannot_start_stops_the_batch_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import multiprocessing.process

    def refuse(_process: object) -> None:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refuse)
    supporters = write_csv(tmp_path / "s.csv", supporters_of_every_kind(30))

    result = batch(supporters, tmp_path / "o", "--offline", "--jobs", "2")

    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "cannot start a process" in result.stderr and "--jobs 1" in result.stderr
