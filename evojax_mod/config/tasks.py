"""The task section: which Boolean task (`evojax_mod.tasks`) the network is scored on, and on
which of its patterns."""
from __future__ import annotations

from dataclasses import dataclass

from evojax_mod.config.checks import _check, _one_line
from evojax_mod.errors import ConfigError


def _tasks():
    # Imported when a config is validated, not when this module is, so that modules of
    # evojax_mod.tasks may import this one without an import cycle.
    from evojax_mod import tasks
    return tasks


@dataclass(frozen=True)
class TaskConfig:
    """name: a task registered in `evojax_mod.tasks` (retina: 8 pixels, sub-goals L and R, the
    objects in the left and right halves; circuits: 4 inputs x, y, z, w, sub-goals x XOR y and
    z XOR w). patterns: 0 = score on every input pattern; n = on n distinct patterns drawn once
    per seed (Kashtan & Alon's retina nets: 100); elitist selection only. redraw_every: 0 = the
    patterns are drawn once per seed; n = a new draw every n generations (Kashtan & Alon do not
    say which). solved_accuracy: the fraction right that counts as solving a goal (Kashtan &
    Alon's retina: "at least 95 % correct"; 1 = perfect), for the elitist experiments'
    criterion generations."""

    name: str = "retina"
    patterns: int = 0
    redraw_every: int = 0
    solved_accuracy: float = 1.0

    def resolve(self, at: str):
        """The task this section names (a `BooleanTask`), after checking both keys."""
        tasks = _tasks()
        try:
            task = tasks.get_task(self.name)
        except (KeyError, ValueError, ImportError, AttributeError, TypeError) as err:  # see get_task
            reason = err.args[0] if err.args else err
            raise ConfigError(_one_line(f"config key '{at}.name': expected a registered task "
                                        f"({reason}), got {self.name!r}")) from None
        _check(0 <= self.patterns <= task.n_patterns, f"{at}.patterns",
               f"0 (all) or 1..{task.n_patterns} (the patterns of task {task.name})", self.patterns)
        _check(self.redraw_every >= 0, f"{at}.redraw_every", "an integer >= 0 (0: drawn once; n: every n "
               "generations)", self.redraw_every)
        _check(self.redraw_every == 0 or 0 < self.patterns < task.n_patterns, f"{at}.redraw_every",
               f"0 unless {at}.patterns draws a subset (1..{task.n_patterns - 1})", self.redraw_every)
        _check(0 < self.solved_accuracy <= 1, f"{at}.solved_accuracy", "a fraction in (0, 1]",
               self.solved_accuracy)
        return task
