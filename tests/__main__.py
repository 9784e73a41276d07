"""Run the test suite one file per pytest process: ``python -m tests [pytest options]``.

Why not one process: every program XLA compiles for the CPU stays mapped in the process, about
2 000 memory mappings per Clune run configuration, and at Linux's default vm.max_map_count
(65 530) a process that has compiled some thirty of them aborts inside XLA (seen as "Fatal
Python error: Aborted" in a compile or a compilation-cache write). One process per test file
stays far below that. Programs still compile once: the processes share JAX's persistent
compilation cache (tests/conftest.py).

Extra arguments go to every pytest call (e.g. ``-m slow``, ``-x``). Files are run in sorted
order; the exit status is 0 when every file passed (or had no test selected), 1 otherwise.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

NO_TESTS_COLLECTED = 5  # pytest's exit status when a file has no selected test


def test_files(root: Path) -> list[Path]:
    """Every tests/**/test_*.py, sorted."""
    return sorted(root.rglob("test_*.py"))


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent
    failed, started = [], time.perf_counter()
    for path in test_files(root):
        name = path.relative_to(root.parent)
        t = time.perf_counter()
        status = subprocess.run([sys.executable, "-m", "pytest", "-q", "--no-header",
                                 str(name), *argv], cwd=root.parent).returncode
        print(f"== {name}: {'ok' if status in (0, NO_TESTS_COLLECTED) else 'FAILED'} "
              f"({time.perf_counter() - t:.0f} s)", flush=True)
        if status not in (0, NO_TESTS_COLLECTED):
            failed.append(str(name))
    total = time.perf_counter() - started
    print(f"== {len(test_files(root)) - len(failed)} files passed, {len(failed)} failed, {total / 60:.1f} min"
          + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
