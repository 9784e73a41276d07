"""Final tables, figures and run comparisons on synthetic run directories (no evolution)."""
import json
import shutil
from pathlib import Path

import jax
import numpy as np
import pytest

from evojax_mod import records
from evojax_mod.config import config_from_dict
from evojax_mod.experiments.clune import METRICS, CluneExperiment
from evojax_mod.genomes import layered
from evojax_mod.report import compare, final_table, plot_champions, report
from evojax_mod.report import summaries
from evojax_mod.report.summaries import champion_networks

METRIC_NAMES = tuple(m.name for m in METRICS)

SEEDS, LOG_EVERY, N_LOGS = 6, 10, 3
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def config(name):
    return config_from_dict({"name": name, "run": {
        "population": 4, "seeds": SEEDS, "generations": LOG_EVERY * (N_LOGS - 1),
        "log_every": LOG_EVERY, "checkpoint_every": LOG_EVERY}})


def random_champions(spec, seed):
    """Random genomes [S, T, ...] as the champions dict ``write_records`` takes."""
    keys = jax.random.split(jax.random.PRNGKey(seed), SEEDS * N_LOGS)
    genomes = jax.vmap(lambda k: layered.init(k, spec))(keys)
    return {name: np.asarray(v).reshape(SEEDS, N_LOGS, -1) for name, v in vars(genomes).items()}


def synthetic_rows(champions, q_level, seed):
    """Metric rows float [S, T, K]: Q around ``q_level``, seeds 0 and 1 never perfect, the
    others perfect from generation 10."""
    rng = np.random.default_rng(seed)
    rows = np.zeros((SEEDS, N_LOGS, len(METRIC_NAMES)))
    col = {n: i for i, n in enumerate(METRIC_NAMES)}
    progress = np.linspace(0.6, 1.0, N_LOGS)
    rows[:, :, col["best_performance"]] = progress
    rows[:, :, col["champion_performance"]] = progress
    rows[:, :, col["mean_performance"]] = progress - 0.1
    rows[:, :, col["champion_q"]] = q_level + 0.02 * rng.normal(size=(SEEDS, N_LOGS))
    rows[:, :, col["champion_modules"]] = 3
    rows[:, :, col["champion_cost"]] = rng.uniform(20, 60, (SEEDS, N_LOGS))
    rows[:, :, col["champion_edges"]] = champions["edge_mask"].sum(axis=2)
    rows[:, :, col["champion_functional_edges"]] = champions["edge_mask"].sum(axis=2) // 2
    generation = LOG_EVERY * np.arange(N_LOGS)
    first = np.where(generation >= 10, 10, -1)
    rows[:, :, col["first_perfect_generation"]] = np.where(np.arange(SEEDS)[:, None] < 2, -1, first)
    return rows


def make_run(root: Path, name: str, q_level: float, seed: int) -> Path:
    run_dir = root / name
    run_dir.mkdir()
    cfg = config(name)
    records.write_config(run_dir, cfg)
    spec = CluneExperiment(cfg).spec
    champions = random_champions(spec, seed)
    records.write_records(run_dir, synthetic_rows(champions, q_level, seed),
                          LOG_EVERY * np.arange(N_LOGS), METRICS, champions,
                          (np.asarray(spec.x), np.asarray(spec.y)))
    return run_dir


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return make_run(root, "pa", 0.15, seed=0), make_run(root, "pcc", 0.45, seed=1)


def is_png(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG_MAGIC


def test_final_table_has_per_seed_values_at_the_last_generation(runs):
    table = final_table(runs[1])
    assert table["name"] == "pcc" and table["generation"] == LOG_EVERY * (N_LOGS - 1)
    assert table["seeds"] == SEEDS
    for key in ("champion_q", "champion_cost", "champion_edges", "champion_performance",
                "first_perfect_generation", "left_right", "sub_goal_modules"):
        assert table[key].shape == (SEEDS,)
    assert set(np.unique(table["left_right"])) <= {0.0, 1.0}
    assert np.isnan(table["first_perfect_generation"][:2]).all()
    np.testing.assert_array_equal(table["first_perfect_generation"][2:], 10)
    assert np.all(np.abs(table["champion_q"] - 0.45) < 0.2)


def test_final_table_of_a_partial_run_uses_the_last_generation_every_seed_has(runs, tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in (records.CONFIG, records.CHAMPIONS):
        (partial / name).write_bytes((runs[0] / name).read_bytes())
    lines = (runs[0] / records.METRICS).read_text().splitlines()
    # A killed run: the last seed has not logged the final generation.
    (partial / records.METRICS).write_text("\n".join(lines[:-1]) + "\n")
    assert final_table(partial)["generation"] == LOG_EVERY * (N_LOGS - 2)


def test_left_right_split_of_two_separate_retina_halves():
    exp = CluneExperiment(config("lr"))
    spec = exp.spec
    src, dst = spec.edge_endpoints
    # Left inputs feed hidden 8, 9 -> 16 -> 20, right inputs 14, 15 -> 19 -> 21; both reach 22.
    pairs = [(0, 8), (1, 8), (2, 9), (3, 9), (4, 14), (5, 14), (6, 15), (7, 15), (8, 16),
             (9, 16), (14, 19), (15, 19), (16, 20), (19, 21), (20, 22), (21, 22)]
    mask = np.zeros(spec.n_edges, bool)
    for u, v in pairs:
        mask[np.flatnonzero((src == u) & (dst == v))] = True
    cut = mask & ~((src == 16) & (dst == 20))  # the left half no longer reaches the output
    champions = {"champion_edge_mask": np.stack([mask, cut])[:, None],
                 "champion_weight_index": np.full((2, 1, spec.n_edges), 3, np.int8),
                 "champion_bias_index": np.zeros((2, 1, spec.n_neurons), np.int8)}
    whole, half = champion_networks(exp, champions, 0)
    groups = exp.task.input_groups
    assert whole.splits(groups) and not half.splits(groups)
    assert whole.network.edges.sum() == len(pairs) and half.network.edges.sum() == 9
    assert np.all(half.modules[:4] == -1)
    np.testing.assert_array_equal(whole.network.adjacency[src[mask], dst[mask]], spec.weight_values[3])
    assert (half.network.all_edges != 0).sum() == len(pairs) - 1  # the genome keeps the cut-off edges


def test_report_writes_non_empty_pngs(runs):
    paths = report(runs[0])
    assert [p.name for p in paths] == ["curves.png", "champions.png"]
    assert all(p.parent == runs[0] / "figures" for p in paths)
    assert all(is_png(p) for p in paths)


def test_plot_champions_at_a_chosen_generation(runs, tmp_path):
    path = plot_champions(runs[0], tmp_path / "g10.png", generation=LOG_EVERY, max_seeds=3)
    assert is_png(path)
    with pytest.raises(ValueError, match="not logged"):
        plot_champions(runs[0], tmp_path / "bad.png", generation=LOG_EVERY + 1)


def test_compare_two_runs_gives_rows_p_values_and_a_figure(runs, tmp_path):
    text, figure = compare(runs, out_dir=tmp_path)
    assert figure == tmp_path / "compare.png" and is_png(figure)
    lines = text.splitlines()
    assert "pa" in lines[0] and "pcc" in lines[0] and "p (Mann-Whitney)" in lines[0]
    rows = final_table(runs[0])["rows"]
    assert [key for _, key, _ in rows][:2] == ["best_performance", "champion_performance"]
    for title, _, _ in rows:
        assert sum(line.startswith(title) for line in lines) == 1
    q_line = next(line for line in lines if line.startswith("final Q"))
    assert float(q_line.split()[-1]) < 0.01  # Q around 0.15 vs 0.45 over 6 seeds each
    perfect = next(line for line in lines if line.startswith("generations to perfect"))
    assert perfect.count(f"4/{SEEDS} reached") == 2
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule share one width


def test_compare_markdown_and_default_figure_place(runs):
    text, figure = compare(runs, markdown=True)
    assert figure == runs[0] / "figures" / "compare.png" and is_png(figure)
    lines = text.splitlines()
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines)
    assert set(lines[1].replace(" ", "")) == {"|", "-"}
    assert len(lines) == 2 + 1 + len(final_table(runs[0])["rows"])


def test_compare_single_run_has_no_p_column(runs, tmp_path):
    text, _ = compare(runs[:1], out_dir=tmp_path)
    assert "Mann-Whitney" not in text and "final Q" in text


def test_compare_many_runs_tests_each_against_the_first(runs, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(runs[0], again)
    text, _ = compare([runs[0], runs[1], again], out_dir=tmp_path)
    header, *lines = text.splitlines()
    first, second = runs[0].name, runs[1].name
    assert f"p {second} vs {first}" in header and f"p again vs {first}" in header
    q_line = next(line for line in lines if line.startswith("final Q"))
    assert float(q_line.split()[-2]) < 0.01 and float(q_line.split()[-1]) == 1.0


def test_adaptation_times_join_the_table_with_a_dash_for_a_run_without_them(runs, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(runs[0], a)
    shutil.copytree(runs[1], b)
    generation = final_table(a)["generation"]
    content = {"goal": "L | R", "goal_code": 14, "limit": 50, "generation": generation}
    (a / "adaptation.json").write_text(json.dumps({**content, "times": [3] * SEEDS}))
    only_a = next(line for line in compare([a, b], out_dir=tmp_path)[0].splitlines() if "held-out" in line)
    assert only_a.split()[-2:] == ["—", "n/a"]  # b has none: a dash, and no test
    (b / "adaptation.json").write_text(json.dumps({**content, "times": [-1] * (SEEDS - 1) + [40]}))
    text, _ = compare([a, b], out_dir=tmp_path)
    line = next(line for line in text.splitlines() if "held-out L | R (limit 50)" in line)
    assert f"({SEEDS}/{SEEDS} reached; quartiles +0.00, −0.00)" in line and f"(1/{SEEDS} reached)" in line
    assert float(line.split()[-1]) < 0.01  # never counts as slowest, not as missing
    markdown = compare([a, b], out_dir=tmp_path, markdown=True)[0].splitlines()
    row = next(line for line in markdown if "held-out" in line)
    assert "L \\| R" in row and row.replace("\\|", "").count("|") == markdown[0].count("|")
    (b / "adaptation.json").write_text(json.dumps({**content, "goal": "L & R", "times": [2] * SEEDS}))
    assert "held-out" not in compare([a, b], out_dir=tmp_path)[0]  # other goals: not one row


def test_generation_cells_give_the_papers_quartile_spread_of_the_runs_that_reached_it():
    cell = summaries._cell("generation", np.array([100.0, 1000.0, np.nan, 300.0, 200.0]))
    # quartiles of 100, 200, 300, 1000: 175, 250, 475; the unreached run is not among them
    assert cell.endswith("(4/5 reached; quartiles +225, −75.0)")
    assert summaries._cell("generation", np.array([7.0, np.nan])).endswith("(1/2 reached)")
    assert summaries._cell("generation", np.array([np.nan, np.nan])) == "never (0/2 reached)"
