"""The run directory: config snapshot, metrics table, champions, checkpoint, summary.

    RUN/config.yaml      the validated config that produced the run
    RUN/metrics.csv      tidy table, one row per (seed, logged generation)
    RUN/champions.npz    champion genomes per seed and logged generation, plus node coordinates
    RUN/checkpoint.npz   everything needed to resume (state, rows and champions so far)
    RUN/summary.json     per-seed final numbers and timings

Every file is written to a temporary name in the same folder and renamed into place, so a
killed run leaves either the old or the new version, never half of one (and perhaps the
temporary file, which `remove_partial_writes` clears).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from pathlib import Path

import jax
import numpy as np

from evojax_mod.config import ConfigError, ExperimentConfig, dump_config, load_config

CONFIG = "config.yaml"
METRICS = "metrics.csv"
CHAMPIONS = "champions.npz"
CHECKPOINT = "checkpoint.npz"
SUMMARY = "summary.json"
_TMP_SUFFIX = ".tmp"


class RunError(RuntimeError):
    """A run directory problem a user can fix; str() is one line."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed into
    place: a reader (or a later run) sees the old bytes or the new, never a part."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def write_config(run_dir: Path, config: ExperimentConfig) -> None:
    write_atomic(run_dir / CONFIG, dump_config(config).encode())


def partial_writes(run_dir: Path, name: str | None = None) -> list[Path]:
    """The temporary files that `write_atomic` calls into RUN left when a kill interrupted
    them (only those of file ``name``, if given): "." + the file's name + "." + mkstemp's 8
    characters + ".tmp"."""
    stem = re.escape(f".{name}.") if name else r"\..+\."
    pattern = re.compile(stem + r"[A-Za-z0-9_]{8}" + re.escape(_TMP_SUFFIX))
    return [path for path in Path(run_dir).iterdir() if pattern.fullmatch(path.name)]


def remove_partial_writes(run_dir: Path) -> None:
    """Delete the temporary files of `write_atomic` calls that a kill interrupted."""
    for path in partial_writes(run_dir):
        path.unlink(missing_ok=True)


def read_config(run_dir: Path) -> ExperimentConfig:
    """RUN/config.yaml, validated; a problem with it is a ConfigError naming the run directory."""
    try:
        return load_config(Path(run_dir) / CONFIG)
    except ConfigError as err:
        raise ConfigError(f"run directory '{run_dir}': {err}") from None


def metrics_csv(rows: np.ndarray, generations: np.ndarray, specs) -> bytes:
    """rows: float [S, T, K]; generations: int [T]; specs: the K metric specs
    (`experiments.base.MetricSpec`: name, integer). One CSV line per (seed, generation)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("seed", "generation") + tuple(m.name for m in specs))
    integer = [m.integer for m in specs]
    for s in range(rows.shape[0]):
        for t, g in enumerate(generations):
            values = [int(v) if whole else float(f"{v:.6g}") for whole, v in zip(integer, rows[s, t])]
            writer.writerow([s, int(g)] + values)
    return out.getvalue().encode()


def write_records(run_dir: Path, rows, generations, specs, champions, coords) -> None:
    """Metrics table and champions file from everything logged so far (specs: the metric
    specs of the experiment, in column order)."""
    write_atomic(run_dir / METRICS, metrics_csv(rows, generations, specs))
    arrays = {f"champion_{k}": v for k, v in champions.items()}
    arrays.update(generation=np.asarray(generations), node_x=coords[0], node_y=coords[1])
    write_atomic(run_dir / CHAMPIONS, _npz_bytes(arrays))


def write_checkpoint(run_dir: Path, state, rows, generations, champions) -> None:
    leaves = jax.tree.leaves(jax.device_get(state))
    arrays = {f"state_{i}": np.asarray(leaf) for i, leaf in enumerate(leaves)}
    arrays.update(rows=rows, generations=np.asarray(generations))
    arrays.update({f"champion_{k}": v for k, v in champions.items()})
    write_atomic(run_dir / CHECKPOINT, _npz_bytes(arrays))


def read_checkpoint(run_dir: Path, state_template):
    """(state, rows, generations, champions) from RUN/checkpoint.npz, the state rebuilt on the
    structure of ``state_template`` (arrays or shape/dtype structs). A checkpoint whose state
    has other arrays (written by a version whose state differed) is a one-line RunError."""
    path = Path(run_dir) / CHECKPOINT
    with np.load(path) as data:
        treedef = jax.tree.structure(state_template)
        expected = jax.tree.leaves(state_template)
        leaves = [data[f"state_{i}"] for i in range(sum(k.startswith("state_") for k in data.files))]
        if len(leaves) != len(expected) or any(
                a.shape != tuple(b.shape) or a.dtype != np.dtype(b.dtype) for a, b in zip(leaves, expected)):
            raise RunError(f"checkpoint '{path}': its state does not fit this version of evojax_mod "
                           f"({len(leaves)} arrays stored, {len(expected)} expected, or other shapes); "
                           f"resume it with the version that wrote it, or start the run again")
        champions = {k[len("champion_"):]: data[k] for k in data.files if k.startswith("champion_")}
        return (jax.tree.unflatten(treedef, leaves), data["rows"], data["generations"], champions)


def write_summary(run_dir: Path, summary: dict) -> None:
    write_atomic(run_dir / SUMMARY, json.dumps(summary, indent=2).encode())


def read_analysis(run_dir: Path, name: str, generation: int) -> dict | None:
    """The JSON of an analysis file RUN/name (Qm, adaptation times) when it was measured on
    the run's state at ``generation`` (its "generation" field); None if absent or stale."""
    path = Path(run_dir) / name
    if not path.is_file():
        return None
    content = json.loads(path.read_text())
    return content if content.get("generation") == generation else None


def read_metrics(run_dir: Path) -> dict[str, np.ndarray]:
    """The metrics table as columns (numpy arrays)."""
    with open(Path(run_dir) / METRICS) as f:
        reader = csv.reader(f)
        header = next(reader)
        data = np.array([[float(v) for v in row] for row in reader]).reshape(-1, len(header))
    return {name: data[:, i] for i, name in enumerate(header)}


def read_champions(run_dir: Path) -> dict[str, np.ndarray]:
    with np.load(Path(run_dir) / CHAMPIONS) as data:
        return {k: data[k] for k in data.files}
