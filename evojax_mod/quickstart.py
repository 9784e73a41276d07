"""The first look: Clune 2013's PA and P&CC side by side, small enough for a laptop.

    from evojax_mod.quickstart import quickstart
    outcome = quickstart("runs/quickstart")
    print(outcome.table)

Runs the presets ``quickstart/pa`` and ``quickstart/pcc`` (same seeds and sizes, only the
connection cost differs) into OUT/pa and OUT/pcc, resuming either where it was left, then
writes each run's figures and the comparison (OUT/compare.png). The presets are sized by
measurement (docs/replications.md, quickstart): on a 2-core CPU the pair runs in about three
minutes, and P&CC's champions come out more modular than PA's.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evojax_mod import report, runner
from evojax_mod.config import load_config

TREATMENTS = ("pa", "pcc")


@dataclass(frozen=True)
class Quickstart:
    """What `quickstart` made: the two runs' results (PA first), the comparison table (plain
    text, PA's column first) and every figure written."""
    results: tuple
    table: str
    figures: tuple[Path, ...]


def quickstart(out: str | Path, *, seeds: int | None = None, generations: int | None = None,
               population: int | None = None, overrides: dict | None = None, progress: bool = True,
               seed_batch: int | None = None) -> Quickstart:
    """Run (or finish) both treatments into ``out``/pa and ``out``/pcc and compare them.
    seeds, generations, population, overrides (dotted keys): applied to both presets alike."""
    out = Path(out)
    results = []
    for name in TREATMENTS:
        config = load_config(f"quickstart/{name}", seeds=seeds, generations=generations, population=population,
                             overrides=overrides)
        # resume: continue where a kill left it, or start it when nothing of it was saved yet
        results.append(runner.run(config, out / name, resume=True, progress=progress, seed_batch=seed_batch))
    run_dirs = [out / name for name in TREATMENTS]
    table, compare_figure = report.compare(run_dirs, out)
    figures = tuple(p for d in run_dirs for p in report.report(d)) + (compare_figure,)
    return Quickstart(tuple(results), table, figures)
