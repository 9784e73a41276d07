"""The gradient table of docs/experiments/04-local-costs.md, from BIMT run directories.

    python docs/experiments/bimt_table.py REFERENCE DIR [DIR ...]

Each DIR is a run of a configs/bimt2023 preset (metrics.csv, champions.npz). Per seed, from its
final network: the test MSE over both outputs; the directed Q of the |W| graph under Mouret's
partition and whether its top-level bisection puts (x1, x3) apart from (x2, x4) (logged); the
invariance score and the fraction of hidden units that read one group only (logged); the
cross-path fraction, the share of the input-to-output path strength |W3| |W2| |W1| that runs
from a group to the other group's output (0 = two disconnected trees, BIMT's picture); the summed
|w| and the wiring cost at the run's final layout (logged). Medians with 95 % bootstrap intervals
over seeds; Mann–Whitney p against REFERENCE. Prints a Markdown table.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from evojax_mod import records
from evojax_mod.experiments.registry import experiment_for

sys.path.insert(0, str(Path(__file__).resolve().parent))
from optimisers_retina_table import print_table  # noqa: E402

COLUMNS = ("test MSE", "Q |W| (Mouret)", "groups split", "invariance", "one-group units", "cross-path fraction",
           "summed |w|", "wiring")


def cross_path_fraction(exp, params) -> float:
    """The share of sum over paths of the product of |w| along them, input i to output k,
    that joins an input of one group to the output of the other (output k reads group k)."""
    strength = np.eye(exp.family.layers[0])
    for kernel in exp.family.kernels(params):
        strength = strength @ np.abs(np.asarray(kernel))
    own = np.zeros_like(strength, bool)
    for k, group in enumerate(exp.problem.input_groups):
        own[list(group), k] = True
    return float(strength[~own].sum() / strength.sum())


def measure(run_dir: Path) -> dict[str, np.ndarray]:
    exp = experiment_for(records.read_config(run_dir))
    metrics = records.read_metrics(run_dir)
    champions = records.read_champions(run_dir)
    last = metrics["generation"] == metrics["generation"].max()
    order = np.argsort(metrics["seed"][last].astype(int))
    row = {name: metrics[name][last][order] for name in exp.metric_names}
    cross = np.array([cross_path_fraction(exp, exp.genome_from_record(champions, s, -1)) for s in range(len(order))])
    return dict(zip(COLUMNS, (row["test_mse"], row["champion_q"], row["champion_left_right"], row["invariance"],
                              row["part1_units"] + row["part2_units"], cross, row["champion_l1"],
                              row["champion_wiring"])))


def main(reference: str, run_dirs: list[str]) -> None:
    print_table({Path(d).name: measure(Path(d)) for d in run_dirs}, Path(reference).name, COLUMNS)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
