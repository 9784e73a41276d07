"""The shape of the code, checked: no import circles, every module importable on its own, and
no branch on an experiment's kind outside the experiment modules (the interface answers)."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "evojax_mod"


def modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def imports_of(module: str) -> set[str]:
    """The evojax_mod modules that ``module`` imports at its top level (not inside functions,
    which run after every module has loaded)."""
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    known, found = set(modules()), set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("evojax_mod"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("evojax_mod"))
    return {m for m in found if m in known and m != module}


def test_no_import_circles():
    graph = {m: imports_of(m) for m in modules()}
    state: dict[str, int] = {}

    def visit(m, path):
        state[m] = 1
        for n in graph[m]:
            if state.get(n) == 1:
                raise AssertionError("import circle: " + " -> ".join(path[path.index(n):] + [n]))
            if n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])


@pytest.mark.slow
def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    failures = []
    pending = [m for m in modules() if not m.endswith("__main__")]  # __main__ runs the command
    while pending:  # a few interpreters at a time: each pays for importing jax
        batch, pending = pending[:6], pending[6:]
        procs = {m: subprocess.Popen([sys.executable, "-c", f"import {m}"], stderr=subprocess.PIPE, text=True)
                 for m in batch}
        for m, p in procs.items():
            _, err = p.communicate(timeout=120)
            if p.returncode:
                failures.append(f"{m}: {err.strip().splitlines()[-1]}")
    assert not failures, failures


KIND_BRANCH = re.compile(r"\b(genome|selection|family|schedule)\.kind\s*(==|!=|\bin\b|\bnot in\b)")


def test_no_experiment_kind_branch_outside_the_experiments():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(("experiments/", "config/")):
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if KIND_BRANCH.search(line):
                offenders.append(f"{rel}:{i}: {line.strip()}")
    assert not offenders, offenders


def test_the_kind_check_catches_a_branch():
    assert KIND_BRANCH.search('if config.genome.kind == "layered":')
    assert KIND_BRANCH.search("if cfg.selection.kind in ('elitist',):")
    assert not KIND_BRANCH.search("exp = EXPERIMENTS[config.selection.kind](config)")


def test_importing_every_module_starts_no_jax_backend():
    """The CLI sets the number of CPU devices after importing the package, which jax allows only
    before its first computation: no module may compute anything when imported (a jnp value as
    a default argument, say)."""
    code = ("import importlib, jax\n"
            f"for m in {[m for m in modules() if not m.endswith('__main__')]!r}: importlib.import_module(m)\n"
            "jax.config.update('jax_num_cpu_devices', 3)\n"
            "assert jax.device_count() == 3, jax.device_count()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
