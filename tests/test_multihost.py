"""Two processes on loopback, two CPU devices each: the seeds are split over four devices of
two processes, which stop half-way and resume from the checkpoint process 0 wrote; every
process must end with exactly the single-process result.

Compiling dominates (each process compiles the same program), so the NAND-circuit variant is
marked slow: `pytest -m slow tests/test_multihost.py`."""
import json
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from evojax_mod import distributed, records, runner
from evojax_mod.bench import CIRCUITS
from evojax_mod.config import config_from_dict
from evojax_mod.runner import RunError, run

# the shape of test_engine's small runs: the reference run reuses their compiled program
TINY_RUN = {"population": 24, "generations": 6, "seeds": 4, "log_every": 3, "checkpoint_every": 6}
CONFIGS = {
    "retina": {"name": "mh-retina", "schedule": {"kind": "fixed", "goals": ["and"]},
               "objectives": {"connection_cost": "optimal_length", "cost_pressure": 0.25, "diversity": True},
               "run": TINY_RUN},
    "circuits": dict(CIRCUITS, name="mh-circuits", selection=dict(CIRCUITS["selection"], elite=6), run=TINY_RUN),
}
TIMEOUT_S = 400

# The group stops half-way (as if killed after its first checkpoint) and resumes from the
# checkpoint process 0 wrote. Each process writes its gathered final result in checkpoint.npz
# form (state leaves, rows, generations, champions); process 0 also writes the run directory.
WORKER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from evojax_mod import distributed, records, runner
    from evojax_mod.config import config_from_dict
    coordinator, process_id, tmp, config = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4])
    distributed.initialize(coordinator, 2, process_id, cpu_devices=2)
    import jax
    assert (jax.process_count(), jax.device_count(), jax.local_device_count()) == (2, 4, 2)
    config = config_from_dict(config)
    half = runner.run(config, tmp / "run", progress=False, stop_after=config.run.generations // 2)
    assert (half.run_dir is not None) == (process_id == 0)
    assert half.generations[-1] == config.run.generations // 2
    result = runner.run(config, tmp / "run", resume=True, progress=False)
    (tmp / str(process_id)).mkdir()
    records.write_checkpoint(tmp / str(process_id), result.state, result.rows, result.generations, result.champions)
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_same_npz(path_a: Path, path_b: Path) -> None:
    with np.load(path_a) as a, np.load(path_b) as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"{path_a} vs {path_b}: {key}")


def start(script: Path, coordinator: str, process_id: int, tmp: Path, config: dict, log: Path):
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, str(script), coordinator, str(process_id), str(tmp),
                                 json.dumps(config)], stdout=out, stderr=subprocess.STDOUT)


def wait_for(workers: list[subprocess.Popen], deadline: float) -> None:
    """Until all exit, one fails (the others would wait for it in vain) or the deadline."""
    while time.monotonic() < deadline:
        codes = [w.poll() for w in workers]
        if all(c is not None for c in codes) or any(c not in (None, 0) for c in codes):
            return
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.parametrize("task", ["retina", "circuits"])
def test_two_processes_end_with_the_single_process_result(task, tmp_path):
    coordinator = f"127.0.0.1:{free_port()}"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    logs = [tmp_path / f"log{i}.txt" for i in range(2)]
    workers = [start(script, coordinator, i, tmp_path, CONFIGS[task], log) for i, log in enumerate(logs)]
    deadline = time.monotonic() + TIMEOUT_S
    try:
        run(config_from_dict(CONFIGS[task]), tmp_path / "reference", progress=False)  # compiles while they do
        wait_for(workers, deadline)
    finally:
        for w in workers:
            w.kill()
            w.wait()
    for i, w in enumerate(workers):
        assert w.returncode == 0, f"process {i} (exit {w.returncode}; killed if the {TIMEOUT_S} s ran out):\n" \
                                  f"{logs[i].read_text()[-3000:]}"
    reference = tmp_path / "reference"
    for copy in ("0", "1", "run"):
        assert_same_npz(tmp_path / copy / records.CHECKPOINT, reference / records.CHECKPOINT)
    assert (tmp_path / "run" / records.METRICS).read_text() == (reference / records.METRICS).read_text()


def test_seeds_must_split_over_all_devices():
    runner.check_seeds_split(8, 4)
    with pytest.raises(RunError, match="run.seeds: expected a multiple of 4, .* got 6"):
        runner.check_seeds_split(6, 4)


def test_command_line_passes_the_cluster_and_the_config(tmp_path, monkeypatch, capsys):
    calls = {}
    monkeypatch.setattr(distributed, "initialize", lambda *a, **k: calls.update(initialize=(a, k)))
    monkeypatch.setattr(runner, "run", lambda config, out, **kw: calls.update(run=(config, out, kw)) or
                        type("Result", (), {"run_dir": None})())
    cfg = tmp_path / "c.yaml"
    cfg.write_text("run: {population: 20, generations: 6, log_every: 3, checkpoint_every: 3}\n")
    argv = ["--coordinator", "h0:1234", "--num-processes", "2", "--process-id", "1", "--cpu-devices", "2",
            str(cfg), "--seeds", "8", "--set", "objectives.cost_pressure=0.5", "--out", str(tmp_path / "r"), "--resume"]
    assert distributed.main(argv) == 0
    assert calls["initialize"] == (("h0:1234", 2, 1), {"cpu_devices": 2})
    config, out, options = calls["run"]
    assert (config.run.seeds, config.objectives.cost_pressure, out) == (8, 0.5, tmp_path / "r")
    assert options == {"resume": True, "progress": True, "seed_batch": None}
    assert distributed.main([str(tmp_path / "missing.yaml")]) == 2
    assert "config file" in capsys.readouterr().err
