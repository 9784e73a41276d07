"""Damaged run directories: every command that reads one answers a missing, truncated, emptied,
garbled, reversed, wrongly shaped or foreign file (another run's, a pickle) with one line that
names the file, exit code 2 and the run directory as it was; never a traceback.

One small circuit run (with its analysis.json and adaptation.json) is made per session, and one
foreign run of other sizes; each case damages a copy of the first and runs one command on it
in this process, so that the compiled programs are shared by every case.
"""
from __future__ import annotations

import contextlib
import io
import pickle
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from evojax_mod import cli, records

PRESET = "kashtan_alon2005/circuits_mvg"
QMAX_PRESET = "kashtan_alon2005/circuits_qmax"
SMALL = ["--seeds", "2", "--pop", "24", "--set", "selection.elite=8", "--set", "run.log_every=3",
         "--set", "run.checkpoint_every=6", "--generations", "12", "--quiet"]
# another run of the same compiled programs: other seeds and length, so other shapes and rows
FOREIGN = ["--seeds", "3", "--pop", "24", "--set", "selection.elite=8", "--set", "run.log_every=3",
           "--set", "run.checkpoint_every=6", "--generations", "15", "--quiet"]
FILES = (records.CONFIG, records.METRICS, records.CHAMPIONS, records.CHECKPOINT, records.SUMMARY,
         "analysis.json", "adaptation.json")
WAYS = ("missing", "truncated", "emptied", "garbage appended", "bytes reversed", "wrongly shaped",
        "another run's", "a pickle")
COMMANDS = ("report", "compare", "analyze", "q-max-from", "adapt", "rechampion", "resume", "run --resume",
            "loaders")


def evojax_mod(*argv) -> tuple[int, str]:
    """(exit code, stderr) of an in-process `evojax-mod` call; stdout is dropped."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main([str(a) for a in argv])
    return code, err.getvalue()


def make_runs(root: Path) -> dict[str, Path]:
    """{"good": a finished small run with analysis.json and adaptation.json, "foreign": a run of
    the same experiment with other seeds and length, and the same files, "qmax":
    a small run evolved for Q, for --q-max-from}."""
    made = {}
    for name, preset, sizes in (("good", PRESET, SMALL), ("foreign", PRESET, FOREIGN),
                                ("qmax", QMAX_PRESET, SMALL)):
        out = root / name
        assert evojax_mod("run", preset, "--out", out, *sizes) == (0, "")
        assert evojax_mod("analyze", out, "--n-random", "2")[0] == 0
        assert evojax_mod("adapt", out, "--goal", "0", "--generations", "3")[0] == 0
        made[name] = out
    return made


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    return make_runs(tmp_path_factory.mktemp("damaged"))


def wrongly_shaped(path: Path) -> bytes:
    """The file with its content well-formed but of the wrong shape: an array or a row short."""
    data = path.read_bytes()
    if path.suffix == ".npz":
        with np.load(path) as npz:
            arrays = {k: npz[k] for k in npz.files}
        key = next(k for k in sorted(arrays) if k.startswith("champion_"))
        arrays[key] = arrays[key][:, :-1]
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()
    if path.suffix == ".csv":
        lines = data.decode().splitlines()
        lines[-1] = lines[-1].rsplit(",", 1)[0]
        return ("\n".join(lines) + "\n").encode()
    if path.suffix == ".json":
        return b"[1, 2, 3]\n" if path.name == records.SUMMARY else data.replace(b'"generation"', b'"g"', 1)
    return b"name: [unclosed\n"


def damage(run_dir: Path, name: str, way: str, foreign: Path) -> None:
    path = run_dir / name
    data = path.read_bytes()
    new = {
        "missing": None,
        "truncated": data[: len(data) // 2],
        "emptied": b"",
        "garbage appended": data + b"\n\x00\xff garbage,1,2\n",
        "bytes reversed": data[::-1],
        "wrongly shaped": wrongly_shaped(path),
        "another run's": (foreign / name).read_bytes(),
        "a pickle": pickle.dumps({"generation": np.arange(3), "rows": np.zeros(3)}),
    }[way]
    if new is None:
        path.unlink()
    else:
        path.write_bytes(new)


def loaders(run_dir: Path) -> None:
    """The Python readers of a run directory, as a notebook would call them."""
    from evojax_mod import loop, runner
    from evojax_mod.experiments.registry import experiment_for
    from evojax_mod.report import final_table, runfiles
    config = records.read_config(run_dir)
    exp = experiment_for(config)
    records.read_metrics(run_dir)
    records.read_champions(run_dir)
    runfiles.run_metrics(run_dir)
    runfiles.run_champions(run_dir)
    state = loop.state_structure(exp, config.run)
    records.read_checkpoint(run_dir, state, runner.champion_structure(exp, state))
    final_table(run_dir)


def run_command(command: str, run_dir: Path, good: Path, scratch: Path) -> tuple[int, str]:
    """(exit code, stderr) of ``command`` on the damaged ``run_dir``."""
    if command == "loaders":
        err = io.StringIO()
        try:
            loaders(run_dir)
        except (records.RunError, cli.ConfigError) as e:  # what the command line prints in one line
            print(f"evojax-mod: error: {e}", file=err)
            return 2, err.getvalue()
        return 0, ""
    argv = {
        "report": ["report", run_dir],
        "compare": ["compare", run_dir, good, "--out", scratch / "figures"],
        "analyze": ["analyze", run_dir, "--n-random", "2"],
        "q-max-from": ["analyze", good, "--n-random", "2", "--q-max-from", run_dir],
        "adapt": ["adapt", run_dir, "--goal", "0", "--generations", "3"],
        "rechampion": ["rechampion", run_dir, "--rule", "fewest_edges", "--out", scratch / "rechampioned"],
        "resume": ["resume", run_dir, "--quiet"],
        "run --resume": ["run", PRESET, "--out", run_dir, *SMALL, "--resume"],
    }[command]
    return evojax_mod(*argv)


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def check_case(runs: dict, name: str, way: str, command: str) -> tuple[int, str]:
    """Damage ``name`` of a copy of the good run (of the Q_max run, for --q-max-from) as
    ``way`` says, run ``command`` on it and check the answer: success, or one line naming the
    damaged file with the run directory and the good run left as they were. Returns (exit
    code, stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        run_dir, good, scratch = Path(tmp) / "run", Path(tmp) / "good", Path(tmp) / "scratch"
        shutil.copytree(runs["qmax" if command == "q-max-from" else "good"], run_dir)
        shutil.copytree(runs["good"], good)  # compare's second run; what analyze --q-max-from measures
        scratch.mkdir()
        damage(run_dir, name, way, runs["foreign"])
        before, good_before = contents(run_dir), contents(good)
        code, err = run_command(command, run_dir, good, scratch)  # a traceback fails the test here
        context = f"{name} {way}, {command}: exit {code}: {err}"
        assert "Traceback" not in err, context
        if code == 0:
            return code, err
        assert code == 2 and len(err.strip().splitlines()) == 1, context
        assert name in err or (command == "rechampion" and "selection.champion" in err), context
        assert contents(run_dir) == before and contents(good) == good_before, context
        assert not (scratch / "rechampioned").exists(), context
        return code, err


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(FILES), way=st.sampled_from(WAYS), command=st.sampled_from(COMMANDS))
def test_any_damage_under_any_command_is_one_line_or_success(runs, name, way, command):
    check_case(runs, name, way, command)


@pytest.mark.slow  # the suite's time: the property test above draws from the same cases
def test_every_damage_of_every_file_under_one_command_each(runs):
    """The 56 damages, the commands taken in turn (each command gets six or seven)."""
    cases = [(name, way) for name in FILES for way in WAYS]
    for i, (name, way) in enumerate(cases):
        check_case(runs, name, way, COMMANDS[i % len(COMMANDS)])


@pytest.mark.slow
def test_every_damage_under_every_command_is_one_line_or_success(runs):
    """The whole grid: 7 files x 8 ways x 9 commands."""
    codes = [check_case(runs, name, way, command)[0] for name in FILES for way in WAYS for command in COMMANDS]
    print(f"{len(codes)} cases: {codes.count(0)} succeeded, {codes.count(2)} one-line errors, no traceback")


@pytest.mark.parametrize("name, way, command, says", [
    (records.METRICS, "garbage appended", "report", "not CSV text (garbled)"),
    (records.METRICS, "wrongly shaped", "compare", "line 11 is not 15 numbers"),
    (records.CHAMPIONS, "bytes reversed", "analyze", "holds pickled objects, which are never loaded"),
    (records.CHAMPIONS, "a pickle", "report", "holds pickled objects"),
    (records.CHECKPOINT, "truncated", "resume", "not a whole .npz archive"),
    (records.CHECKPOINT, "another run's", "adapt", "does not fit config.yaml"),
    (records.CHAMPIONS, "another run's", "report", "champion_gate_inputs is int32 [3, 6, 12, 2], expected int32 "
                                                   "[2, 6, 12, 2]"),
    (records.METRICS, "missing", "report", "missing; `evojax-mod resume"),
    ("analysis.json", "truncated", "compare", "not valid JSON"),
    ("adaptation.json", "wrongly shaped", "compare", None),  # a renamed generation field: taken as stale
])
def test_the_damages_of_the_report_are_one_line_naming_the_file_and_what_to_do(runs, name, way, command, says):
    code, err = check_case(runs, name, way, command)
    if says is None:
        assert code == 0
        return
    assert code == 2 and says in err, err
    if name in (records.METRICS, records.CHAMPIONS):
        assert "writes it again from checkpoint.npz" in err


def test_a_bad_line_in_the_metrics_table_is_named_and_a_resume_writes_the_table_again(runs, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(runs["good"], run_dir)
    with open(run_dir / records.METRICS, "a") as table:
        table.write("1,15,0.5,oops\n")
    for command in (["report", run_dir], ["compare", run_dir, runs["good"], "--out", tmp_path]):
        code, err = evojax_mod(*command)
        assert code == 2 and f"'{run_dir / records.METRICS}': line 12 is not 15 numbers" in err, err
    assert evojax_mod("resume", run_dir, "--quiet")[0] == 0
    assert (run_dir / records.METRICS).read_bytes() == (runs["good"] / records.METRICS).read_bytes()
    assert evojax_mod("report", run_dir)[0] == 0


def test_q_max_from_a_run_not_evolved_for_q_is_one_line(runs, tmp_path):
    """A Clune-style Pareto run has no objectives.maximise at all: the option names that."""
    other = tmp_path / "pareto"
    other.mkdir()
    config = records.load_config("clune2013/pcc")
    records.write_config(other, config)
    shutil.copy(runs["good"] / records.METRICS, other / records.METRICS)
    code, err = evojax_mod("analyze", runs["good"], "--n-random", "2", "--q-max-from", other)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"--q-max-from: run '{other}' did not evolve for Q (its config.yaml's selection, nsga2, has no " \
           "objectives.maximise" in err
    code, err = evojax_mod("analyze", runs["good"], "--n-random", "2", "--q-max-from", runs["foreign"])
    assert code == 2 and "its config.yaml has objectives.maximise: task" in err
