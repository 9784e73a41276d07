"""Whole compiled programs on disk, so that a second run of a config starts without tracing.

JAX's persistent compilation cache (`compile_cache`) skips only XLA: a run that finds its
programs there still traces and lowers them, several seconds for a Clune run's init and chunk
programs. This cache keeps each of those two programs as a serialized executable
(`jax.experimental.serialize_executable`) in ``<compile cache>/executables/``, and loads it
back in milliseconds.

The file name is a SHA-256 over everything that decides the program: the function's name, the
static arguments (an experiment by its kind and compiled config, `ExperimentConfig.compiled_key`),
the tree structure, shapes, dtypes and shardings of the array arguments, the source of the
package (every ``evojax_mod/**/*.py``) and of any experiment class defined outside it, the jax
and jaxlib versions, the devices, ``XLA_FLAGS`` and jax's configuration options. Any change to
one of them is another file; nothing is ever looked up by a stale key. A file that cannot be
read back (cut short by a kill, from another build) is compiled again and replaced; files are
written through a rename, so a reader never sees half of one. It follows the compile cache's
directory and switch (``EVOJAX_MOD_COMPILE_CACHE``, ``--no-compile-cache``), and is used in
a single process only (a multi-process group compiles as usual).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import os
import pickle
import sys
from pathlib import Path

import jax

from evojax_mod import compile_cache
from evojax_mod.config import dump_config
from evojax_mod.experiments.base import Experiment
from evojax_mod.records import write_atomic

SUBDIR = "executables"
PACKAGE_DIR = Path(__file__).resolve().parent
_reported: set[str] = set()
# Programs this process has loaded or compiled, by file: loading one again would map its code
# into memory again (see tests/__main__.py on the limit of memory mappings)
_loaded: dict[Path, object] = {}
_blobs: dict[str, bytes] = {}  # file name by program -> the bytes serialized when it was compiled
_backend_compiles = [0]  # XLA compilations in this process (jax's event), once listening


def _count_backend_compile(event: str, duration: float, **_) -> None:
    if event == "/jax/core/compile/backend_compile_duration":
        _backend_compiles[0] += 1


@functools.cache
def _listen() -> None:
    jax.monitoring.register_event_duration_secs_listener(_count_backend_compile)


@functools.cache
def package_source_digest() -> str:
    """SHA-256 of every Python file of the package (path and bytes), computed once a process."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _outside_sources(obj) -> list[str]:
    """Digests of the source files, outside the package, that define ``obj``'s class and bases."""
    digests = []
    for cls in type(obj).__mro__:
        try:
            path = Path(inspect.getsourcefile(cls) or "").resolve()
        except TypeError:  # a builtin
            continue
        if path.is_file() and PACKAGE_DIR not in path.parents:
            digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
    return digests


def _static_text(arg) -> str:
    """How a static argument enters the key: an experiment by its kind and compiled config."""
    if isinstance(arg, Experiment):
        cls = type(arg)
        return f"{cls.__module__}.{cls.__qualname__}\n{dump_config(arg.config.compiled_key())}{_outside_sources(arg)}"
    if isinstance(arg, (bool, int, float, str, type(None))):
        return repr(arg)
    raise TypeError(f"executable_cache: no key for a static argument of type {type(arg).__name__}")


def _array_text(tree) -> str:
    leaves, treedef = jax.tree.flatten(tree)
    parts = [str(treedef)]
    for leaf in leaves:
        sharding = getattr(leaf, "sharding", None)
        parts.append(f"{jax.numpy.shape(leaf)} {jax.numpy.result_type(leaf)} {sharding!r}")
    return "\n".join(parts)


def _environment_text() -> str:
    import jaxlib
    options = {k: v for k, v in jax.config.values.items() if "cache" not in k and "log" not in k}
    devices = jax.devices()
    return "\n".join([
        jax.__version__, jaxlib.__version__, jax.default_backend(), str(len(devices)),
        ",".join(sorted({d.device_kind for d in devices})), os.environ.get("XLA_FLAGS", ""),
        repr(sorted(options.items())), sys.version])


def cache_key(jitted, args: tuple, static_argnums: tuple[int, ...]) -> str:
    """The file name (hex SHA-256) of ``jitted`` compiled for ``args``."""
    static = [_static_text(args[i]) for i in static_argnums]
    dynamic = [a for i, a in enumerate(args) if i not in static_argnums]
    name = f"{getattr(jitted, '__module__', '')}.{getattr(jitted, '__qualname__', repr(jitted))}"
    text = "\n\0".join([name, *static, _array_text(dynamic), package_source_digest(), _environment_text()])
    return hashlib.sha256(text.encode()).hexdigest()


def program_key(lowered) -> str:
    """The file name (hex SHA-256, prefixed "hlo-") of a lowered program, whatever source
    produced it: what a run looks up once the source has changed. The arguments' pytree is
    part of it: calls of the same HLO with arguments of another structure (a None among them,
    say) cannot take each other's stored program."""
    text = lowered.as_text() + "\n\0" + str(lowered.in_tree) + "\n\0" + _environment_text()
    return "hlo-" + hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _prepare_process() -> None:
    """Set up what a program's custom calls need and jax sets up only while lowering one: the
    CPU's LAPACK wrappers (``eigh`` in the modularity measures). A program loaded before they
    are set up calls through null pointers and crashes the process."""
    jax.jit(jax.numpy.linalg.eigh).lower(jax.ShapeDtypeStruct((2, 2), jax.numpy.float32))  # runs nothing


def _load(path: Path):
    from jax.experimental import serialize_executable
    if not path.is_file():
        return None
    _prepare_process()
    try:
        payload, in_tree, out_tree, device_ids = pickle.loads(path.read_bytes())
        by_id = {d.id: d for d in jax.devices()}
        # the devices it was compiled for: by default it would load onto every device
        devices = [by_id[i] for i in device_ids]
        return serialize_executable.deserialize_and_load(payload, in_tree, out_tree, execution_devices=devices)
    except Exception:  # cut short, or written by another build: compile it again
        return None


def _serialized(compiled) -> bytes | None:
    """The bytes of a file, or None for a program XLA cannot serialize (some CPU sort kernels:
    "`LessThan` is not serializable"; JAX's own cache cannot keep those either)."""
    from jax.experimental import serialize_executable
    device_ids = [d.id for d in compiled.runtime_executable().local_devices()]
    try:
        return pickle.dumps((*serialize_executable.serialize(compiled), device_ids))
    except (jax.errors.JaxRuntimeError, ValueError):
        return None


def _store(paths: list[Path], blob: bytes) -> None:
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, blob)
    except OSError as err:  # never fail a run over its cache
        if str(paths[0].parent) not in _reported:
            _reported.add(str(paths[0].parent))
            print(f"evojax-mod: warning: executable cache '{paths[0].parent}': cannot store a program "
                  f"({err.strerror or err}); later runs will compile it again", file=sys.stderr)


def _found(path: Path):
    """The program of file ``path``, from this process's memory or the disk; None if absent.
    A file loaded from the disk is marked used (its modification time), which is what
    `compile_cache.prune` deletes by."""
    program = _loaded.get(path)
    if program is None:
        program = _load(path)
        if program is not None:
            with contextlib.suppress(OSError):
                os.utime(path)
    if program is not None:
        compile_cache.note_hit()
        _loaded[path] = program
    return program


def _in_use(directory: Path | None) -> bool:
    return directory is not None and jax.process_count() == 1


def load(jitted, args: tuple, static_argnums: tuple[int, ...], directory: Path | None):
    """``jitted`` for ``args`` as stored by `compiled`, or None when it is not stored (or the
    cache is off, or there are several processes). Counts a hit when found."""
    return _found(_path(jitted, args, static_argnums, directory)) if _in_use(directory) else None


def compiled(jitted, args: tuple, static_argnums: tuple[int, ...], directory: Path | None):
    """``jitted`` compiled for ``args`` (static ones at ``static_argnums``, as jitted declares
    them). With a cache ``directory``, in one process: loaded from it by `cache_key` (no
    tracing); else traced and lowered and loaded by `program_key` (the source changed but not
    this program); else compiled and stored under both. directory None (the cache off), or
    several processes: lowered and compiled, nothing stored. The result takes the non-static
    arguments, in order. Loads count as compile-cache hits, compilations here as misses
    (`compile_cache.counts`)."""
    if not _in_use(directory):
        return jitted.lower(*args).compile()
    by_source = _path(jitted, args, static_argnums, directory)
    program = _found(by_source)
    if program is not None:
        return program
    lowered = jitted.lower(*args)
    by_program = by_source.with_name(f"{program_key(lowered)}.bin")
    program = _found(by_program)
    if program is not None:
        _store([by_source], by_program.read_bytes())
        _loaded[by_source] = program
        return program
    # Only a program XLA has just compiled serializes whole: one that JAX loaded from its own
    # cache loses its kernels (a copy fails with "Function ... not found"), one that has run
    # may refuse ("`LessThan` is not serializable"). So these programs bypass JAX's cache, and
    # one that jax hands back from its memory of this process's compilations is stored from
    # the bytes taken when it was compiled, or not at all.
    _listen()
    before = _backend_compiles[0]
    with compile_cache.bypassed():
        program = lowered.compile()
    if _backend_compiles[0] > before:
        compile_cache.note_miss()
        blob = _serialized(program)
        if blob is not None:
            _blobs[by_program.name] = blob
    blob = _blobs.get(by_program.name)
    if blob is not None:
        _store([by_program, by_source], blob)
    _loaded[by_source] = program
    return program


def _path(jitted, args: tuple, static_argnums: tuple[int, ...], directory: Path) -> Path:
    return Path(directory) / SUBDIR / f"{cache_key(jitted, args, static_argnums)}.bin"
