import itertools
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from evojax_mod.tasks import (COMBINERS, LEFT_OBJECTS, RIGHT_OBJECTS, TASKS, BooleanTask,
                              circuits_task, combiner_code, depends_on_all, family_codes, get_task,
                              goal_code, pixels_pm1, register_task, retina_task,
                              sub_goal_detectors, target, target_bits, xor3_task)
from evojax_mod.tasks import boolean

REPO = Path(__file__).resolve().parents[1]


def four_sub_goal_task():
    """A task with 4 random sub-goals over 5 inputs (resolved by "module:attr" in the tests)."""
    rng = np.random.default_rng(0)
    return BooleanTask(name="four", n_inputs=5, sub_goals=rng.random((4, 32)) < 0.5,
                       sub_goal_names=("A", "B", "C", "D"),
                       input_groups=((0,), (1,), (2,), (3, 4)))


FOUR = four_sub_goal_task()


# --- tasks ---------------------------------------------------------------------------------

def ka_object(block_bits, outer):
    """Kashtan & Alon's rule: >= 3 pixels on, or 1-2 on, all in the outer column."""
    on = [i for i, b in enumerate(block_bits) if b]
    return len(on) >= 3 or (1 <= len(on) <= 2 and all(i in outer for i in on))


def test_retina_pixels_and_objects_follow_the_kashtan_alon_rule():
    task = retina_task()
    pixels = pixels_pm1()
    assert pixels.shape == (256, 8) and pixels.dtype == np.float32
    left, right = task.sub_goals
    for p in range(256):
        bits = [(p >> i) & 1 for i in range(8)]
        assert pixels[p].tolist() == [1.0 if b else -1.0 for b in bits]
        assert left[p] == ka_object(bits[:4], outer={0, 2})
        assert right[p] == ka_object(bits[4:], outer={1, 3})


def test_retina_sub_goals_are_the_isin_rule_of_the_clune_code():
    task = retina_task()
    p = np.arange(256)
    np.testing.assert_array_equal(task.sub_goals[0], np.isin(p & 0x0F, LEFT_OBJECTS))
    np.testing.assert_array_equal(task.sub_goals[1], np.isin(p & 0xF0, RIGHT_OBJECTS))
    assert task.sub_goals.sum(axis=1).tolist() == [128, 128]
    assert int(target(task, COMBINERS["and"]).sum()) == 64
    assert int(target(task, COMBINERS["or"]).sum()) == 192
    assert task.sub_goal_names == ("L", "R") and task.input_groups == ((0, 1, 2, 3), (4, 5, 6, 7))
    assert (task.n_patterns, task.n_sub_goals, task.n_codes) == (256, 2, 16)


def test_input_bits_are_the_bits_of_the_pattern_index():
    bits = FOUR.input_bits()
    assert bits.dtype == np.uint8 and bits.shape == (32, 5)
    assert [int(sum(int(b) << i for i, b in enumerate(row))) for row in bits] == list(range(32))


def test_circuits_goals_are_kashtan_alons_g1_and_g2():
    task = get_task("circuits")
    x, y, z, w = task.input_bits().T.astype(bool)
    np.testing.assert_array_equal(target(task, goal_code(task, "G1")), (x ^ y) & (z ^ w))
    np.testing.assert_array_equal(target(task, goal_code(task, "G2")), (x ^ y) | (z ^ w))
    np.testing.assert_array_equal(target(task, goal_code(task, "XY")), x ^ y)


def test_xor3_sub_goals_and_its_family():
    task = get_task("xor3")
    bits = task.input_bits().astype(bool)
    for j in range(3):
        np.testing.assert_array_equal(task.sub_goals[j], bits[:, 2 * j] ^ bits[:, 2 * j + 1])
    assert task.n_codes == 256 and len(family_codes(task.n_sub_goals)) == 218


def test_andxorand_is_mengistus_truth_table_by_enumeration():
    task = get_task("andxorand")
    code = goal_code(task, "andxorand")
    for pattern, bit in enumerate(np.asarray(target(task, code))):
        x = [(pattern >> i) & 1 for i in range(8)]
        a = [x[0] & x[1], x[2] & x[3], x[4] & x[5], x[6] & x[7]]
        assert bit == bool((a[0] ^ a[1]) & (a[2] ^ a[3])), pattern
    assert task.input_groups == ((0, 1), (2, 3), (4, 5), (6, 7))


def test_sub_goals_are_a_read_only_copy():
    goals = np.zeros((1, 4), bool)
    task = BooleanTask(name="copy", n_inputs=2, sub_goals=goals, sub_goal_names=("X",),
                       input_groups=((0, 1),))
    goals[0, 0] = True
    assert not task.sub_goals.any()
    with pytest.raises(ValueError):
        task.sub_goals[0, 0] = True


@pytest.mark.parametrize("fields", [dict(sub_goals=np.zeros((1, 8), bool)),
                                    dict(sub_goals=np.zeros((1, 4), int)),
                                    dict(sub_goal_names=("not",)),
                                    dict(input_groups=((0, 2),)),
                                    dict(sub_goals=np.zeros((5, 4), bool),
                                         sub_goal_names=tuple("ABCDE"),
                                         input_groups=((0,),) * 5)])
def test_malformed_tasks_are_refused(fields):
    base = dict(name="bad", n_inputs=2, sub_goals=np.zeros((1, 4), bool), sub_goal_names=("X",),
                input_groups=((0, 1),))
    with pytest.raises(ValueError):
        BooleanTask(**{**base, **fields})


# --- goal codes ----------------------------------------------------------------------------

@pytest.mark.parametrize("code", range(16))
def test_every_two_sub_goal_code_is_its_truth_table(code):
    """bit 2a + b of the code is g(a, b): the first sub-goal is the most significant bit."""
    task = BooleanTask(name="ab", n_inputs=2, sub_goals=np.array([[0, 0, 1, 1], [0, 1, 0, 1]], bool),
                       sub_goal_names=("a", "b"), input_groups=((0,), (1,)))
    a, b = task.sub_goals
    assert target(task, code).tolist() == [bool((code >> (2 * x + y)) & 1) for x, y in zip(a, b)]


def test_combiners_keep_their_codes():
    assert COMBINERS == {"and": 8, "or": 14, "xor": 6, "nand": 7, "nor": 1, "xnor": 9,
                         "left": 12, "right": 10}
    ops = {"and": lambda a, b: a and b, "or": lambda a, b: a or b, "xor": lambda a, b: a != b,
           "nand": lambda a, b: not (a and b), "nor": lambda a, b: not (a or b),
           "xnor": lambda a, b: a == b, "left": lambda a, b: a, "right": lambda a, b: b}
    for name, fn in ops.items():
        for a, b in itertools.product([0, 1], repeat=2):
            assert bool((combiner_code(name) >> (2 * a + b)) & 1) == bool(fn(a, b))
    assert combiner_code("AND") == 8 and combiner_code(5) == 5
    with pytest.raises(ValueError):
        combiner_code(16)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2 ** 16 - 1))
def test_a_code_is_read_row_by_row_with_the_first_sub_goal_most_significant(code):
    s = FOUR.sub_goals.astype(int)
    row = 8 * s[0] + 4 * s[1] + 2 * s[2] + s[3]
    np.testing.assert_array_equal(FOUR.sub_goal_index, row)
    assert FOUR.sub_goal_index.dtype == np.int32
    np.testing.assert_array_equal(target(FOUR, code), ((code >> row) & 1).astype(bool))


def test_target_bits_under_jit_matches_numpy():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    index = jnp.asarray(FOUR.sub_goal_index)
    for code in (0, 1, 0b0110100110010110, 2 ** 16 - 1, 12345):
        got = jax.jit(lambda c: target_bits(c, index, xp=jnp))(jnp.int32(code))
        assert got.dtype == jnp.bool_
        np.testing.assert_array_equal(np.asarray(got), target(FOUR, code))


def test_family_sizes_and_speed():
    assert [len(family_codes(k)) for k in (1, 2, 3, 4)] == [2, 10, 218, 64594]
    start = time.perf_counter()
    fresh = boolean._family_codes.__wrapped__(4)  # uncached
    assert time.perf_counter() - start < 0.5
    assert fresh.dtype == np.int32 and np.all(np.diff(fresh) > 0)
    assert sorted(family_codes(2).tolist()) == [1, 2, 4, 6, 7, 8, 9, 11, 13, 14]


def test_depends_on_all_against_brute_force():
    k = 3
    rows = list(itertools.product([0, 1], repeat=k))  # row tuple s -> index sum s_j << (k-1-j)

    def value(code, s):
        return (code >> int("".join(map(str, s)), 2)) & 1

    for code in range(256):
        expected = all(any(value(code, s) != value(code, s[:j] + (1 - s[j],) + s[j + 1:])
                           for s in rows) for j in range(k))
        assert depends_on_all(code, k) == expected
    assert family_codes(3).tolist() == [c for c in range(256) if depends_on_all(c, 3)]
    assert not depends_on_all(COMBINERS["left"], 2)


def test_goal_specs_by_code_name_alias_and_expression():
    retina, circuits, xor3 = retina_task(), circuits_task(), xor3_task()
    assert goal_code(retina, "L & R") == goal_code(retina, "and") == goal_code(retina, "AND") == 8
    assert goal_code(retina, np.int64(14)) == 14
    assert goal_code(circuits, "G1") == 8 and goal_code(circuits, "G2") == 14
    # "left" is a combiner for k = 2; with 3 sub-goals it is no name or expression of the task
    assert goal_code(retina, "left") == goal_code(retina, "L") == 12
    with pytest.raises(ValueError, match="unknown sub-goal 'left'"):
        goal_code(xor3, "left")
    assert goal_code(xor3, "A & B & C") == 0b10000000


def test_expressions_nested_and_serial_against_numpy():
    a, b, c, d = FOUR.sub_goals

    def check(expression, expected):
        np.testing.assert_array_equal(target(FOUR, goal_code(FOUR, expression)), expected,
                                      err_msg=expression)

    check("(A & B) ^ (C & D)", (a & b) ^ (c & d))  # AND-XOR-AND
    check("((A ^ B) & (C ^ D))", (a ^ b) & (c ^ d))
    check("A if D else B", np.where(d, a, b))  # serial: D selects which sub-goal counts
    check("(A and B) if not C else (D or A)", np.where(~c, a & b, d | a))
    check("not (A or C) == B", ~(a | c) == b)
    check("A != B == C", (a != b) & (b == c))  # chained comparisons, as in Python
    check("~A | 0", ~a)
    check("True", np.ones(32, bool))
    check("B & False", np.zeros(32, bool))


@pytest.mark.parametrize("spec, fragment", [
    ("L & Q", "unknown sub-goal 'Q' in 'L & Q'; sub-goals: L, R"),
    ("L &", "cannot parse"),
    ("L + R", "'L + R' is not allowed"),
    ("__import__('os')", "not allowed"),
    ("L & 2", "constant 2"),
    ("L.real", "not allowed"),
    ("(lambda: L)()", "not allowed"),
    ("L < R", "not allowed"),
    (16, "out of range"),
    (-1, "out of range"),
    (True, "bool"),
    (1.0, "int code or a string"),
])
def test_bad_goals_are_one_line_value_errors(spec, fragment):
    with pytest.raises(ValueError) as err:
        goal_code(retina_task(), spec)
    assert "\n" not in str(err.value) and fragment in str(err.value)


# --- registry ------------------------------------------------------------------------------

SIX = BooleanTask(name="test-tasks-six", n_inputs=2, sub_goals=np.array([[0, 1, 1, 0]], bool),
                  sub_goal_names=("X",), input_groups=((0, 1),), named_goals={"same": "X"},
                  description="a test task")


def test_registry_by_name_and_by_module_path():
    assert register_task(SIX) is SIX and register_task(SIX) is SIX  # again: a no-op
    assert get_task("test-tasks-six") is SIX
    assert get_task("tests.test_tasks:SIX") is SIX
    by_factory = get_task("tests.test_tasks:four_sub_goal_task")
    assert by_factory.name == "four" and get_task("tests.test_tasks:four_sub_goal_task") is by_factory
    assert goal_code(get_task("test-tasks-six"), "same") == 0b10
    other = BooleanTask(name="test-tasks-six", n_inputs=1, sub_goals=np.array([[0, 1]], bool),
                        sub_goal_names=("X",), input_groups=((0,),))
    with pytest.raises(ValueError, match="already registered"):
        register_task(other)
    assert register_task(other, replace=True) is other and get_task("test-tasks-six") is other
    register_task(SIX, replace=True)


def test_registry_builtins_are_cached_and_unknown_names_listed():
    assert get_task("retina") is get_task("retina") is retina_task()
    assert {"retina", "circuits", "xor3", "andxorand"} <= set(TASKS)
    with pytest.raises(KeyError, match="registered: andxorand, circuits, retina"):
        get_task("nope")
    with pytest.raises(TypeError):
        get_task("tests.test_tasks:REPO")
    with pytest.raises(ModuleNotFoundError):
        get_task("tests.no_such_module:TASK")


# --- detectors -----------------------------------------------------------------------------

def test_sub_goal_detectors_find_a_node_or_its_complement():
    task = get_task("circuits")
    xy, zw = task.sub_goals
    x, y, z, w = task.input_bits().T.astype(bool)
    nodes = np.stack([xy, ~zw, xy & zw])
    assert sub_goal_detectors(nodes, task).tolist() == [True, True]
    assert sub_goal_detectors(nodes, task, np.array([True, False, True])).tolist() == [True, False]
    # XOR of the wrong input pairs, and the AND of both modules, detect nothing
    assert sub_goal_detectors(np.stack([x ^ z, y ^ w, xy & zw]), task).tolist() == [False, False]
    # 0/1 values and a leading population axis
    population = np.stack([nodes, nodes[[2, 2, 2]]]).astype(np.int8)
    assert sub_goal_detectors(population, task).tolist() == [[True, True], [False, False]]
    with pytest.raises(ValueError, match="0/1"):
        sub_goal_detectors(nodes * 0.5, task)
    with pytest.raises(ValueError, match="shape"):
        sub_goal_detectors(nodes[:, :8], task)


# --- numpy only ----------------------------------------------------------------------------

def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)


def test_the_tasks_package_itself_imports_no_jax():
    # A bare stand-in for the parent package, so only evojax_mod/tasks/ is executed.
    code = ("import sys, types; pkg = types.ModuleType('evojax_mod'); pkg.__path__ = ['evojax_mod']; "
            "sys.modules['evojax_mod'] = pkg; import evojax_mod.tasks as t; t.get_task('xor3'); "
            "assert 'jax' not in sys.modules, sorted(m for m in sys.modules if 'jax' in m)")
    result = run_python(code)
    assert result.returncode == 0, result.stderr


def test_importing_evojax_mod_tasks_imports_no_jax():
    result = run_python("import sys, evojax_mod.tasks; assert 'jax' not in sys.modules")
    assert result.returncode == 0, result.stderr


def test_serial_retina_truth_tables_by_enumeration():
    """Every pattern by hand: the left block's value selects which object type the right block
    must show (serial), against both sides combined (parallel)."""
    from evojax_mod.tasks.registry import get_task
    task = get_task("retina_serial")
    right_types = {v >> 4 for v in RIGHT_OBJECTS}
    expected = {"parallel": [], "serial": [], "serial_selector": [], "serial_swapped": []}
    for p in range(256):
        left_block, right_block = p & 15, p >> 4
        l, lx = left_block in LEFT_OBJECTS, left_block in right_types
        r, rx = right_block in right_types, right_block in LEFT_OBJECTS
        expected["parallel"].append(l and r)
        expected["serial"].append(r if l else rx)
        expected["serial_selector"].append(r if lx else rx)
        expected["serial_swapped"].append(rx if l else r)
    for name, bits in expected.items():
        got = target_bits(goal_code(task, name), task.sub_goal_index)
        np.testing.assert_array_equal(got, bits, err_msg=name)
    assert task.input_parts == ((0, 1, 2, 3), (4, 5, 6, 7))
    # the goals differ from one another: each MVG switch changes the target
    codes = {goal_code(task, name) for name in expected}
    assert len(codes) == 4
