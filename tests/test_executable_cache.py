"""The executable cache: a run's init and chunk programs stored whole and loaded back without
tracing, under keys that change with anything that changes the program, to the same bits.

Runs are small circuit runs in a cache directory of their own (a fresh one per test), so that
every count of programs loaded and compiled is this test's."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from evojax_mod import compile_cache, executable_cache, loop, runner
from evojax_mod.config import load_config

PRESET = "kashtan_alon2005/circuits_mvg"
SMALL = {"selection.elite": 8, "run.log_every": 3, "run.checkpoint_every": 6}


def config(population=24, **overrides):
    return load_config(PRESET, seeds=2, generations=12, population=population, overrides={**SMALL, **overrides})


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache directory; the process's memory of loaded programs emptied before and
    after, so that every load reads the disk as a new process would."""
    directory = tmp_path / "cache"
    monkeypatch.setenv(compile_cache.ENV_VAR, str(directory))
    executable_cache._loaded.clear()
    yield directory
    monkeypatch.undo()
    compile_cache.enable()
    executable_cache._loaded.clear()


@pytest.fixture
def loads(monkeypatch):
    """The names of the files the executable cache has read a program from, in order."""
    names = []

    def recording(path):
        program = real(path)
        if program is not None:
            names.append(path.name)
        return program

    real = executable_cache._load
    monkeypatch.setattr(executable_cache, "_load", recording)
    return names


class Untraceable:
    """Stands in for a jitted function under the same name (so the same keys): fails if traced."""

    def __init__(self, jitted):
        self.__module__, self.__qualname__ = jitted.__module__, jitted.__qualname__

    def lower(self, *args):
        raise AssertionError(f"{self.__qualname__} was traced")


def stored(directory: Path) -> dict[str, list[str]]:
    files = sorted(p.name for p in (directory / executable_cache.SUBDIR).iterdir())
    return {"by_program": [f for f in files if f.startswith("hlo-")],
            "by_source": [f for f in files if not f.startswith("hlo-")]}


def same_bits(a: runner.RunResult, b: runner.RunResult) -> None:
    np.testing.assert_array_equal(a.rows, b.rows)
    for x, y in zip(jax.tree.leaves(a.state), jax.tree.leaves(b.state), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    for k in a.champions:
        np.testing.assert_array_equal(a.champions[k], b.champions[k])


def new_process() -> None:
    executable_cache._loaded.clear()


def test_a_second_run_loads_both_programs_untraced_to_the_same_bits(cache, loads, monkeypatch):
    first = runner.run(config(), progress=False)
    files = stored(cache)
    assert len(files["by_program"]) == len(files["by_source"]) == 2  # init and the one chunk shape
    assert loads == []
    new_process()
    by_source = [cache / executable_cache.SUBDIR / f for f in files["by_source"]]
    for path in by_source:  # written long ago: a load marks them used, what pruning goes by
        os.utime(path, ns=(10**18,) * 2)
    monkeypatch.setattr(loop, "batched_init", Untraceable(loop.batched_init))
    monkeypatch.setattr(loop, "batched_chunk", Untraceable(loop.batched_chunk))
    second = runner.run(config(), progress=False)
    assert sorted(loads) == files["by_source"] and second.compile_cache["hits"] >= 2
    assert all(path.stat().st_mtime_ns > 10**18 for path in by_source)
    same_bits(second, first)
    # a config that differs only in what is not compiled (its name) loads them too
    new_process()
    runner.run(config(name="renamed"), progress=False)
    assert sorted(loads[2:]) == files["by_source"] and stored(cache) == files


@pytest.mark.slow
def test_another_shape_or_setting_has_programs_of_its_own(cache):
    runner.run(config(), progress=False)
    for i, changed in enumerate((config(population=26), config(**{"objectives.size_penalty": 0.5}))):
        new_process()
        runner.run(changed, progress=False)
        files = stored(cache)
        assert len(files["by_source"]) == len(files["by_program"]) == 2 * (i + 2)


def test_after_a_source_change_an_unchanged_program_is_found_by_its_lowered_form(cache, loads, monkeypatch):
    first = runner.run(config(), progress=False)
    before = stored(cache)
    new_process()
    monkeypatch.setattr(executable_cache, "package_source_digest", lambda: "an edited package")
    second = runner.run(config(), progress=False)
    after = stored(cache)
    assert sorted(loads) == before["by_program"]
    assert after["by_program"] == before["by_program"] and len(after["by_source"]) == 4
    same_bits(second, first)


def test_a_file_cut_short_is_compiled_again_and_replaced(cache, loads):
    first = runner.run(config(), progress=False)
    sizes = {}
    for path in (cache / executable_cache.SUBDIR).iterdir():
        sizes[path.name] = path.stat().st_size
        path.write_bytes(path.read_bytes()[: sizes[path.name] // 2])
    new_process()
    second = runner.run(config(), progress=False)
    assert loads == []
    same_bits(second, first)
    assert {p.name: p.stat().st_size for p in (cache / executable_cache.SUBDIR).iterdir()} == sizes
    new_process()
    third = runner.run(config(), progress=False)
    assert sorted(loads) == stored(cache)["by_source"]  # whole again
    same_bits(third, first)


def test_with_the_cache_off_nothing_is_stored(cache, monkeypatch, tmp_path):
    monkeypatch.setenv(compile_cache.ENV_VAR, "0")
    result = runner.run(config(), progress=False)
    assert result.compile_cache["dir"] is None
    assert not cache.exists()


def test_keys_name_the_function_the_shapes_and_the_source(monkeypatch):
    exp_args = (loop.batched_init, (runner.experiment_for(config()), loop.seed_keys(0, 2), 1), (0, 2))
    key = executable_cache.cache_key(*exp_args)
    assert key == executable_cache.cache_key(*exp_args)
    assert key != executable_cache.cache_key(loop.batched_init, (exp_args[1][0], loop.seed_keys(0, 4), 1), (0, 2))
    assert key != executable_cache.cache_key(loop.batched_init, (exp_args[1][0], exp_args[1][1], 2), (0, 2))
    assert key != executable_cache.cache_key(loop.batched_chunk, exp_args[1], (0, 2))
    monkeypatch.setattr(executable_cache, "package_source_digest", lambda: "other")
    assert key != executable_cache.cache_key(*exp_args)


@pytest.mark.slow
@pytest.mark.parametrize("seeds", [2, 3])
def test_processes_with_two_devices_share_the_programs_to_the_same_bits(tmp_path, seeds):
    """The CLI's runs, each a new process with two CPU devices: 2 seeds split over them, or 3
    seeds (which do not split) on the first alone. The second process loads the programs onto
    the devices they were compiled for, with the LAPACK calls set up."""
    env = dict(os.environ, **{compile_cache.ENV_VAR: str(tmp_path / "cache")})
    summaries, outputs = [], []
    for name in ("first", "second"):
        out = tmp_path / name
        subprocess.run([sys.executable, "-m", "evojax_mod", "run", PRESET, "--out", str(out), "--seeds", str(seeds),
                        "--generations", "12", "--pop", "24", "--quiet", "--cpu-devices", "2",
                        *[f"--set={k}={v}" for k, v in SMALL.items()]], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        summaries.append(json.loads((out / "summary.json").read_text()))
        outputs.append({p: (out / p).read_bytes() for p in ("metrics.csv", "champions.npz")})
    assert summaries[0]["n_devices"] == 2
    assert summaries[1]["compile_cache"]["hits"] >= 2
    assert outputs[0] == outputs[1]
