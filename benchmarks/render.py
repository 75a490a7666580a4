"""Benchmark one letter's render and each output format, with the sandbox's limits on.

    python benchmarks/render.py              # 2,000 letters per measurement
    python benchmarks/render.py --letters 500

Prints letters per second for a full template render (the path ``letter write`` and
templates that transform the sender's values take), for the substitution path that batches
use, and for each output format; then the cost of a refused template (the limit checks
answering before the work is done). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from datetime import date

from actkit import offline
from actkit.errors import TemplateLimit
from actkit.facts import load_facts
from actkit.formats.letters import FORMATS, render
from actkit.letters import Letter, LetterRenderer, Sender
from actkit.models import Constituency
from actkit.sandbox import BoundedSandbox, render_bounded
from actkit.templates import load_template

DAY = date(2026, 11, 25)
SEAT = Constituency("Norwich South", "E14001409")


def per_second(count: int, action: Callable[[int], object]) -> float:
    started = time.perf_counter()
    for index in range(count):
        action(index)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=2_000)
    count = parser.parse_args().letters
    mp = offline.mp_for(SEAT.gss_code)
    assert mp is not None
    renderer = LetterRenderer(load_template("syria-civilians", None), load_facts())

    def letter(index: int) -> Letter:
        sender = Sender(
            f"Supporter {index}", ("1 High Street", "Norwich"), "NR2 1AB", "a@example.org"
        )
        return renderer.render(
            mp=mp, constituency=SEAT, sender=sender, personal=f"Words {index}.", letter_date=DAY
        )

    print(f"substitution path: {per_second(count, letter):,.0f} letters/s")
    renderer._plain_row_values = False
    print(f"full render:       {per_second(count, letter):,.0f} letters/s")
    renderer._plain_row_values = True
    sample = letter(0)
    for fmt in FORMATS:
        rate = per_second(max(count // 10, 10), lambda _index, f=fmt: render(sample, f))
        print(f"format {fmt:<5}      {rate:,.0f} letters/s")

    environment = BoundedSandbox()
    compiled = environment.from_string('{{ "a" * 10**9 }}')

    def refused(_index: int) -> None:
        with contextlib.suppress(TemplateLimit):
            render_bounded(compiled, {})

    print(f"refused template:  {per_second(count, refused):,.0f} refusals/s")


if __name__ == "__main__":
    main()
