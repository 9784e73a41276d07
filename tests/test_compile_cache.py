import os
from pathlib import Path

import jax
import jax.numpy as jnp
import pytest

from evojax_mod import cli, compile_cache

ENV = compile_cache.ENV_VAR


@pytest.fixture
def env(monkeypatch):
    """monkeypatch for the environment; afterwards the session's cache (conftest) is back."""
    yield monkeypatch
    monkeypatch.undo()
    compile_cache.enable()


def fresh_program():
    """Compile and run a program no test compiled before (a new constant in it)."""
    c = int.from_bytes(os.urandom(4), "little") / 2**32
    return jax.jit(lambda x: x * c + 1.0)(jnp.arange(5.0))


def entries(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()} if directory.is_dir() else set()


def test_cache_dir_follows_the_environment(tmp_path):
    home = Path(os.path.expanduser("~"))
    assert compile_cache.cache_dir({}) == home / ".cache/evojax_mod/jax"
    assert compile_cache.cache_dir({"XDG_CACHE_HOME": "/xdg"}) == Path("/xdg/evojax_mod/jax")
    assert compile_cache.cache_dir({"XDG_CACHE_HOME": "rel"}) == home / ".cache/evojax_mod/jax"  # XDG: ignored
    assert compile_cache.cache_dir({ENV: str(tmp_path), "XDG_CACHE_HOME": "/xdg"}) == tmp_path
    for off in ("0", "off", "OFF", "", " false ", "no"):
        assert compile_cache.cache_dir({ENV: off}) is None


def test_the_variable_moves_the_cache_and_a_fresh_process_would_hit_it(env, tmp_path):
    env.setenv(ENV, str(tmp_path / "first"))
    compile_cache.enable()
    fresh_program()  # JAX opens its cache here, in "first"
    assert entries(tmp_path / "first")
    env.setenv(ENV, str(tmp_path / "moved"))
    assert compile_cache.enable() == tmp_path / "moved"
    assert jax.config.jax_compilation_cache_dir == str(tmp_path / "moved")
    c = int.from_bytes(os.urandom(4), "little") / 2**32
    program, x = jax.jit(lambda x: x * c - 2.0), jnp.arange(3.0)
    hits = []
    listener = lambda event, **kw: hits.append(event) if event == "/jax/compilation_cache/cache_hits" else None
    jax.monitoring.register_event_listener(listener)
    try:
        before = entries(tmp_path / "first")
        program(x)
        assert any(name.startswith("jit_") for name in entries(tmp_path / "moved"))
        assert entries(tmp_path / "first") == before
        assert hits == []
        program.clear_cache()  # as if in a new process: only the disk has the program now
        program(x)
        assert hits, "the second compilation did not load the program from the cache"
    finally:
        jax.monitoring.unregister_event_listener(listener)


@pytest.mark.parametrize("off", ["0", "off", ""])
def test_the_variable_turns_the_cache_off(env, tmp_path, off):
    env.setenv(ENV, str(tmp_path))
    compile_cache.enable()
    env.setenv(ENV, off)
    assert compile_cache.enable() is None
    assert jax.config.jax_compilation_cache_dir is None
    fresh_program()
    assert entries(tmp_path) == set()


def test_a_directory_set_through_jax_is_kept_unless_the_variable_is_set(env, tmp_path):
    env.delenv(ENV, raising=False)
    jax.config.update("jax_compilation_cache_dir", str(tmp_path / "theirs"))
    try:
        assert compile_cache.enable() == tmp_path / "theirs"
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "theirs")
        env.setenv(ENV, str(tmp_path / "ours"))
        assert compile_cache.enable() == tmp_path / "ours"
    finally:
        jax.config.update("jax_compilation_cache_dir", None)


def test_a_directory_that_cannot_be_made_warns_and_compiles_without(env, tmp_path, capsys):
    (tmp_path / "file").write_text("")
    env.setenv(ENV, str(tmp_path / "file" / "cache"))
    assert compile_cache.enable() is None
    assert compile_cache.enable() is None  # a command calls it, then its run again: one warning
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ENV in err and "compiling without it" in err
    fresh_program()


def test_no_compile_cache_flag_turns_it_off_for_the_command_and_its_processes(env, tmp_path, monkeypatch):
    env.setenv(ENV, str(tmp_path))
    seen = []

    def fake_run(args):
        seen.append((os.environ.get(ENV), jax.config.jax_compilation_cache_dir))
        return 0

    monkeypatch.setattr(cli, "_cmd_run", fake_run)
    assert cli.main(["run", "quickstart/pcc", "--no-compile-cache"]) == 0
    assert cli.main(["run", "quickstart/pcc"]) == 0
    assert seen == [("0", None), (str(tmp_path), str(tmp_path))]
    assert os.environ[ENV] == str(tmp_path)  # restored after the first command
    for command in (["resume", "r"], ["analyze", "r"], ["bench"]):
        assert cli.build_parser().parse_args(command + ["--no-compile-cache"]).no_compile_cache


def test_prune_deletes_the_files_used_longest_ago_to_under_the_limit(tmp_path):
    (tmp_path / "executables").mkdir()
    names = ["a-cache", "b-atime", "executables/c.bin", "d-cache", "executables/e.bin"]
    for age, name in enumerate(reversed(names)):  # a is the oldest, e the newest
        path = tmp_path / name
        path.write_bytes(b"x" * 100)
        os.utime(path, ns=(10**18 - age * 10**9,) * 2)
    assert compile_cache.prune(tmp_path, 500) == []  # at the limit: nothing to do
    deleted = compile_cache.prune(tmp_path, 400)  # over it: down to 80 % of it, oldest first
    assert deleted == [tmp_path / "a-cache", tmp_path / "b-atime"]
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == \
        ["d-cache", "executables/c.bin", "executables/e.bin"]


def test_the_size_limit_reads_megabytes_and_reports_a_bad_value_once(capsys):
    assert compile_cache.max_bytes({}) == compile_cache.DEFAULT_MAX_MB * 2**20
    assert compile_cache.max_bytes({compile_cache.MAX_MB_VAR: "1.5"}) == int(1.5 * 2**20)
    for bad in ("0", "-3", "lots", "nan", "inf"):
        assert compile_cache.max_bytes({compile_cache.MAX_MB_VAR: bad}) == compile_cache.DEFAULT_MAX_MB * 2**20
        compile_cache.max_bytes({compile_cache.MAX_MB_VAR: bad})
    err = capsys.readouterr().err
    assert err.count(compile_cache.MAX_MB_VAR) == 5 and len(err.splitlines()) == 5


def test_a_process_prunes_its_cache_when_it_first_uses_it(env, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    old = cache / "old-cache"
    old.write_bytes(b"x" * 2**20)
    os.utime(old, ns=(10**18,) * 2)
    env.setenv(ENV, str(cache))
    env.setenv(compile_cache.MAX_MB_VAR, "0.5")
    compile_cache.enable()
    assert not old.exists()
