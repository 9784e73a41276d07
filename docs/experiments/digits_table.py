"""The tables of docs/experiments/01-rmvg-digits.md and 06-size.md, from run directories.

    python docs/experiments/digits_table.py REFERENCE DIR [DIR ...]

Each DIR is a run directory of a digit-pair experiment (metrics.csv, champions.npz), with the
adaptation.json of `evojax-mod adapt DIR --goal '[-1, 2]'` and the measures.csv of
`evojax-mod analyze DIR --measures louvain,coact,mi` where they were measured (else those
columns are empty). Per seed, from its final champion: the test R² on the run's last goal
(1 - test MSE / variance of that goal's test targets, so goals of different scales compare),
the directed Q of the |W| graph under Mouret's partition (logged) and Louvain's (measures.csv),
the invariance score and the fraction of hidden units that read one digit only (logged), the
coactivation n-cut and the mean MI between the two top-level modules' units (measures.csv),
the steps to the first solved training error (training MSE <= problem.solved_mse) and the
adaptation steps to the held-out goal. Medians with 95 % bootstrap intervals over seeds;
Mann–Whitney p against REFERENCE. Prints a Markdown table.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from evojax_mod import evolvability, records
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.report.measured import read_measures

sys.path.insert(0, str(Path(__file__).resolve().parent))
from optimisers_retina_table import print_table  # noqa: E402

COLUMNS = ("test R²", "Q |W| (Mouret)", "Q |W| (Louvain)", "invariance", "one-digit units", "coact n-cut",
           "MI between modules", "steps to solved", "adapt to held-out")


def measure(run_dir: Path) -> dict[str, np.ndarray]:
    config = records.read_config(run_dir)
    exp = experiment_for(config)
    metrics = records.read_metrics(run_dir)
    last = metrics["generation"] == metrics["generation"].max()
    order = np.argsort(metrics["seed"][last].astype(int))
    row = {name: metrics[name][last][order] for name in exp.metric_names}
    n = len(order)
    names = exp.problem.coefficient_names
    goals = np.stack([row[f"goal_{name}"] for name in names], axis=1)
    _, parts = exp.problem.split("test")
    variance = np.array([np.var(np.asarray(parts) @ g) for g in goals])
    r2 = 1 - row["test_mse"] / variance
    generation = int(metrics["generation"].max())
    measured = read_measures(run_dir, generation, n) or {}
    empty = np.full(n, np.nan)
    adapted = evolvability.read_adaptation(run_dir, generation, n)
    first = row["first_solved_generation"]
    return dict(zip(COLUMNS, (r2, row["champion_q"], measured.get("louvain", empty), row["invariance"],
                              row["part1_units"] + row["part2_units"], measured.get("coact_ncut", empty),
                              measured.get("mi", empty), np.where(first >= 0, first, np.nan),
                              adapted[0] if adapted else empty)))


def main(reference: str, run_dirs: list[str]) -> None:
    print_table({Path(d).name: measure(Path(d)) for d in run_dirs}, Path(reference).name, COLUMNS)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
