"""Session setup: JAX's persistent compilation cache in pytest's cache folder
(.pytest_cache/d/jax-compile-cache), shared by the tests of a session, by the processes they
start (through EVOJAX_MOD_COMPILE_CACHE) and by later sessions, and kept out of the user's
own cache; ``pytest --cache-clear`` empties it. An EVOJAX_MOD_COMPILE_CACHE already set (a
directory, or 0 to test without a cache) is kept."""
import os

from evojax_mod import compile_cache


def pytest_configure(config):
    cache = getattr(config, "cache", None)  # None under -p no:cacheprovider: the user's default then
    if cache is not None:
        os.environ.setdefault(compile_cache.ENV_VAR, str(cache.mkdir("jax-compile-cache")))
    compile_cache.enable()
