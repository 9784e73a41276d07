import itertools

import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.tasks import COMBINERS, combine, combiner_code, retina_task


def ka_object(block_bits, outer):
    """Kashtan & Alon's rule: >= 3 pixels on, or 1-2 on all in the outer column."""
    on = [i for i, b in enumerate(block_bits) if b]
    return len(on) >= 3 or (1 <= len(on) <= 2 and all(i in outer for i in on))


def test_retina_patterns_and_objects_follow_kashtan_alon_rule():
    task = retina_task()
    assert task.inputs.shape == (256, 8)
    assert set(np.unique(task.inputs)) == {-1.0, 1.0}
    for s in range(256):
        bits = [(s >> i) & 1 for i in range(8)]
        assert list(task.inputs[s]) == [1.0 if b else -1.0 for b in bits]
        assert task.left[s] == ka_object(bits[:4], outer={0, 2})
        assert task.right[s] == ka_object(bits[4:], outer={1, 3})


def test_goal_counts_match_the_paper():
    task = retina_task()
    left, right = jnp.asarray(task.left), jnp.asarray(task.right)
    assert int(combine(COMBINERS["and"], left, right).sum()) == 64
    assert int(combine(COMBINERS["or"], left, right).sum()) == 192


@pytest.mark.parametrize("code", range(16))
def test_every_combiner_code_is_its_truth_table(code):
    a = jnp.array([False, False, True, True])
    b = jnp.array([False, True, False, True])
    expected = [bool((code >> (2 * int(x) + int(y))) & 1) for x, y in zip(a, b)]
    assert list(np.asarray(combine(code, a, b))) == expected


def test_named_combiners():
    for name, fn in {"and": lambda a, b: a and b, "or": lambda a, b: a or b,
                     "xor": lambda a, b: a != b, "nand": lambda a, b: not (a and b)}.items():
        for a, b in itertools.product([False, True], repeat=2):
            assert bool(combine(combiner_code(name), jnp.array(a), jnp.array(b))) == fn(a, b)
    with pytest.raises(ValueError):
        combiner_code(16)
