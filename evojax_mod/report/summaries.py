"""Per-seed numbers of run directories: metric curves, final values, champion networks and
the text table that compares the final values of several runs.

Everything is read through the experiment interface (`experiments.base`): the metric specs
say which columns are tabulated and how, the network view gives each champion's graph, and
the champion measures below work on any genome.

A run may still be going or may have been killed: only the generations that every seed has
logged count, and the final generation is the latest one present in both metrics.csv and
champions.npz (the two files are replaced one after the other).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evojax_mod import records, treepaths
from evojax_mod.records import RunError
from evojax_mod.evolvability import read_adaptation
from evojax_mod.experiments.base import Network
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.modularity import left_right_split
from evojax_mod.report.analysis import read_qm
from evojax_mod.report.measured import read_measures
from evojax_mod.report.runfiles import run_champions, run_metrics
from evojax_mod.report.stats import bootstrap_ci, mann_whitney
from evojax_mod.tasks import sub_goal_detectors


@dataclass(frozen=True)
class ChampionNetwork:
    """One champion's network view with its partitions.

    network: `experiments.base.Network`. modules: int [N], Leicht–Newman modules of the
    network that reaches the output (-1 outside it). halves: int [N], its top-level bisection
    alone (max_depth=1; -1 outside it).
    """

    network: Network
    modules: np.ndarray
    halves: np.ndarray

    def splits(self, groups) -> bool:
        """Whether the top-level bisection puts two input groups (node indices) apart."""
        return left_right_split(self.halves, *groups)


def metric_curves(run_dir: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(generations int [T], {metric name: float [S, T]}) over the generations all seeds logged."""
    m = run_metrics(run_dir)
    if m["seed"].size == 0:
        raise records.damaged(Path(run_dir) / records.METRICS, "it has no rows")
    seeds = m["seed"].astype(int)
    n_seeds = seeds.max() + 1
    all_generations, t = np.unique(m["generation"].astype(int), return_inverse=True)
    present = np.zeros((n_seeds, all_generations.size), bool)
    present[seeds, t] = True
    complete = present.all(axis=0)
    curves = {}
    for name, column in m.items():
        if name in ("seed", "generation"):
            continue
        grid = np.full(present.shape, np.nan)
        grid[seeds, t] = column
        curves[name] = grid[:, complete]
    return all_generations[complete], curves


def champion_network(exp, genome) -> ChampionNetwork:
    return ChampionNetwork(network=exp.network(genome), modules=exp.modules(genome),
                           halves=exp.modules(genome, top_only=True))


def champion_networks(exp, champions: dict[str, np.ndarray], index: int) -> list[ChampionNetwork]:
    """Every seed's champion at position ``index`` of ``champions['generation']``.

    champions: the dict of ``records.read_champions`` (arrays [S, T, ...]).
    """
    n_seeds = champions[f"champion_{treepaths.leaf_names(exp.champion_template)[0]}"].shape[0]
    return [champion_network(exp, exp.genome_from_record(champions, s, index)) for s in range(n_seeds)]


def left_right(exp, genome) -> float:
    """1.0 when the top-level bisection of the champion's network puts the task's two input
    parts apart (Clune 2013's left/right decomposition); NaN for tasks without exactly two
    distinct input groups."""
    groups = exp.task.input_parts
    if len(groups) != 2:
        return np.nan
    return float(champion_network(exp, genome).splits(groups))


def sub_goal_modules(exp, genome) -> float:
    """1.0 when, for every sub-goal of the task, some node of the champion's network computes it
    or its complement on every pattern (node value > 0 read as true): Kashtan & Alon's XOR
    modules, for any task and genome."""
    network = exp.network(genome)
    values = exp.activations(genome) > 0
    return float(np.all(sub_goal_detectors(values, exp.task, network.nodes)))


# Champion measures by name (`Experiment.champion_measures`): (row label, function of the
# experiment and one genome returning 0/1 or NaN).
CHAMPION_MEASURES = {
    "left_right": ("left/right split (fraction)", left_right),
    "sub_goal_modules": ("sub-goal modules (fraction)", sub_goal_modules),
}


def snapshot_index(logged: np.ndarray, generation: int) -> int:
    """Position of ``generation`` in the logged generations int [T]; a negative value counts
    snapshots from the end (-1 = the latest)."""
    if generation < 0:
        if -generation > logged.size:
            raise ValueError(f"generation {generation}: only {logged.size} snapshots are logged")
        return logged.size + generation
    hits = np.flatnonzero(logged == generation)
    if hits.size == 0:
        raise ValueError(f"generation {generation} is not logged; logged: {logged.tolist()}")
    return int(hits[0])


def shared_generations(generations: np.ndarray, champions: dict[str, np.ndarray],
                       run_dir: Path | str = "RUN") -> np.ndarray:
    """Generations int [T'] present both in the complete metric curves and in the champions
    (of ``run_dir``, which a RunError names when they share none)."""
    shared = np.intersect1d(generations, champions["generation"])
    if shared.size == 0:
        raise RunError(f"run directory '{run_dir}': metrics.csv and champions.npz share no logged generation "
                       f"(one is another run's?); `evojax-mod resume {run_dir}` writes both again from "
                       f"checkpoint.npz")
    return shared


def logged_generations(run_dir: Path) -> np.ndarray:
    """Generations present for every seed in both metrics.csv and champions.npz, int [T]."""
    generations, _ = metric_curves(Path(run_dir))
    return shared_generations(generations, run_champions(run_dir), run_dir)


def final_table(run_dir: Path, generation: int | None = None) -> dict:
    """Per-seed values at ``generation`` (default: the run's final generation, the latest in
    both records).

    Returns a dict with name (str), generation (int), seeds (int), rows (tuple of (title, key,
    summary) for the table, from the experiment's metric specs and champion measures), and
    one float array [S] per row key: every tabulated metric by its column name (generation
    counts NaN where never reached), every champion measure (0/1, NaN where undefined),
    qm when RUN/analysis.json holds Qm for this generation, adaptation when
    RUN/adaptation.json holds adaptation times measured from it (`evolvability.adapt_run`), and
    measured_<column> for every column of RUN/measures.csv written for it (`analyze --measures`).
    """
    run_dir = Path(run_dir)
    generations, curves = metric_curves(run_dir)
    champions = run_champions(run_dir)
    shared = shared_generations(generations, champions, run_dir)
    final = int(shared[-1]) if generation is None else int(generation)
    if final not in shared:
        raise ValueError(f"generation {final} is not logged in {run_dir}; latest: {int(shared[-1])}")
    t = snapshot_index(generations, final)
    config = records.read_config(run_dir)
    exp = experiment_for(config)
    rows = tuple((m.label, m.name, m.summary) for m in exp.metric_specs if m.summary != "none")
    table = {"name": config.name, "generation": final}
    for _, key, summary in rows:
        values = curves[key][:, t]
        table[key] = np.where(values < 0, np.nan, values) if summary == "generation" else values
    table["seeds"] = curves[rows[0][1]].shape[0]
    at = snapshot_index(champions["generation"], final)
    genomes = [exp.genome_from_record(champions, s, at) for s in range(table["seeds"])]
    for name in exp.champion_measures:
        title, measure = CHAMPION_MEASURES[name]
        values = np.array([measure(exp, g) for g in genomes])
        if np.all(np.isnan(values)):
            continue
        table[name] = values
        rows += ((title, name, "fraction"),)
    qm = read_qm(run_dir, final, table["seeds"])
    if qm is not None:
        table["qm"], table["qm_label"] = qm
    adapted = read_adaptation(run_dir, final, table["seeds"])
    if adapted is not None:
        table["adaptation"], table["adaptation_label"] = adapted
    for column, values in (read_measures(run_dir, final, table["seeds"]) or {}).items():
        table[f"measured_{column}"] = values
        rows += ((f"{column} (analyze --measures)", f"measured_{column}", "median"),)
    table["rows"] = rows
    table["panels"] = [(m.name, m.label) for m in exp.metric_specs if "compare" in m.figures]
    if "qm" in table:
        table["panels"].insert(1, ("qm", "Qm"))
    if config.sweep.key:
        setting = config.sweep.key.rsplit(".", 1)[1]
        table["sweep"] = (setting, curves[setting][:, t])
    return table


def split_sweep(table: dict) -> list[tuple[str, dict]]:
    """A table of a sweep run as one (label suffix, table) per swept value, each holding that
    value's seeds (in the order swept); [("", table)] for any other run."""
    if "sweep" not in table:
        return [("", table)]
    setting, values = table["sweep"]
    parts = []
    for value in dict.fromkeys(values.tolist()):
        chosen = values == value
        part = {k: (v[chosen] if isinstance(v, np.ndarray) and v.shape == values.shape else v)
                for k, v in table.items() if k != "sweep"}
        part["seeds"] = int(chosen.sum())
        parts.append((f" {setting}={value:g}", part))
    return parts


def run_labels(run_dirs: list[Path], names: list[str]) -> list[str]:
    """One distinct label per run: the config names, else the directory names, else paths."""
    for labels in (names, [Path(d).name for d in run_dirs]):
        if len(set(labels)) == len(labels):
            return list(labels)
    return [str(d) for d in run_dirs]


def _number(v: float) -> str:
    """3 significant digits, whole numbers from 100 up (generation counts, costs)."""
    if not np.isfinite(v):
        return "n/a"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:#.3g}"


def _p_value(p: float) -> str:
    return "n/a" if np.isnan(p) else f"{p:.2g}"


def _cell(summary: str, values: np.ndarray) -> str:
    """'median [low, high]' with a 95% bootstrap CI; counts where a row is about a fraction."""
    n = values.size
    if summary == "fraction":
        values = values[~np.isnan(values)]
        fraction, low, high = bootstrap_ci(values.astype(float), np.mean)
        return f"{_number(fraction)} [{_number(low)}, {_number(high)}] ({int(values.sum())}/{values.size})"
    median, low, high = bootstrap_ci(values)
    text = f"{_number(median)} [{_number(low)}, {_number(high)}]"
    if summary == "generation":
        reached = values[~np.isnan(values)]
        text = (text if reached.size else "never") + f" ({reached.size}/{n} reached{_quartile_spread(reached)})"
    return text


def _quartile_spread(reached: np.ndarray) -> str:
    """'; quartiles +a, −b': the upper and lower quartiles' distances from the median of the
    runs that reached the generation, the spread Kashtan & Alon 2005 give ("9 000 (+19 000,
    −2 000)"); empty for fewer than two such runs."""
    if reached.size < 2:
        return ""
    lower, median, upper = np.percentile(reached, [25, 50, 75])
    return f"; quartiles +{_number(upper - median)}, −{_number(median - lower)}"


def _test_values(summary: str, values: np.ndarray) -> np.ndarray:
    """Values for the rank test. A seed that never reached a perfect network ranks as the
    slowest (inf) instead of being dropped, so a run that rarely succeeds is not flattered."""
    if summary == "generation":
        return np.where(np.isnan(values), np.inf, values)
    return values.astype(float)


def compare_table(tables: list[dict], labels: list[str], markdown: bool = False) -> str:
    """Text table of final values: one row per entry of any table's rows, one column per run
    ("median [95% CI]" over seeds), then two-sided Mann–Whitney p columns: for two runs one
    ("p (Mann-Whitney)"), for more each later run against the first ("p LABEL vs FIRST").

    tables: ``final_table`` dicts; labels: one column title per run. Plain text is aligned
    with spaces; ``markdown=True`` gives a GitHub-flavoured Markdown table.
    """
    others = range(1, len(tables))
    p_titles = ["p (Mann-Whitney)"] if len(tables) == 2 else [f"p {labels[i]} vs {labels[0]}" for i in others]
    header = ["", *labels, *p_titles]
    rows = [["seeds @ final generation", *(f"{t['seeds']} @ {t['generation']}" for t in tables)]
            + [""] * len(p_titles)]
    # every row any run has, in the first run's order, then the later runs' own (a fixed goal
    # has no re-adaptation rows, MVG has); a run without a row shows a dash there
    every_row, seen = (), set()
    for t in tables:
        for entry in t["rows"]:
            if entry[1] not in seen:
                seen.add(entry[1])
                every_row += (entry,)
    optional = ()  # rows from analysis files, shown when the runs that have them made them the same way
    for key, summary in (("qm", "median"), ("adaptation", "generation")):
        labels_of = {t[f"{key}_label"] for t in tables if key in t}
        if len(labels_of) == 1:
            optional += ((labels_of.pop(), key, summary),)
    for title, key, summary in every_row + optional:
        row = [title, *(_cell(summary, t[key]) if key in t else "—" for t in tables)]
        first = _test_values(summary, tables[0][key]) if key in tables[0] else None
        row += [_p_value(mann_whitney(first, _test_values(summary, tables[i][key])))
                if first is not None and key in tables[i] else "n/a" for i in others]
        rows.append(row)
    if markdown:  # a "|" inside a cell (a goal such as "A | B") would end the cell
        lines = [[c.replace("|", "\\|") for c in cells] for cells in (header, ["---"] * len(header), *rows)]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() for cells in lines)
