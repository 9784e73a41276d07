"""Goals as Boolean functions of a task's k sub-goals, stored as integer truth-table codes.

Convention (the engine's bits depend on it): a goal's code has 2^k bits; bit ``idx`` is the
goal's value where the sub-goals take the values s_0..s_{k-1} with
``idx = sum_j s_j << (k - 1 - j)`` -- the FIRST sub-goal is the MOST significant bit. For k = 2,
bit ``2*a + b`` is g(a, b), which gives the `COMBINERS` table. Codes are < 2^16 (k <= 4), so they
fit an int32, and jitted code gets a goal's target bits on every pattern as
``(code >> task.sub_goal_index) & 1`` (`target_bits`, with jax.numpy as ``xp``).

A goal spec (`goal_code`) is an int code, a combiner name (k = 2 only), one of the task's
``named_goals``, or an expression over the sub-goal names in Python syntax, e.g. ``"L & R"``,
``"(A ^ B) & (C ^ D)"``, ``"B if S else C"`` (S selects which sub-goal is computed).
"""
from __future__ import annotations

import ast
from functools import lru_cache

import numpy as np

from evojax_mod.tasks.base import MAX_SUB_GOALS, BooleanTask

COMBINERS: dict[str, int] = {
    "and": 0b1000,
    "or": 0b1110,
    "xor": 0b0110,
    "nand": 0b0111,
    "nor": 0b0001,
    "xnor": 0b1001,
    "left": 0b1100,
    "right": 0b1010,
}

_ALLOWED = "sub-goal names, 0/1/True/False, &, |, ^, ~, and, or, not, ==, !=, ( ), A if S else B"


def combiner_code(name_or_code: str | int) -> int:
    """The 4-bit code of a 2-sub-goal combiner given by name (``"and"``) or by code (0..15)."""
    if isinstance(name_or_code, str):
        try:
            return COMBINERS[name_or_code.lower()]
        except KeyError:
            raise ValueError(f"unknown combiner {name_or_code!r}; combiners: "
                             f"{', '.join(COMBINERS)}") from None
    code = int(name_or_code)
    if not 0 <= code <= 15:
        raise ValueError(f"combiner code must be in 0..15, got {code}")
    return code


def _assignments(k: int) -> list[np.ndarray]:
    """For each sub-goal j, bool [2^k]: its value in every truth-table row (first = MSB)."""
    idx = np.arange(1 << k)
    return [((idx >> (k - 1 - j)) & 1).astype(bool) for j in range(k)]


def _code_of(values: np.ndarray) -> int:
    """The integer code of a truth table given as bool [2^k] (row idx -> bit idx)."""
    return int(sum(1 << i for i, v in enumerate(values) if v))


def expression_code(expression: str, sub_goal_names: tuple[str, ...]) -> int:
    """The code of a goal written as a Python-syntax Boolean expression over the sub-goals.

    Evaluated on numpy bool arrays over all 2^k sub-goal assignments; only the node types listed
    in the error messages are accepted (nothing is passed to eval()). Raises a one-line
    ValueError for a syntax error, an unknown name, a disallowed construct or an expression
    nested too deeply for Python's parser or for this evaluator's recursion.
    """
    names = tuple(sub_goal_names)
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"cannot parse goal expression {expression!r}; allowed: {_ALLOWED}") \
            from None
    except (RecursionError, MemoryError):  # the parser's stack overflows: MemoryError
        raise ValueError(f"goal expression {expression[:40]!r}... is nested too deeply") from None
    env = dict(zip(names, _assignments(len(names))))
    width = 1 << len(names)

    def fail(what: str):
        raise ValueError(f"{what} in goal expression {expression!r}; allowed: {_ALLOWED}")

    def ev(node: ast.AST) -> np.ndarray:
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise ValueError(f"unknown sub-goal {node.id!r} in {expression!r}; "
                                 f"sub-goals: {', '.join(names)}")
            return env[node.id]
        if isinstance(node, ast.Constant):
            # bool is an int subclass, so True/False pass the 0/1 test and nothing else does
            if isinstance(node.value, (bool, int)) and node.value in (0, 1):
                return np.full(width, bool(node.value))
            fail(f"constant {node.value!r} (only 0, 1, True, False)")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)):
            return ~ev(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr,
                                                                  ast.BitXor)):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.BitAnd):
                return a & b
            return a | b if isinstance(node.op, ast.BitOr) else a ^ b
        if isinstance(node, ast.BoolOp):
            values = [ev(v) for v in node.values]
            out = values[0]
            for v in values[1:]:
                out = out & v if isinstance(node.op, ast.And) else out | v
            return out
        if isinstance(node, ast.Compare) and all(isinstance(op, (ast.Eq, ast.NotEq))
                                                 for op in node.ops):
            # a chain a == b != c means (a == b) and (b != c), as in Python
            operands = [ev(node.left)] + [ev(c) for c in node.comparators]
            out = np.ones(width, bool)
            for op, a, b in zip(node.ops, operands, operands[1:]):
                out &= (a == b) if isinstance(op, ast.Eq) else (a != b)
            return out
        if isinstance(node, ast.IfExp):
            return np.where(ev(node.test), ev(node.body), ev(node.orelse))
        fail(f"{ast.unparse(node)!r} is not allowed")

    try:
        return _code_of(ev(tree.body))
    except RecursionError:
        raise ValueError(f"goal expression {expression[:40]!r}... is nested too deeply") from None


def goal_code(task: BooleanTask, spec: int | str) -> int:
    """The truth-table code (0 <= code < task.n_codes) of a goal spec for ``task``.

    spec: an int code; else a name in ``task.named_goals`` (resolved once, not recursively); else,
    when the task has exactly 2 sub-goals, a `COMBINERS` name (any case); else an expression over
    the sub-goal names (`expression_code`). Raises ValueError (one line) for anything else.
    """
    if isinstance(spec, (bool, np.bool_)):
        raise ValueError(f"goal spec {spec!r} is a bool; give an int code, a name or an "
                         f"expression")
    if isinstance(spec, (int, np.integer)):
        code = int(spec)
        if not 0 <= code < task.n_codes:
            raise ValueError(f"goal code {code} is out of range for task {task.name!r} "
                             f"(k = {task.n_sub_goals}): must be in 0..{task.n_codes - 1}")
        return code
    if not isinstance(spec, str):
        raise ValueError(f"goal spec must be an int code or a string, got {type(spec).__name__}")
    if spec in task.named_goals:
        named = task.named_goals[spec]
        if isinstance(named, str) and named in task.named_goals:
            raise ValueError(f"named goal {spec!r} of task {task.name!r} refers to another "
                             f"named goal {named!r}; give a code, combiner or expression")
        return goal_code(task, named)
    if task.n_sub_goals == 2 and spec.lower() in COMBINERS:
        return COMBINERS[spec.lower()]
    return expression_code(spec, task.sub_goal_names)


def target_bits(code, sub_goal_index, xp=np):
    """bool [..., P]: the goal's target on each pattern, ``((code >> sub_goal_index) & 1)``.

    code: int32 scalar (may be a traced jax value) or an array broadcastable against
    sub_goal_index; sub_goal_index: int32 [P] (`BooleanTask.sub_goal_index`). xp: the array
    module, numpy or jax.numpy, so jitted code uses the same convention without tasks/ importing
    jax.
    """
    code = xp.asarray(code, dtype=xp.int32)
    return ((code >> xp.asarray(sub_goal_index, dtype=xp.int32)) & 1).astype(bool)


def target(task: BooleanTask, code: int) -> np.ndarray:
    """np.bool_ [P]: the target output of goal ``code`` on each of the task's patterns."""
    return target_bits(goal_code(task, int(code)), task.sub_goal_index)


def _check_k(k: int) -> int:
    k = int(k)
    if not 1 <= k <= MAX_SUB_GOALS:
        raise ValueError(f"number of sub-goals must be in 1..{MAX_SUB_GOALS}, got {k}")
    return k


def depends_on_all(code: int, k: int) -> bool:
    """Whether the goal ``code`` of k sub-goals changes with each sub-goal (for some row)."""
    k = _check_k(k)
    if not 0 <= int(code) < 1 << (1 << k):
        raise ValueError(f"goal code {code} is out of range for k = {k}")
    return bool(_depends_on_all_mask(np.array([int(code)]), k)[0])


def _depends_on_all_mask(codes: np.ndarray, k: int) -> np.ndarray:
    """bool [C]: for each code, whether flipping each sub-goal changes the value in some row."""
    rows = np.arange(1 << k)
    table = ((codes[:, None] >> rows[None, :]) & 1).astype(bool)  # [C, 2^k]
    depends = np.ones(len(codes), bool)
    for j in range(k):
        flipped = rows ^ (1 << (k - 1 - j))
        depends &= (table != table[:, flipped]).any(axis=1)
    return depends


@lru_cache(maxsize=None)
def _family_codes(k: int) -> np.ndarray:
    codes = np.arange(1 << (1 << k), dtype=np.int64)
    family = codes[_depends_on_all_mask(codes, k)].astype(np.int32)
    family.setflags(write=False)  # cached and shared: callers must not edit it
    return family


def family_codes(k: int) -> np.ndarray:
    """int32 [F], sorted, read-only: every goal of k sub-goals that depends on all of them.

    F = 2, 10, 218, 64594 for k = 1, 2, 3, 4.
    """
    return _family_codes(_check_k(k))
