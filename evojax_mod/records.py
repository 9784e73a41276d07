"""The run directory: config snapshot, metrics table, champions, checkpoint, summary.

    RUN/config.yaml      the validated config that produced the run
    RUN/metrics.csv      tidy table, one row per (seed, logged generation)
    RUN/champions.npz    champion genomes per seed and logged generation, plus node coordinates
    RUN/checkpoint.npz   everything needed to resume (state, rows and champions so far)
    RUN/summary.json     per-seed final numbers and timings

Every file is written to a temporary name in the same folder and renamed into place, so a
killed run leaves either the old or the new version, never half of one (and perhaps the
temporary file, which `remove_partial_writes` clears).

Every reader answers a file that is missing, cut short, garbled, of the wrong shape or from
another run with a one-line RunError (or ConfigError, for config.yaml) that names the file and
says what to do; numpy files holding pickles are refused, never unpickled.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import zipfile
import zlib
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
    path = Path(run_dir) / CONFIG
    if not path.is_file():
        raise ConfigError(f"run directory '{run_dir}': no {CONFIG} (is this a run directory?)")
    try:
        return load_config(path)
    except ConfigError as err:
        where = "" if str(path) in str(err) else f"{CONFIG}: "  # a bad value is named by its key alone
        raise ConfigError(f"run directory '{run_dir}': {where}{err}; restore its {CONFIG} from the config that "
                          f"made the run (`evojax-mod check CONFIG` prints every value)") from None


def damaged(path: Path, problem: str) -> RunError:
    """The one-line RunError for a run file that cannot be used: the file, what is wrong with
    it, and what to do (which depends on the file: most can be written again)."""
    path = Path(path)
    run_dir = path.parent
    if path.name in (METRICS, CHAMPIONS) and (run_dir / CHECKPOINT).is_file():
        remedy = f"`evojax-mod resume {run_dir}` writes it again from {CHECKPOINT}"
    elif path.name == CHECKPOINT:
        remedy = (f"restore it, or {'' if problem == 'missing' else 'delete it and '}`evojax-mod resume {run_dir}` "
                  f"runs the run again from generation 0 (to the same bits)")
    elif path.name in ("analysis.json", "adaptation.json", "measures.csv"):
        command = "adapt" if path.name == "adaptation.json" else "analyze"
        remedy = f"delete it, or measure again with `evojax-mod {command} {run_dir}`"
    else:
        remedy = "restore it, or make the run directory again"
    return RunError(f"'{path}': {problem}; {remedy}")


def _read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise damaged(path, "missing") from None
    except OSError as err:
        raise damaged(path, f"cannot be read ({err.strerror or err})") from None


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


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of a .npz file, pickles refused; a file that is not a whole .npz of plain
    arrays is a `damaged` RunError."""
    data = _read_bytes(path)
    try:
        loaded = np.load(io.BytesIO(data), allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):  # a lone .npy array
            raise ValueError("not an archive")
        with loaded as npz:
            return {k: npz[k] for k in npz.files}
    except ValueError as err:
        problem = "holds pickled objects, which are never loaded" if "pickle" in str(err) else "not an .npz archive"
        raise damaged(path, f"{problem} (damaged, or not written by evojax_mod)") from None
    except (EOFError, OSError, zipfile.BadZipFile, zlib.error, KeyError):
        raise damaged(path, "not a whole .npz archive (cut short or garbled)") from None


def _fits(array: np.ndarray, shape: tuple, dtype) -> bool:
    return array.shape == tuple(shape) and array.dtype == np.dtype(dtype)


def _check_logged(path: Path, arrays: dict, generations: np.ndarray, template: dict | None) -> None:
    """The champion arrays of ``arrays`` (``champion_<field>`` [S, T, ...]) against the logged
    ``generations`` [T] and, when given, ``template`` ({name: [S, ...] shape/dtype struct})."""
    if generations.ndim != 1 or generations.size == 0 or generations.dtype.kind not in "iu" \
            or np.any(np.diff(generations) <= 0):
        raise damaged(path, "its logged generations are not an increasing list of whole numbers")
    champions = {k: v for k, v in arrays.items() if k.startswith("champion_")}
    if template is not None and sorted(champions) != sorted(template):
        raise damaged(path, f"holds champions {sorted(champions)}, config.yaml's experiment has "
                            f"{sorted(template)}: one of them is another experiment's?")
    if not champions:
        raise damaged(path, "holds no champions")
    seeds = next(iter(champions.values())).shape[:1]
    for k, v in champions.items():
        want = tuple(template[k].shape) if template is not None else seeds + v.shape[2:]
        dtype = template[k].dtype if template is not None else v.dtype
        if not _fits(v, want[:1] + generations.shape + want[1:], dtype):
            fit = "by config.yaml" if template is not None else "by its other arrays"
            raise damaged(path, f"{k} is {v.dtype} {list(v.shape)}, expected {np.dtype(dtype)} "
                                f"{[*want[:1], generations.size, *want[1:]]} (seeds, logged generations, ...) "
                                f"{fit}: one of them is another run's?")


def read_checkpoint(run_dir: Path, state_template, champion_template: dict | None = None):
    """(state, rows, generations, champions) from RUN/checkpoint.npz, the state rebuilt on the
    structure of ``state_template`` (arrays or shape/dtype structs); the champions checked
    against ``champion_template`` ({``champion_<field>``: [S, ...] struct}) when given. A
    checkpoint that does not fit (another config's, or a version's whose state differed) or
    is damaged is a one-line RunError."""
    path = Path(run_dir) / CHECKPOINT
    data = _load_npz(path)
    treedef = jax.tree.structure(state_template)
    expected = jax.tree.leaves(state_template)
    n_stored = sum(k.startswith("state_") for k in data)
    leaves = [data.get(f"state_{i}") for i in range(n_stored)]
    if len(leaves) != len(expected) or any(
            a is None or not _fits(a, b.shape, b.dtype) for a, b in zip(leaves, expected)):
        raise RunError(f"checkpoint '{path}': its state does not fit config.yaml and this version of evojax_mod "
                       f"({n_stored} arrays stored, {len(expected)} expected, or other shapes): it was written "
                       f"by another config or version; resume it with the version that wrote it, or start "
                       f"the run again")
    if "rows" not in data or "generations" not in data:
        raise damaged(path, "has no logged rows")
    rows, generations = data["rows"], data["generations"]
    _check_logged(path, data, generations, champion_template)
    n_seeds = expected[0].shape[0] if expected else rows.shape[0]
    if rows.ndim != 3 or rows.shape[:2] != (n_seeds, generations.size) or rows.dtype.kind != "f":
        raise damaged(path, f"its rows are {rows.dtype} {list(rows.shape)}, expected floats "
                            f"[{n_seeds}, {generations.size}, metrics]")
    champions = {k[len("champion_"):]: v for k, v in data.items() if k.startswith("champion_")}
    return jax.tree.unflatten(treedef, leaves), rows, generations, champions


def write_summary(run_dir: Path, summary: dict) -> None:
    write_atomic(run_dir / SUMMARY, json.dumps(summary, indent=2).encode())


def read_analysis(run_dir: Path, name: str, generation: int) -> dict | None:
    """The JSON of an analysis file RUN/name (Qm, adaptation times) when it was measured on
    the run's state at ``generation`` (its "generation" field); None if absent or stale."""
    path = Path(run_dir) / name
    if not path.is_file():
        return None
    try:
        content = json.loads(_read_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise damaged(path, "not valid JSON (cut short or garbled)") from None
    if not isinstance(content, dict):
        raise damaged(path, "not a JSON object (not written by evojax_mod)")
    return content if content.get("generation") == generation else None


def read_metrics(run_dir: Path, columns: tuple[str, ...] | None = None,
                 seeds: int | None = None) -> dict[str, np.ndarray]:
    """The metrics table as columns (numpy arrays). ``columns``: the metric names expected
    after seed and generation; ``seeds``: the run's seed count. A table that does not parse or
    does not fit them is a one-line RunError naming the line."""
    path = Path(run_dir) / METRICS
    try:
        lines = list(csv.reader(io.StringIO(_read_bytes(path).decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error):
        raise damaged(path, "not CSV text (garbled)") from None
    header = lines[0] if lines else []
    if header[:2] != ["seed", "generation"] or len(set(header)) != len(header):
        raise damaged(path, "its first line is not a header starting seed,generation")
    if columns is not None and header[2:] != list(columns):
        raise damaged(path, f"its columns are not those of config.yaml's experiment ({len(header) - 2} "
                            f"metrics, {len(columns)} expected; another experiment's file?)")
    values = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            if len(line) != len(header):
                raise ValueError
            values.append([float(v) for v in line])
        except ValueError:
            raise damaged(path, f"line {number} is not {len(header)} numbers (cut short or garbled)") from None
    data = np.array(values, float).reshape(-1, len(header))
    for i, name in enumerate(header[:2]):
        column = data[:, i]
        whole = np.isfinite(column) & (column >= 0) & (column == np.round(column))
        limit = seeds if seeds is not None and name == "seed" else np.inf
        if not np.all(whole & (column < limit)):
            bad = int(np.flatnonzero(~(whole & (column < limit)))[0]) + 2
            raise damaged(path, f"line {bad}: its {name} is not a whole number"
                                + (f" below {seeds}, the runs config.yaml holds (run.seeds, times a sweep's values)"
                                   if limit < np.inf else ""))
    return {name: data[:, i] for i, name in enumerate(header)}


def read_champions(run_dir: Path, template: dict | None = None) -> dict[str, np.ndarray]:
    """champions.npz's arrays: ``champion_<field>`` [S, T, ...], generation [T], node_x and
    node_y [N]. ``template``: the champion structs ({``champion_<field>``: [S, ...]}) of
    config.yaml's run, which the arrays must fit."""
    path = Path(run_dir) / CHAMPIONS
    arrays = _load_npz(path)
    for key in ("generation", "node_x", "node_y"):
        if key not in arrays:
            raise damaged(path, f"has no '{key}' array (not written by evojax_mod)")
    _check_logged(path, arrays, arrays["generation"], template)
    if arrays["node_x"].ndim != 1 or arrays["node_x"].shape != arrays["node_y"].shape:
        raise damaged(path, "its node coordinates are not two lists of the same length")
    return arrays
