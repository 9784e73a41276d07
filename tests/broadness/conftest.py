"""float64 for the analytic reference values of measures.md §4.3 (tests ask for it by fixture,
so float32 code paths stay tested elsewhere)."""
import jax
import pytest


@pytest.fixture
def x64():
    with jax.enable_x64(True):
        yield
