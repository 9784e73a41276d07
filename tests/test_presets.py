import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evojax_mod import cli, presets
from evojax_mod.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {"quickstart/pa", "quickstart/pcc", *(f"clune2013/{n}" for n in ("pa", "pa_or", "pcc", "pcc_or")),
           *(f"kashtan_alon2005/{s}_{t}" for s in ("circuits", "retina") for t in ("fg", "mvg", "qmax"))}


def test_presets_are_package_data_and_the_checkout_links_to_them():
    assert presets.PRESETS_DIR == ROOT / "evojax_mod" / "configs"
    assert SHIPPED <= set(presets.names())
    assert (ROOT / "configs").resolve() == presets.PRESETS_DIR  # README paths like configs/clune2013/pcc.yaml
    assert "configs/**/*.yaml" in (ROOT / "pyproject.toml").read_text()


def test_listing_has_every_preset_with_its_description(capsys):
    assert cli.main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = {line.split()[0]: " ".join(line.split()[1:]) for line in lines}
    assert set(listed) == set(presets.names()) and len(lines) == len(listed)
    for name in SHIPPED:
        text = yaml.safe_load((presets.PRESETS_DIR / f"{name}.yaml").read_text())["description"]
        assert text and listed[name] == " ".join(text.split())


@pytest.mark.parametrize("spelling", ["clune2013/pcc", "clune2013/pcc.yaml", "configs/clune2013/pcc.yaml"])
def test_a_preset_resolves_by_name_from_any_directory(tmp_path, monkeypatch, spelling):
    monkeypatch.chdir(tmp_path)
    assert presets.resolve(spelling) == presets.PRESETS_DIR / "clune2013/pcc.yaml"
    assert load_config(spelling, seeds=2).name == "clune2013-pcc"


def test_an_existing_file_wins_over_a_preset_and_unknown_names_are_not_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clune2013").mkdir()
    (tmp_path / "clune2013/pcc.yaml").write_text("name: mine\n")
    assert load_config("clune2013/pcc.yaml").name == "mine"
    assert load_config("clune2013/pcc").name == "clune2013-pcc"  # no file of that name here
    for name in ("clune2013/nope", "pcc", "../evojax_mod/configs/quickstart/pcc", "quickstart", "clune2013"):
        assert presets.find(name) is None
        with pytest.raises(ConfigError, match="not found, nor a preset"):
            load_config(name)


def test_check_and_presets_need_neither_jax_nor_the_checkout(tmp_path):
    code = ("import sys; from evojax_mod import cli; "
            "assert cli.main(['check', 'kashtan_alon2005/retina_mvg', '--seeds', '5']) == 0; "
            "assert cli.main(['presets']) == 0; assert 'jax' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "seeds: 5" in proc.stdout and "quickstart" in proc.stdout
    assert list(tmp_path.iterdir()) == []
