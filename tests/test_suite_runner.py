"""The suite's own runner (tests/__main__.py): order of files and the jobs setting."""
import pytest

from tests import __main__ as runner


def test_longest_first_puts_unrecorded_files_first_then_by_last_time():
    times = {"b.py": 5.0, "c.py": 50.0, "d.py": 1.0}
    assert runner.longest_first(["d.py", "a.py", "b.py", "c.py", "e.py"], times) == \
        ["a.py", "e.py", "c.py", "b.py", "d.py"]


def test_jobs_reads_a_positive_integer_or_stops_with_one_line(monkeypatch):
    monkeypatch.setenv(runner.JOBS_VAR, "3")
    assert runner.jobs() == 3
    monkeypatch.delenv(runner.JOBS_VAR)
    assert runner.jobs() >= 1
    for bad in ("0", "-2", "two"):
        monkeypatch.setenv(runner.JOBS_VAR, bad)
        with pytest.raises(SystemExit, match=runner.JOBS_VAR):
            runner.jobs()


def test_unreadable_times_are_no_times(tmp_path):
    path = tmp_path / "t.json"
    assert runner._read_times(path) == {}
    path.write_text("[1, 2]")
    assert runner._read_times(path) == {}
    path.write_text('{"x.py": "slow"}')
    assert runner._read_times(path) == {}
    path.write_text('{"x.py": 2.5}')
    assert runner._read_times(path) == {"x.py": 2.5}


def test_small_files_share_batches_within_the_limit_and_long_or_unrecorded_ones_run_alone(monkeypatch):
    monkeypatch.setattr(runner, "SMALL_S", 15.0)
    monkeypatch.setattr(runner, "BATCH_S", 45.0)
    times = {"long.py": 60.0, "edge.py": 15.0, "a.py": 14.0, "b.py": 13.0, "c.py": 12.0, "f.py": 10.0,
             "d.py": 1.0, "e.py": 0.5}
    got = runner.batches(sorted([*times, "new.py"]), times, groups=())
    # unrecorded first, then longest first; small ones packed first-fit, longest first
    assert got == [["new.py"], ["long.py"], ["a.py", "b.py", "c.py", "d.py", "e.py"], ["edge.py"], ["f.py"]]


def test_files_that_share_programs_run_in_one_process_in_their_listed_order():
    times = {"long.py": 60.0, "a.py": 14.0, "b.py": 13.0, "c.py": 12.0, "d.py": 1.0}
    got = runner.batches(sorted(times), times, groups=(("c.py", "long.py", "absent.py"), ("d.py",)))
    assert got == [["c.py", "long.py"], ["a.py", "b.py"], ["d.py"]]
    # the shipped groups name files that exist
    root = runner.Path(runner.__file__).resolve().parent.parent
    assert all((root / name).is_file() for group in runner.SHARED_PROGRAMS for name in group)


def test_a_batch_time_is_shared_in_proportion_to_the_previous_times():
    assert runner.shares(["a.py", "b.py"], 9.0, {"a.py": 2.0, "b.py": 1.0}) == {"a.py": 6.0, "b.py": 3.0}
    assert runner.shares(["a.py", "b.py"], 4.0, {}) == {"a.py": 2.0, "b.py": 2.0}


def test_a_failed_shared_batch_counts_only_the_files_its_summary_names():
    batch = ["tests/a.py", "tests/sub/b.py", "tests/c.py"]
    output = ("..F.E\n=== short test summary info ===\n"
              "FAILED tests/sub/b.py::test_x[1-fast] - AssertionError: no\n"
              "ERROR tests/c.py - ImportError: boom\n1 failed, 1 error\n")
    assert runner.failed_files(batch, output) == ["tests/sub/b.py", "tests/c.py"]
    assert runner.failed_files(batch, "Fatal Python error: Aborted\n") == batch  # nothing named: all
    # a test whose name holds another file's path is not that file
    named_in_test = "FAILED tests/a.py::test_reads_tests/c.py - x\n"
    assert runner.failed_files(batch, named_in_test) == ["tests/a.py"]
