"""Drafting a batch's letters in several processes, one per CPU core.

Rendering and writing a letter is Python work: one process keeps one core busy. A batch
with many rows forks worker processes once its lookups are done; worker ``k`` of ``n``
drafts the supporters on rows ``k``, ``k + n``, ... (each row's letters stay together) and
sends each row's result back; this process keeps the manifest, the counts and the
progress, exactly as when it drafts alone.

Workers are forked, not spawned: they start with the checked template, the answers and
the warm caches, and nothing is pickled but the results. Stopping works as for one
process: asked to stop (Ctrl-C), each worker ends after its current letter and reports
what it finished; stopped at once (a second Ctrl-C), they are ended and ``--resume``
finishes the rest. Letters on disk that never reached the manifest are removed and
written again by ``--resume`` (``batch._remove_unlisted_drafts``).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from actkit.drafting import BatchStopped

if TYPE_CHECKING:
    import threading
    from multiprocessing.synchronize import Event

    from actkit.drafting import Job

MAX_WORKERS = 4
"""More rarely helps: the disk and this process's manifest keep up with about four."""
MIN_ROWS_PER_WORKER = 500
"""Below this, starting a process costs more than it saves."""
_SEND_EVERY = 0.05
"""Seconds between a worker's reports (so progress and the manifest keep moving)."""
_SEND_ROWS = 256
_CHECK_HALT_EVERY = 16
"""Rows between a worker's looks at the halt flag (each look takes a lock)."""
_GRACE_SECONDS = 5.0


def worker_count(requested: int | None, rows: int) -> int:
    """Processes to draft ``rows`` rows with: ``requested`` (``--jobs``), else one per
    usable core up to ``MAX_WORKERS``; 1 (this process alone) for small batches and where
    processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # Windows: a spawned worker would have to re-check everything
    if requested is not None:
        return max(1, requested)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_WORKERS, rows // MIN_ROWS_PER_WORKER))


StripeJobs = Callable[[int, int], Iterator["Job"]]
"""``jobs(k, n)``: the jobs of worker ``k`` of ``n``, ready to draft (MPs known)."""
DraftRow = Callable[["Job"], tuple[str, str]]
"""Drafts one job in a worker, counting it there: (its manifest line, its row)."""


class Results(Protocol):
    """Where this process takes the workers' results."""

    def lines(self, text: str, rows: int) -> None:
        """Manifest lines for ``rows`` finished rows."""

    def tally(self, counted: Any) -> None:
        """A worker's own counts, when it ends."""


def draft_in_processes(
    jobs: StripeJobs,
    draft: DraftRow,
    counts: Any,
    workers: int,
    results: Results,
    stop: threading.Event | None,
) -> bool:
    """Draft every job in ``workers`` forked processes.

    Each worker drafts with ``draft``, which also counts into the worker's copy of
    ``counts``; its manifest lines come back in bundles and its counts when it ends, both
    handed to ``results``. Returns True when ``stop`` ended the run before every job was
    drafted. Raises ``BatchStopped`` when a worker met a problem every row would meet.
    """
    context = multiprocessing.get_context("fork")
    halt = context.Event()
    # Anything still buffered is printed now, once, not lost in the workers' copies.
    sys.stdout.flush()
    sys.stderr.flush()
    # Objects made so far are left out of the workers' garbage collections: a collection
    # touches every object it looks at, which would copy the whole inherited memory into
    # each worker (the copy-on-write pages fork shares).
    gc.freeze()
    connections: list[Connection] = []
    processes = []
    collected = False
    try:
        for index in range(workers):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_work,
                args=(jobs(index, workers), draft, counts, sender, halt),
                name=f"actkit-letters-{index + 1}",
                daemon=True,
            )
            try:
                process.start()
            except OSError as error:  # no memory or process slots left for another
                raise BatchStopped(
                    f"cannot start a process to write letters ({error.strerror or error}); "
                    "run the same command with --resume --jobs 1 to finish in this one"
                ) from None
            sender.close()  # the worker holds the only sending end: EOF when it ends
            connections.append(receiver)
            processes.append(process)
        interrupted = _collect(connections, results, stop, halt)
        collected = True
        return interrupted
    finally:
        halt.set()
        # Stopped at once (a second Ctrl-C) or failing here: nobody reads the workers'
        # results any more, so they are ended now rather than waited for.
        deadline = time.monotonic() + (_GRACE_SECONDS if collected else 0.0)
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():  # stopped at once, or stuck: end it (it ignores SIGTERM)
                process.kill()
                process.join()
        for connection in connections:
            connection.close()
        gc.unfreeze()


def _collect(
    connections: list[Connection],
    results: Results,
    stop: threading.Event | None,
    halt: Event,
) -> bool:
    """Take every worker's results until all have finished; see ``draft_in_processes``."""
    waiting = list(connections)
    interrupted = False
    problem: str | None = None
    while waiting:
        if stop is not None and stop.is_set():
            halt.set()
        for connection in wait(waiting, timeout=0.1):
            assert isinstance(connection, Connection)
            try:
                message = connection.recv()
            except EOFError:  # ended without saying why: killed, or out of memory
                waiting.remove(connection)
                problem = problem or (
                    "a letter-writing process ended unexpectedly (out of memory?); run the "
                    "same command with --resume to finish"
                )
                halt.set()
                continue
            if message[0] == "rows":
                results.lines(message[1], message[2])
                continue
            waiting.remove(connection)
            kind, detail, counted = message
            results.tally(counted)
            if kind == "done":
                interrupted = interrupted or bool(detail)
            else:  # "stopped": the disk or the folder; no other row would do better
                problem = problem or str(detail)
                halt.set()
    if problem is not None:
        raise BatchStopped(problem)
    return interrupted


def _work(
    jobs: Iterator[Job], draft: DraftRow, counts: Any, sender: Connection, halt: Event
) -> None:
    """A worker: draft its jobs, sending manifest lines in bundles; then its counts."""
    # Ctrl-C (and a SIGTERM to the whole group) reaches every process of the group: the
    # parent alone decides, and halts the workers so that the manifest keeps up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # A worker prints nothing; the streams it inherited (perhaps mid-write by the progress
    # bar's thread when it was forked) are left alone, never flushed twice.
    sys.stdout = sys.stderr = Path(os.devnull).open("w")  # noqa: SIM115  # for its life
    parent = os.getppid()
    lines: list[str] = []
    rows, last_row = 0, ""
    sent = time.monotonic()
    ending: tuple[str, Any] = ("done", False)
    try:
        for count, job in enumerate(jobs):
            if count % _CHECK_HALT_EVERY == 0 and (halt.is_set() or os.getppid() != parent):
                ending = ("done", True)  # rows left (or the parent was killed): --resume
                break
            line, row = draft(job)
            lines.append(line)
            if row != last_row:  # a row's letters (batch --to) come one after another
                rows, last_row = rows + 1, row
            now = time.monotonic()
            if len(lines) >= _SEND_ROWS or now - sent >= _SEND_EVERY:
                sender.send(("rows", "".join(lines), rows))
                lines, rows, sent = [], 0, now
    except BatchStopped as error:
        ending = ("stopped", str(error))
    except BaseException as error:  # said in the parent, as one line
        message = f"unexpected error while writing letters ({type(error).__name__}: {error})"
        ending = ("stopped", f"{message}; run the same command with --resume to finish")
    with contextlib.suppress(OSError):  # the parent has gone: nothing to tell
        sender.send(("rows", "".join(lines), rows))
        sender.send((*ending, counts))
        sender.close()
