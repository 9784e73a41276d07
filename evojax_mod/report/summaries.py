"""Per-seed numbers of run directories: metric curves, final values, champion networks and
the text table that compares the final values of several runs.

A run may still be going or may have been killed: only the generations that every seed has
logged count, and the final generation is the latest one present in both metrics.csv and
champions.npz (the two files are replaced one after the other).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod import records
from evojax_mod.engine import Experiment, experiment_for
from evojax_mod.genomes import circuit, layered
from evojax_mod.modularity import leicht_newman, left_right_split
from evojax_mod.report.analysis import read_qm
from evojax_mod.report.stats import bootstrap_ci, mann_whitney

# Retina inputs: node i is pattern bit i; bits 0..3 are the left 2x2 block, 4..7 the right.
LEFT_INPUTS = (0, 1, 2, 3)
RIGHT_INPUTS = (4, 5, 6, 7)


@dataclass(frozen=True)
class ChampionNetwork:
    """One champion as numpy arrays over the spec's E possible edges and N nodes.

    edge_mask: bool [E], the genome's edges. functional: bool [E], the simplified network's
    edges (target reaches the output). weights: float [E], the weight value (0 where absent).
    modules: int [N], Leicht–Newman modules of the simplified network (-1 outside it).
    halves: int [N], its top-level bisection alone (max_depth=1; -1 outside it).
    """

    edge_mask: np.ndarray
    functional: np.ndarray
    weights: np.ndarray
    modules: np.ndarray
    halves: np.ndarray

    @property
    def left_right(self) -> bool:
        """Whether the top-level bisection puts the left and the right inputs apart."""
        return left_right_split(self.halves, LEFT_INPUTS, RIGHT_INPUTS)


def metric_curves(run_dir: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(generations int [T], {metric name: float [S, T]}) over the generations all seeds logged."""
    m = records.read_metrics(run_dir)
    if m["seed"].size == 0:
        raise ValueError(f"run directory '{run_dir}': metrics.csv has no rows yet")
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


def _partition(adjacency: np.ndarray, nodes: np.ndarray, max_depth: int | None) -> np.ndarray:
    """Leicht–Newman labels int [N] of the subgraph on ``nodes`` (bool [N]), -1 elsewhere."""
    keep = np.flatnonzero(nodes)
    labels = np.full(nodes.shape, -1, dtype=int)
    labels[keep] = leicht_newman(adjacency[np.ix_(keep, keep)], max_depth=max_depth)
    return labels


def champion_networks(spec: layered.LayeredSpec, champions: dict[str, np.ndarray],
                      index: int) -> list[ChampionNetwork]:
    """Every seed's champion at position ``index`` of ``champions['generation']``.

    champions: the dict of ``records.read_champions`` (arrays [S, T, ...]).
    """
    genomes = layered.LayeredGenome(
        edge_mask=jnp.asarray(champions["champion_edge_mask"][:, index]),
        weight_index=jnp.asarray(champions["champion_weight_index"][:, index]),
        bias_index=jnp.asarray(champions["champion_bias_index"][:, index]))
    functional = jax.vmap(lambda g: layered.functional_edges(g, spec))(genomes)
    nodes = np.asarray(jax.vmap(lambda e: layered.node_mask(e, spec))(functional))
    functional = np.asarray(functional)
    edge_mask = np.asarray(genomes.edge_mask)
    weights = np.where(edge_mask, np.asarray(spec.weight_values)[np.asarray(genomes.weight_index)], 0.0)
    src, dst = spec.edge_endpoints
    networks = []
    for s in range(edge_mask.shape[0]):
        adjacency = np.zeros((spec.n_nodes, spec.n_nodes), dtype=int)
        adjacency[src[functional[s]], dst[functional[s]]] = 1
        networks.append(ChampionNetwork(
            edge_mask=edge_mask[s], functional=functional[s], weights=weights[s],
            modules=_partition(adjacency, nodes[s], None),
            halves=_partition(adjacency, nodes[s], 1)))
    return networks


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


def shared_generations(generations: np.ndarray, champions: dict[str, np.ndarray]) -> np.ndarray:
    """Generations int [T'] present both in the complete metric curves and in the champions."""
    shared = np.intersect1d(generations, champions["generation"])
    if shared.size == 0:
        raise ValueError("metrics.csv and champions.npz share no logged generation")
    return shared


def xor_motifs(exp, champions: dict[str, np.ndarray], index: int) -> np.ndarray:
    """bool [S]: the champion circuit at snapshot ``index`` computes both XOR sub-goals
    (`circuit.computes_sub_goals`), i.e. it carries Kashtan & Alon's two XOR modules."""
    n_seeds = champions["champion_output"].shape[0]
    return np.array([bool(jnp.all(circuit.computes_sub_goals(exp.recorded_genome(champions, s, index), exp.spec)))
                     for s in range(n_seeds)])


def threshold_left_right(exp, champions: dict[str, np.ndarray], index: int) -> np.ndarray:
    """bool [S]: the top-level Leicht–Newman bisection of each threshold-net champion's
    active graph puts the left and the right pixels apart."""
    n_seeds = champions["champion_values"].shape[0]
    split = []
    for s in range(n_seeds):
        adjacency, nodes = (np.asarray(a) for a in exp.graph(exp.recorded_genome(champions, s, index)))
        split.append(left_right_split(_partition(adjacency.astype(int), nodes, 1), LEFT_INPUTS, RIGHT_INPUTS))
    return np.array(split, dtype=bool)


def logged_generations(run_dir: Path) -> np.ndarray:
    """Generations present for every seed in both metrics.csv and champions.npz, int [T]."""
    generations, _ = metric_curves(Path(run_dir))
    return shared_generations(generations, records.read_champions(Path(run_dir)))


def final_table(run_dir: Path, generation: int | None = None) -> dict:
    """Per-seed values at ``generation`` (default: the run's final generation, the latest in
    both records).

    Returns a dict with: name (str), generation (int), seeds (int), rows (the table rows of
    the task), and float [S] arrays q (Leicht–Newman Q of the champion's functional graph),
    modules, performance (fraction of patterns right), generations_to_perfect (NaN when
    never), plus qm when RUN/analysis.json holds Qm for this generation. Retina runs add cost
    (squared edge length after optimal placement, coordinate units squared), edges (genome
    edges), functional_edges and left_right bool [S]; circuit runs add gates (active gates)
    and xor_modules bool [S]; threshold-net runs add neurons (active neurons), all_patterns
    (champion's fraction right on all 256 patterns) and left_right bool [S].
    """
    run_dir = Path(run_dir)
    generations, curves = metric_curves(run_dir)
    champions = records.read_champions(run_dir)
    shared = shared_generations(generations, champions)
    final = int(shared[-1]) if generation is None else int(generation)
    if final not in shared:
        raise ValueError(f"generation {final} is not logged in {run_dir}; latest: {int(shared[-1])}")
    t = snapshot_index(generations, final)
    config = records.read_config(run_dir)
    first_perfect = curves["first_perfect_generation"][:, t]
    table = {
        "name": config.name,
        "generation": final,
        "seeds": first_perfect.size,
        "q": curves["champion_q"][:, t],
        "modules": curves["champion_modules"][:, t],
        "performance": curves["champion_performance"][:, t],
        "generations_to_perfect": np.where(first_perfect < 0, np.nan, first_perfect),
    }
    qm = read_qm(run_dir, final)
    at = snapshot_index(champions["generation"], final)
    if config.genome.kind == "circuit":
        table.update(gates=curves["champion_gates"][:, t], rows=CIRCUIT_ROWS,
                     xor_modules=xor_motifs(experiment_for(config), champions, at))
    elif config.genome.kind == "threshold":
        table.update(neurons=curves["champion_neurons"][:, t], all_patterns=curves["champion_all_patterns"][:, t],
                     left_right=threshold_left_right(experiment_for(config), champions, at), rows=THRESHOLD_ROWS)
    else:
        spec = Experiment(config).spec
        networks = champion_networks(spec, champions, at)
        table.update(cost=curves["champion_cost"][:, t], edges=curves["champion_edges"][:, t],
                     functional_edges=curves["champion_functional_edges"][:, t],
                     left_right=np.array([n.left_right for n in networks], dtype=bool), rows=TABLE_ROWS)
    if qm is not None:
        table["qm"], table["qm_label"] = qm
    return table


def run_labels(run_dirs: list[Path], names: list[str]) -> list[str]:
    """One distinct label per run: the config names, else the directory names, else paths."""
    for labels in (names, [Path(d).name for d in run_dirs]):
        if len(set(labels)) == len(labels):
            return list(labels)
    return [str(d) for d in run_dirs]


# (row label, final_table key) per task. Numbers are medians over seeds. The Qm row appears
# when every run has an analysis.json for the compared generation (`evojax-mod analyze`).
CIRCUIT_ROWS = (
    ("final Q (Leicht-Newman, directed)", "q"),
    ("modules", "modules"),
    ("active gates", "gates"),
    ("performance (current goal)", "performance"),
    ("generations to solution", "generations_to_perfect"),
    ("two XOR modules (fraction)", "xor_modules"),
)
THRESHOLD_ROWS = (
    ("final Q (Leicht-Newman, directed)", "q"),
    ("modules", "modules"),
    ("active neurons", "neurons"),
    ("performance (environment, current goal)", "performance"),
    ("performance (all 256 patterns)", "all_patterns"),
    ("generations to solution", "generations_to_perfect"),
    ("left/right split (fraction)", "left_right"),
)
TABLE_ROWS = (
    ("final Q", "q"),
    ("cost (optimal-placement sq. length)", "cost"),
    ("edges", "edges"),
    ("performance", "performance"),
    ("generations to perfect", "generations_to_perfect"),
    ("left/right split (fraction)", "left_right"),
)


def _number(v: float) -> str:
    """3 significant digits, whole numbers from 100 up (generation counts, costs)."""
    if not np.isfinite(v):
        return "n/a"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:#.3g}"


def _p_value(p: float) -> str:
    return "n/a" if np.isnan(p) else f"{p:.2g}"


def _cell(key: str, values: np.ndarray) -> str:
    """'median [low, high]' with a 95% bootstrap CI; counts where a row is about a fraction."""
    n = values.size
    if key in ("left_right", "xor_modules"):
        fraction, low, high = bootstrap_ci(values.astype(float), np.mean)
        return f"{_number(fraction)} [{_number(low)}, {_number(high)}] ({int(values.sum())}/{n})"
    median, low, high = bootstrap_ci(values)
    text = f"{_number(median)} [{_number(low)}, {_number(high)}]"
    if key == "generations_to_perfect":
        reached = int(np.sum(~np.isnan(values)))
        text = (text if reached else "never") + f" ({reached}/{n} reached)"
    return text


def _test_values(key: str, values: np.ndarray) -> np.ndarray:
    """Values for the rank test. A seed that never reached a perfect network ranks as the
    slowest (inf) instead of being dropped, so a run that rarely succeeds is not flattered."""
    if key == "generations_to_perfect":
        return np.where(np.isnan(values), np.inf, values)
    return values.astype(float)


def compare_table(tables: list[dict], labels: list[str], markdown: bool = False) -> str:
    """Text table of final values: one row per entry of the tables' rows, one column per run
    ("median [95% CI]" over seeds), plus a two-sided Mann–Whitney p column for two runs.

    tables: ``final_table`` dicts; labels: one column title per run. Plain text is aligned
    with spaces; ``markdown=True`` gives a GitHub-flavoured Markdown table.
    """
    header = ["", *labels] + (["p (Mann-Whitney)"] if len(tables) == 2 else [])
    rows = [["seeds @ final generation", *(f"{t['seeds']} @ {t['generation']}" for t in tables)]
            + ([""] if len(tables) == 2 else [])]
    if len({t["rows"] for t in tables}) != 1:
        raise ValueError("runs of different tasks cannot share one table")
    qm_labels = {t.get("qm_label") for t in tables}
    qm_row = ((qm_labels.pop(), "qm"),) if all("qm" in t for t in tables) and len(qm_labels) == 1 else ()
    for title, key in tables[0]["rows"] + qm_row:
        row = [title, *(_cell(key, t[key]) for t in tables)]
        if len(tables) == 2:
            row.append(_p_value(mann_whitney(*(_test_values(key, t[key]) for t in tables))))
        rows.append(row)
    if markdown:
        lines = [header, ["---"] * len(header), *rows]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() for cells in lines)
