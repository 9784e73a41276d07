"""A finished run's champions by another rule: the same bits as a run with that rule."""
import numpy as np
import pytest

from evojax_mod import cli, records, runner
from evojax_mod.config import ConfigError, load_config
from evojax_mod.rechampion import rechampion_config, rechampion_run

# the shape of tests/experiments/test_clune.py's small runs, whose programs the suite runner
# shares with this file (tests/__main__.py, SHARED_PROGRAMS)
SMALL = dict(seeds=3, generations=30, population=24)
GRID = {"run.log_every": 3, "run.checkpoint_every": 6}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same P&CC seeds under each champion rule, evolved and recorded."""
    root = tmp_path_factory.mktemp("rechampion")
    for rule in ("fewest_edges", "stat_modularity"):
        config = load_config("configs/clune2013/pcc.yaml", **SMALL, overrides={**GRID, "selection.champion": rule})
        runner.run(config, root / rule, progress=False)
    return root


def last_generation(run_dir):
    metrics = records.read_metrics(run_dir)
    champions = records.read_champions(run_dir)
    final = metrics["generation"] == metrics["generation"].max()
    row = {k: v[final] for k, v in metrics.items()}
    return row, {k: v[:, -1] for k, v in champions.items() if k.startswith("champion_")}


def test_another_rule_gives_the_final_row_and_champions_of_a_run_with_that_rule(runs, tmp_path):
    out = rechampion_run(runs / "fewest_edges", "stat_modularity", tmp_path / "by_stat")
    got_row, got_champions = last_generation(out)
    want_row, want_champions = last_generation(runs / "stat_modularity")
    other_row, _ = last_generation(runs / "fewest_edges")
    assert any(not np.array_equal(other_row[k], want_row[k]) for k in want_row)  # the rules chose apart
    assert got_row.keys() == want_row.keys()
    for k in want_row:
        np.testing.assert_array_equal(got_row[k], want_row[k], err_msg=k)
    for k in want_champions:
        np.testing.assert_array_equal(got_champions[k], want_champions[k], err_msg=k)
    config = records.read_config(out)
    assert config.selection.champion == "stat_modularity" and config.name == "clune2013-pcc-stat_modularity"


def test_the_runs_own_rule_gives_its_own_final_row(runs, tmp_path):
    out = rechampion_run(runs / "fewest_edges", "fewest_edges", tmp_path / "same")
    got, want = last_generation(out)[0], last_generation(runs / "fewest_edges")[0]
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)


def test_a_selection_without_a_rule_or_an_unknown_rule_is_one_line_naming_the_key(runs, tmp_path):
    circuits = load_config("configs/kashtan_alon2005/circuits_fg.yaml")
    with pytest.raises(ConfigError, match="selection.champion"):
        rechampion_config(circuits, "stat_modularity")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(ConfigError, match="new or empty directory"):
        rechampion_run(runs / "fewest_edges", "stat_modularity", tmp_path / "full")
    code = cli.main(["rechampion", str(runs / "fewest_edges"), "--rule", "best", "--out", str(tmp_path / "bad")])
    assert code == 2 and not (tmp_path / "bad").exists()


def test_a_directory_with_no_checkpoint_is_one_line(tmp_path):
    assert cli.main(["rechampion", str(tmp_path), "--rule", "stat_modularity", "--out", str(tmp_path / "o")]) == 2
