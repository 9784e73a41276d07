"""examples/tour.py, run in-process at a tiny size: its files and the numbers it returns."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

TOUR = Path(__file__).resolve().parent.parent / "examples" / "tour.py"


def load_tour():
    spec = importlib.util.spec_from_file_location("tour", TOUR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # a P&CC program of its own (26 s from a fresh clone); test_cli runs the same calls
def test_tour_runs_end_to_end(tmp_path, capsys):
    results = load_tour().main(["--out", str(tmp_path), "--seeds", "2", "--generations", "20", "--pop", "60"])
    printed = capsys.readouterr().out

    for path in (tmp_path / "pcc" / "metrics.csv", tmp_path / "champion.png"):
        assert path.is_file() and path.stat().st_size > 0, path
    assert results["png"] == tmp_path / "champion.png"
    assert results["generation"] == 20
    assert 0.0 <= results["best_performance"] <= 1.0
    assert -0.5 <= results["champion_q"] <= 1.0
    # the drawn champion's Q from the numpy functions is the one the jitted loop logged
    assert results["seed0_q"] == pytest.approx(results["seed0_q_logged"], abs=1e-4)
    assert results["seed0_modules"] >= 1

    # two triangles joined by one edge: the split into the triangles, Q = 2 (3/7 - 1/4) = 5/14
    labels = np.asarray(results["toy_labels"])
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]
    assert results["toy_q"] == pytest.approx(5 / 14, abs=1e-6)
    assert results["toy_q"] == pytest.approx(results["toy_q_networkx"], abs=1e-6)
    assert results["toy_q"] > 0.3
    assert "networkx Q = 0.357143" in printed and "champion Q" in printed
