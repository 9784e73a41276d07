"""JAX's persistent compilation cache, on by default: a second run of the same config (same
shapes, same devices, same jax) loads its compiled programs from disk instead of compiling them.
A run's two large programs are also kept whole in the same directory (`executable_cache`), so
that they need not even be traced again.

The cache lives in ``$XDG_CACHE_HOME/evojax_mod/jax`` (default ``~/.cache/evojax_mod/jax``).
The environment variable ``EVOJAX_MOD_COMPILE_CACHE`` moves it (a directory) or turns it off
(``0``, ``off``, ``false``, ``no`` or empty); ``evojax-mod ... --no-compile-cache`` turns it
off for one command. A cache directory set through JAX itself (``JAX_COMPILATION_CACHE_DIR``
or ``jax.config.update("jax_compilation_cache_dir", ...)``) is left alone unless
``EVOJAX_MOD_COMPILE_CACHE`` is set.

Every program is cached, however quickly it compiled: JAX's default (programs that took 1 s
or more) would leave out most of the CPU programs. Only process 0 of a multi-process group
writes entries (JAX's rule); every process reads them. Like any JAX compilation cache, the
directory is trusted code: do not point it at a folder others can write to.

JAX writes an entry in place, not through a rename: a process killed while it writes one can
leave the entry cut short. That costs no run anything: JAX warns that it cannot read the entry
and compiles the program again (tests/test_run_failures.py); but it never replaces an entry
that exists, so it warns again on every later run. Delete the cache directory to clear it.

The directory is kept to a size: when a process first uses it and it holds more than
``EVOJAX_MOD_COMPILE_CACHE_MAX_MB`` megabytes (default 2048), the files used longest ago go
first until it holds at most 80 % of that (`prune`). A whole program is marked used when it is
loaded; one of JAX's entries when it was written (JAX does not mark its reads).
"""
from __future__ import annotations

import contextlib
import math
import os
import stat
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

ENV_VAR = "EVOJAX_MOD_COMPILE_CACHE"
OFF_VALUES = ("", "0", "off", "false", "no")
MAX_MB_VAR = "EVOJAX_MOD_COMPILE_CACHE_MAX_MB"
DEFAULT_MAX_MB = 2048
PRUNED_TO = 0.8  # of the limit, so that pruning is not due again at the next entry

# The directory this module last gave JAX (None: none, or the cache turned off), so that a
# directory set through JAX itself can be told apart from ours.
_applied: str | None = None
_reported: set[str] = set()  # directories that could not be created and bad size limits, reported once each
_EVENTS = {"/jax/compilation_cache/cache_hits": "hits", "/jax/compilation_cache/cache_misses": "misses"}
_counts = {"hits": 0, "misses": 0}
_listening = False
_pruned: set[str] = set()  # directories this process has pruned


def _count(event: str, **_) -> None:
    if event in _EVENTS:
        _counts[_EVENTS[event]] += 1


def counts() -> dict[str, int]:
    """Programs this process has loaded from the cache ("hits": from JAX's, or whole from
    `executable_cache`) and compiled and stored ("misses") since `enable` was first called; a
    run reports the difference over itself, so its summary says whether its compile time was
    cold (all misses) or warm (all hits)."""
    return dict(_counts)


def note_hit() -> None:
    """Count one program loaded whole by `executable_cache` (JAX sees no compilation then)."""
    _counts["hits"] += 1


def note_miss() -> None:
    """Count one program `executable_cache` compiled and stored, `bypassed` JAX's cache."""
    _counts["misses"] += 1


@contextlib.contextmanager
def bypassed() -> Iterator[None]:
    """JAX's persistent cache neither read nor written by the compilations inside."""
    from jax.experimental.compilation_cache import compilation_cache
    import jax

    if not jax.config.jax_enable_compilation_cache:
        yield
        return
    jax.config.update("jax_enable_compilation_cache", False)
    compilation_cache.reset_cache()  # JAX decides once whether its cache is used
    try:
        yield
    finally:
        jax.config.update("jax_enable_compilation_cache", True)
        compilation_cache.reset_cache()


def max_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The size the cache directory is kept to (``EVOJAX_MOD_COMPILE_CACHE_MAX_MB``, bytes). A
    value that is not a positive number of megabytes is reported in one line and the default used."""
    env = os.environ if environ is None else environ
    text = env.get(MAX_MB_VAR, "").strip()
    if not text:
        return DEFAULT_MAX_MB * 2**20
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = -1.0
    if not (math.isfinite(megabytes) and megabytes > 0):
        if text not in _reported:
            _reported.add(text)
            print(f"evojax-mod: warning: {MAX_MB_VAR}={text!r}: expected a positive number of megabytes; "
                  f"using {DEFAULT_MAX_MB}", file=sys.stderr)
        return DEFAULT_MAX_MB * 2**20
    return int(megabytes * 2**20)


def prune(directory: Path, limit: int) -> list[Path]:
    """Delete the files of ``directory`` (and of its subdirectories) used longest ago, by
    modification time, until at most ``PRUNED_TO`` of ``limit`` bytes remain, when they exceed
    ``limit``. Files that vanish meanwhile (another process pruning) are skipped. Returns the
    files deleted, oldest first."""
    files = []
    for path in Path(directory).rglob("*"):
        try:
            st = path.stat()
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            files.append((st.st_mtime_ns, st.st_size, path))
    total = sum(size for _, size, _ in files)
    if total <= limit:
        return []
    deleted = []
    for _, size, path in sorted(files):
        if total <= PRUNED_TO * limit:
            break
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        deleted.append(path)
    return deleted


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """The cache directory that ``environ`` (default os.environ) asks for; None when off."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR)
    if value is None:
        base = env.get("XDG_CACHE_HOME", "")
        # the XDG spec: a relative XDG_CACHE_HOME is invalid and is ignored
        root = Path(base) if os.path.isabs(base) else Path(os.path.expanduser("~")) / ".cache"
        return root / "evojax_mod" / "jax"
    if value.strip().lower() in OFF_VALUES:
        return None
    return Path(value).expanduser()


def enable() -> Path | None:
    """Point JAX's persistent compilation cache at `cache_dir` for this process's compilations
    from now on (or turn it off), and return the directory in use (None: off).

    Cheap when nothing changed, so every run calls it. A directory that cannot be created is
    reported once, in one line on stderr, and the run compiles without a cache."""
    global _applied, _listening
    import jax
    from jax.experimental.compilation_cache import compilation_cache

    if not _listening:
        jax.monitoring.register_event_listener(_count)
        _listening = True

    current = jax.config.jax_compilation_cache_dir
    if ENV_VAR not in os.environ and current is not None and current != _applied:
        return Path(current)  # set through JAX by the user: theirs wins over our default
    directory = cache_dir()
    if directory is not None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            if str(directory) not in _reported:
                _reported.add(str(directory))
                print(f"evojax-mod: warning: compile cache '{directory}': {err.strerror or err}; compiling "
                      f"without it (set {ENV_VAR} to another directory, or to 0)", file=sys.stderr)
            directory = None
    wanted = None if directory is None else str(directory)
    if wanted is not None and wanted not in _pruned:
        _pruned.add(wanted)
        prune(directory, max_bytes())
    if wanted == current and wanted == _applied:
        return directory
    jax.config.update("jax_compilation_cache_dir", wanted)
    if wanted is not None:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)  # -1: no size limit
    compilation_cache.reset_cache()  # JAX opens its cache once; make it reopen at the new place
    _applied = wanted
    return directory


@contextlib.contextmanager
def scope(enabled: bool = True) -> Iterator[Path | None]:
    """`enable` for the duration of a command; ``enabled=False`` turns the cache off for it,
    in this process and in the processes it starts (through ``EVOJAX_MOD_COMPILE_CACHE=0``,
    restored afterwards). Yields the directory in use."""
    if enabled:
        yield enable()
        return
    saved = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = "0"
    try:
        yield enable()
    finally:
        if saved is None:
            del os.environ[ENV_VAR]
        else:
            os.environ[ENV_VAR] = saved
