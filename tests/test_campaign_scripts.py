"""The campaign scripts of docs/experiments: they parse, and carry a run's state through the
repository (save_state, restore_state of campaign.sh) without touching a run already there."""
import subprocess
from pathlib import Path

import pytest

EXPERIMENTS = Path(__file__).resolve().parent.parent / "docs" / "experiments"


def bash(script: str, cwd: Path) -> None:
    subprocess.run(["bash", "-euo", "pipefail", "-c", f"source {EXPERIMENTS / 'campaign.sh'}\n{script}"],
                   cwd=cwd, check=True)


@pytest.mark.parametrize("script", sorted(p.name for p in EXPERIMENTS.glob("*.sh")))
def test_every_campaign_script_parses(script):
    subprocess.run(["bash", "-n", str(EXPERIMENTS / script)], check=True)


def test_state_is_saved_and_restored_and_never_overwrites_a_run(tmp_path):
    run = tmp_path / "runs" / "a"
    run.mkdir(parents=True)
    for name, text in (("config.yaml", "c"), ("checkpoint.npz", "k"), ("metrics.csv", "m")):
        (run / name).write_text(text)
    (tmp_path / "runs" / "b").mkdir()  # no checkpoint yet: nothing to save
    bash("save_state runs state a b", tmp_path)
    assert sorted(p.name for p in (tmp_path / "state" / "a").iterdir()) == ["checkpoint.npz", "config.yaml"]
    assert not (tmp_path / "state" / "b").exists()
    bash("restore_state fresh state a b", tmp_path)
    assert (tmp_path / "fresh" / "a" / "checkpoint.npz").read_text() == "k"
    assert not (tmp_path / "fresh" / "b").exists()
    (run / "checkpoint.npz").write_text("newer")
    bash("restore_state runs state a", tmp_path)  # the run is there: left as it is
    assert (run / "checkpoint.npz").read_text() == "newer"


def test_carry_saves_and_ends_the_script_or_restores_and_goes_on(tmp_path):
    run = tmp_path / "runs" / "a"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text("c")
    (run / "checkpoint.npz").write_text("k")
    bash("carry runs state save a; touch went_on", tmp_path)
    assert (tmp_path / "state" / "a" / "checkpoint.npz").is_file() and not (tmp_path / "went_on").exists()
    bash("carry fresh state 50 a; touch went_on", tmp_path)  # any other mode (a seed count) restores
    assert (tmp_path / "fresh" / "a" / "config.yaml").read_text() == "c" and (tmp_path / "went_on").exists()
