"""Tasks by name: the built-in ones, any registered later, and "package.module:attribute".

A new task is one file defining a `BooleanTask` (or a zero-argument function returning one) plus
a config naming it as "package.module:attribute"; nothing here needs editing.
"""
from __future__ import annotations

import importlib
from typing import Callable, Union

from evojax_mod.tasks.andxorand import andxorand_task
from evojax_mod.tasks.base import BooleanTask
from evojax_mod.tasks.circuits import circuits_task
from evojax_mod.tasks.retina import retina_task
from evojax_mod.tasks.serial_retina import serial_retina_task
from evojax_mod.tasks.xor3 import xor3_task

TaskOrFactory = Union[BooleanTask, Callable[[], BooleanTask]]

TASKS: dict[str, TaskOrFactory] = {
    "retina": retina_task,
    "circuits": circuits_task,
    "xor3": xor3_task,
    "andxorand": andxorand_task,
    "retina_serial": serial_retina_task,
}
# "module:attribute" lookups, kept so that every call returns the same task object (tasks are
# compared by identity, e.g. as static arguments of jit).
_BY_PATH: dict[str, BooleanTask] = {}


def register_task(task: BooleanTask, *, replace: bool = False) -> BooleanTask:
    """Register ``task`` under ``task.name`` and return it.

    Registering the same object again is a no-op; another task under a taken name raises
    ValueError unless ``replace``.
    """
    if not isinstance(task, BooleanTask):
        raise TypeError(f"register_task takes a BooleanTask, got {type(task).__name__}")
    current = TASKS.get(task.name)
    if current is not None and current is not task and not replace:
        raise ValueError(f"a task named {task.name!r} is already registered; "
                         f"pass replace=True to replace it")
    TASKS[task.name] = task
    return task


def _resolve(value, where: str) -> BooleanTask:
    task = value if isinstance(value, BooleanTask) else value() if callable(value) else value
    if not isinstance(task, BooleanTask):
        raise TypeError(f"{where} is not a BooleanTask or a zero-argument function returning one "
                        f"(got {type(task).__name__})")
    return task


def get_task(name: str) -> BooleanTask:
    """The task registered as ``name``, or the one at "package.module:attribute".

    Factories are called once and their task cached. Raises KeyError listing the registered
    names for an unknown name, and ImportError / AttributeError for a bad "module:attribute".
    """
    if ":" in name:
        if name not in _BY_PATH:
            module_name, _, attribute = name.partition(":")
            value = getattr(importlib.import_module(module_name), attribute)
            _BY_PATH[name] = _resolve(value, name)
        return _BY_PATH[name]
    if name not in TASKS:
        raise KeyError(f"unknown task {name!r}; registered: {', '.join(sorted(TASKS))} "
                       f"(or give 'package.module:attribute')")
    task = TASKS[name] = _resolve(TASKS[name], f"TASKS[{name!r}]")
    return task
