"""The `evojax-mod` command: quickstart, run, resume, check, report, compare, analyze, adapt, rechampion, bench,
presets.

A config is a YAML file or the name of a shipped preset (`evojax_mod.presets`). Errors a user
can act on (bad config, missing file, a run directory in the way) print one line to stderr and
exit with code 2, leaving nothing half-written. The commands that compile use JAX's persistent
compilation cache (`evojax_mod.compile_cache`) unless given --no-compile-cache.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from evojax_mod import presets
from evojax_mod.config import ConfigError, ExperimentConfig, dump_config, load_config, parse_override

EXIT_USAGE = 2
_CPU_DEVICES_HELP = ("CPU devices to split the seeds over (default: one per core; used when they divide "
                     "the seed count; results are the same bits either way)")


def _fail(message: str) -> int:
    print(f"evojax-mod: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The config and its command-line overrides, shared by `run`, `check` and
    `python -m evojax_mod.distributed`."""
    parser.add_argument("config", help="YAML config file, or a preset's name (see `evojax-mod presets`), "
                                       "e.g. clune2013/pcc")
    parser.add_argument("--seeds", type=int, help="number of seeds (run.seeds)")
    parser.add_argument("--generations", type=int, help="generations (run.generations)")
    parser.add_argument("--pop", type=int, help="population size (run.population)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override any config key, e.g. --set objectives.cost_pressure=0.5")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """`add_config_arguments` and --out, shared by `run` and `python -m evojax_mod.distributed`."""
    add_config_arguments(parser)
    parser.add_argument("--out", help="run directory (default runs/NAME)")


def _add_compile_cache_argument(parser: argparse.ArgumentParser, note: str = "") -> None:
    parser.add_argument("--no-compile-cache", action="store_true",
                        help="compile without JAX's persistent compilation cache (default: on, in "
                             "$XDG_CACHE_HOME/evojax_mod/jax; EVOJAX_MOD_COMPILE_CACHE=DIR moves it, =0 turns it "
                             "off)" + note)


def add_seed_batch_argument(parser: argparse.ArgumentParser) -> None:
    """--seed-batch, shared by `run`, `resume` and `python -m evojax_mod.distributed`."""
    parser.add_argument("--seed-batch", type=int, metavar="N",
                        help="seeds each device runs at once, vmapped (default: 1 on CPUs, all on "
                             "accelerators); results are the same bits either way")


def _config(args) -> ExperimentConfig:
    """The config with the overrides of `add_config_arguments` applied."""
    return load_config(args.config, seeds=args.seeds, generations=args.generations,
                       population=args.pop, overrides=dict(parse_override(s) for s in args.set))


def config_and_out(args) -> tuple[ExperimentConfig, Path]:
    """The config with the overrides of `add_run_arguments` applied, and the run directory."""
    config = _config(args)
    return config, Path(args.out) if args.out else Path("runs") / config.name


def _use_cpu_devices(count: int | None) -> None:
    """Expose ``count`` CPU devices (default: one per core), over which the runner splits the
    seeds when their number divides evenly (bit-for-bit the same results; 8 Clune seeds ran
    11 % faster on 2 devices than on 1 of a 2-core CPU). No effect on other platforms, nor
    once JAX has started its backends (a run called from Python in a process that already
    computed something)."""
    import jax
    try:
        jax.config.update("jax_num_cpu_devices", count or os.cpu_count() or 1)
    except RuntimeError:
        pass


def _cmd_run(args) -> int:
    from evojax_mod import runner
    config, out = config_and_out(args)
    _use_cpu_devices(args.cpu_devices)
    result = runner.run(config, out, resume=args.resume, progress=not args.quiet, seed_batch=args.seed_batch)
    _print_done(result, out)
    return 0


def _cmd_quickstart(args) -> int:
    from evojax_mod.quickstart import TREATMENTS, quickstart
    _use_cpu_devices(args.cpu_devices)
    out = Path(args.out)
    outcome = quickstart(out, seeds=args.seeds, generations=args.generations, population=args.pop,
                         overrides=dict(parse_override(s) for s in args.set), progress=not args.quiet,
                         seed_batch=args.seed_batch)
    for name, result in zip(TREATMENTS, outcome.results):
        _print_done(result, out / name)
    print()
    print(outcome.table)
    print("\nfigures:")
    for path in outcome.figures:
        print(f"  {path}")
    return 0


def _cmd_check(args) -> int:
    config = _config(args)
    print(f"# {presets.resolve(args.config).resolve()}: valid; every value, with defaults and overrides:")
    print(dump_config(config), end="")
    return 0


def _cmd_resume(args) -> int:
    from evojax_mod import records, runner
    out = Path(args.run_dir)
    if not (out / records.CONFIG).is_file():
        return _fail(f"run directory '{out}': no config.yaml (is this a run directory?)")
    _use_cpu_devices(args.cpu_devices)  # before extend_run, whose check starts jax's backend
    config = records.read_config(out) if args.generations is None else runner.extend_run(out, args.generations)
    result = runner.run(config, out, resume=True, progress=not args.quiet, seed_batch=args.seed_batch)
    _print_done(result, out)
    return 0


def _print_done(result, out: Path) -> None:
    import numpy as np
    from evojax_mod.experiments.registry import experiment_for
    last = result.rows[:, -1, :]
    gens = int(result.generations[-1])
    n_seeds = result.rows.shape[0]
    cache = result.compile_cache or {}
    cached = (f" ({cache['hits']} programs from the compile cache, {cache['misses']} compiled)"
              if cache.get("dir") else " (no compile cache)")
    start, evolved = result.start_generation, gens - result.start_generation
    speed = f"{evolved * n_seeds / max(result.run_seconds, 1e-9):.1f} seed-generations/s"
    if start:
        speed += f" from generation {start}"
    if not evolved:
        speed = "nothing left to evolve"
    print(f"{result.config.name}: {n_seeds} seeds x {gens} generations, "
          f"population {result.config.run.population}; compile {result.compile_seconds:.1f} s{cached}, "
          f"run {result.run_seconds:.1f} s ({speed})")
    parts = []
    for i, m in enumerate(experiment_for(result.config).metric_specs):
        if not m.headline:
            continue
        if m.summary == "generation":
            parts.append(f"{m.label}: reached in {int(np.sum(last[:, i] >= 0))}/{n_seeds} seeds")
        else:
            parts.append(f"{m.label} median {np.median(last[:, i]):.4g}")
    print("  " + ", ".join(parts))
    print(f"  results: {out}/metrics.csv, {out}/champions.npz, {out}/summary.json")


def _check_runs(paths, needed: str | None = None) -> None:
    """A one-line error naming the first of ``paths`` that lacks the file ``needed``
    (metrics.csv): a ConfigError for a folder that is no run directory, else the RunError of
    `records.damaged`, which says how to get the file back."""
    from evojax_mod import records
    needed = needed or records.METRICS
    for p in paths:
        if not (Path(p) / needed).is_file():
            if (Path(p) / records.CONFIG).is_file():
                raise records.damaged(Path(p) / needed, "missing")
            raise ConfigError(f"run directory '{p}': no {needed} (is this a run directory?)")


def _cmd_report(args) -> int:
    from evojax_mod import report
    _check_runs([args.run_dir])
    for path in report.report(Path(args.run_dir)):
        print(path)
    return 0


def _cmd_compare(args) -> int:
    from evojax_mod import report
    _check_runs(args.run_dirs)
    try:
        table, figure = report.compare([Path(p) for p in args.run_dirs], Path(args.out) if args.out else None,
                                       markdown=args.markdown, generation=args.generation)
    except ValueError as err:
        return _fail(str(err))
    print(table)
    print(f"figure: {figure}")
    return 0


def _cmd_analyze(args) -> int:
    import numpy as np
    from evojax_mod import records
    from evojax_mod.measures import REGISTRY
    from evojax_mod.report.analysis import analyze_qm, evolved_q_max, qm_label
    from evojax_mod.report.measured import BROADNESS
    _check_runs([args.run_dir] + ([args.q_max_from] if args.q_max_from else []))
    names = [n.strip() for n in args.measures.split(",") if n.strip()]
    allowed = ["qm", *REGISTRY, *BROADNESS]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        return _fail(f"--measures: expected a comma-separated list of {', '.join(allowed)}, got {args.measures!r}")
    others = [n for n in names if n != "qm"]
    if args.population is not None:
        if args.population < 1 or [n for n in names if n not in REGISTRY]:
            return _fail(f"--population: expected a positive sample size and only the registry's measures "
                         f"({', '.join(REGISTRY)}), got {args.population} for {args.measures!r}")
        _check_runs([args.run_dir], needed=records.CHECKPOINT)
    if others:
        try:
            _report_measures(Path(args.run_dir), others, args.population)
        except ValueError as err:  # a measure that does not apply to these networks, named
            return _fail(f"--measures: {err}")
    if "qm" not in names:
        return 0
    evolved = None
    if args.q_max_from:
        try:
            evolved = evolved_q_max(args.q_max_from)
        except (ValueError, *_user_errors()) as err:  # a problem of that run, named as the option's
            return _fail(f"--q-max-from: {err}")
    content = analyze_qm(Path(args.run_dir), n_random=args.n_random, rewire=args.rewire, seed=args.seed,
                         evolved=evolved)
    qm = np.array([np.nan if c is None else c["qm"] for c in content["champions"]])
    median = f"{np.nanmedian(qm):.3f}" if np.any(np.isfinite(qm)) else "n/a"
    print(f"{qm_label(content)} of the champions at generation {content['generation']}, "
          f"{content['n_random']} nulls each: median {median}, per seed {np.round(qm, 3).tolist()}")
    print(f"written: {Path(args.run_dir) / 'analysis.json'}")
    return 0


def _report_measures(run_dir: Path, names: list[str], population: int | None = None) -> None:
    """Compute the measures on the final champions (or on ``population`` individuals of each
    seed's last checkpointed population), print each column's median and 95 % interval, and
    say where the table went; with hessian, also draw each champion's basin figures into
    RUN/broadness (`report.broadness_plots.draw_champions`)."""
    import numpy as np
    from evojax_mod.measures import REGISTRY
    from evojax_mod.report.measured import (BROADNESS, MEASURES_FILE, POPULATION_FILE, measure_champions,
                                            measure_population)
    from evojax_mod.report.stats import bootstrap_ci
    if population is None:
        table, written, what = measure_champions(run_dir, names), MEASURES_FILE, "the champions"
    else:
        table, written = measure_population(run_dir, names, population), POPULATION_FILE
        what = f"up to {population} individuals of each seed's population"
    print(f"measures of {what} at generation {int(table['generation'][0])} "
          f"({len(set(table['seed'].tolist()))} seeds, {len(table['seed'])} networks): median [95% CI]")
    for name in names:
        columns, label = (BROADNESS[name][0], name) if name in BROADNESS else (REGISTRY[name].columns,
                                                                              REGISTRY[name].label)
        for column in columns:
            values = table[column][np.isfinite(table[column])]
            text = "n/a" if values.size == 0 else "{:.4g} [{:.4g}, {:.4g}]".format(*bootstrap_ci(values))
            print(f"  {column:<20} {text}   {label}")
    print(f"written: {run_dir / written}")
    if "hessian" in names:
        from evojax_mod.report.broadness_plots import BROADNESS_DIR, FIGURES, draw_champions
        paths = draw_champions(run_dir)
        print(f"figures: {len(paths)} in {run_dir / BROADNESS_DIR} (seed{{S}}_{{{','.join(FIGURES)}}}.png)")


def _goal_argument(text: str):
    """--goal as the schedule reads it: a truth-table code (int), a list of numbers for a data
    set's coefficients (JSON, e.g. '[-1, 2]'), else the text (a combiner or expression). None
    for a list that does not parse to numbers."""
    if text.strip().startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            return None
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        return values if ok and values else None
    return int(text) if text.isdigit() else text


def _cmd_adapt(args) -> int:
    import numpy as np
    from evojax_mod import evolvability, records
    _check_runs([args.run_dir], needed=records.CHECKPOINT)  # all it reads, with config.yaml
    if args.generations < 1:
        return _fail(f"--generations: expected a positive number of generations, got {args.generations}")
    goal = _goal_argument(args.goal)
    if goal is None:
        return _fail(f"--goal: expected a code, combiner or expression of the task's sub-goals, or for a "
                     f"data set a list of coefficients such as '[-1, 2]'; got {args.goal!r}")
    content = evolvability.adapt_run(Path(args.run_dir), goal, args.generations, seed_batch=args.seed_batch or 1)
    times = np.array(content["times"])
    solved = times[times >= 0]
    median = f"median {np.median(solved):.0f} generations among them" if solved.size else "none solved it"
    print(f"adaptation from generation {content['generation']} to {args.goal!r}: {solved.size}/{times.size} seeds "
          f"solved it within {args.generations} generations, {median}; per seed {times.tolist()} (-1 = not within)")
    print(f"written: {Path(args.run_dir) / evolvability.ADAPTATION}")
    return 0


def _cmd_rechampion(args) -> int:
    from evojax_mod import rechampion
    out = rechampion.rechampion_run(Path(args.run_dir), args.rule, Path(args.out))
    print(f"the final champions of {args.run_dir} by {args.rule}: {out}/metrics.csv, {out}/champions.npz "
          f"(a run directory for report, compare and analyze)")
    return 0


def _cmd_bench(args) -> int:
    import json
    from evojax_mod import bench
    if min(args.populations + args.seeds + args.devices) < 1:
        return _fail("--pop, --seeds and --devices take positive integers")
    cases = bench.grid(args.loops, args.populations, args.seeds, args.devices,
                       {"clune": args.generations, "circuits": args.circuit_generations})
    if not cases:
        return _fail(f"no seed count in {args.seeds} is a multiple of a device count in {args.devices} "
                     "(the engine shards seeds only when the device count divides them)")
    for c in cases:  # a config the engine rejects (odd population) fails here, before any run
        bench.bench_config(c["loop"], c["population"], c["seeds"], c["generations"])
    limit = None if args.memory_limit_gib is None else args.memory_limit_gib * 1024
    rows = []
    for c in cases:
        print(f"{c['loop']}: population {c['population']}, {c['seeds']} seed(s), {c['devices']} device(s), "
              f"{c['generations']} generations ...", file=sys.stderr, flush=True)
        rows.append(bench.run_isolated(c, timeout=args.timeout, memory_limit_mib=limit))
    info = bench.machine()
    print(f"{info['machine']}, {info['cpu_count']} CPUs, {info['memory_gib']} GiB, jax {info['jax']} on "
          f"{info['jax_device_kind']}, load average {info['load_average'][0]:.2f}, {info['date']}")
    print(bench.markdown(rows))
    if args.out:
        Path(args.out).write_text(json.dumps({"machine": info, "rows": rows}, indent=2) + "\n")
        print(f"written: {args.out}")
    return 0


def _cmd_presets(args) -> int:
    names = presets.names()
    width = max(map(len, names), default=0)
    for name in names:
        print(f"{name:<{width}}  {presets.description(name)}".rstrip())
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors in one line (exit 2), as the other errors of the command."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evojax-mod", description="Evolve networks and measure their modularity.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("quickstart", help="Clune 2013 PA and P&CC side by side at a small size, then their "
                                          "comparison and figures (minutes on a 2-core CPU)")
    p.add_argument("--out", default="runs/quickstart", help="folder for the two runs (default runs/quickstart)")
    p.add_argument("--seeds", type=int, help="seeds of each treatment (default 8)")
    p.add_argument("--generations", type=int, help="generations (default 4000)")
    p.add_argument("--pop", type=int, help="population size (default 500)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any config key of both treatments, e.g. run.log_every=50 (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--cpu-devices", type=int, help=_CPU_DEVICES_HELP)
    add_seed_batch_argument(p)
    _add_compile_cache_argument(p)
    p.set_defaults(func=_cmd_quickstart)

    p = sub.add_parser("run", help="run a config (all seeds batched in one compiled call)")
    add_run_arguments(p)
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--cpu-devices", type=int, help=_CPU_DEVICES_HELP)
    add_seed_batch_argument(p)
    _add_compile_cache_argument(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("resume", help="continue a killed or stopped run from its checkpoint")
    p.add_argument("run_dir")
    p.add_argument("--generations", type=int, metavar="N",
                   help="extend the run to N generations (at least its run.generations; config.yaml is updated); "
                        "the same bits as a run of N generations from the start")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--cpu-devices", type=int, help=_CPU_DEVICES_HELP)
    add_seed_batch_argument(p)
    _add_compile_cache_argument(p)
    p.set_defaults(func=_cmd_resume)

    p = sub.add_parser("check", help="validate a config with its overrides and print every resolved value "
                                     "(runs nothing, writes nothing)")
    add_config_arguments(p)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("report", help="figures of one run (curves with CIs, champion networks)")
    p.add_argument("run_dir")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("compare", help="table and figure comparing runs (medians, CIs, Mann-Whitney p)")
    p.add_argument("run_dirs", nargs="+")
    p.add_argument("--out", help="folder for compare.png")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    p.add_argument("--generation", type=int, help="compare at this generation (default: the latest all runs logged)")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("analyze", help="post-hoc measures of the final champions: Qm into RUN/analysis.json, "
                                       "the measures registry into RUN/measures.csv")
    p.add_argument("run_dir")
    p.add_argument("--measures", default="qm",
                   help="comma-separated: qm (normalised modularity with nulls, into analysis.json) and any "
                        "of evojax_mod.measures' registry (q, qw, qu, louvain, leiden, ncut, coact, mi, "
                        "mi_bool, cfmi, feature, grc, propagation, mask: on the final champions, into measures.csv) and the "
                        "basin-broadness "
                        "measures hessian and llc (champions with a differentiable form; hessian also draws "
                        "each seed's spectrum, density, loss-radius, loss-slice and null-space figures into "
                        "RUN/broadness/seed{S}_*.png)")
    p.add_argument("--population", type=int, metavar="N",
                   help="the registry's measures on N individuals drawn from each seed's population at the last "
                        "checkpoint (all when N is larger), into RUN/measures_population.csv, instead of the champions")
    p.add_argument("--n-random", type=int, default=200, help="degree-preserving randomisations per champion")
    p.add_argument("--rewire", choices=["undirected", "directed", "layered"],
                   help="null model (default: undirected for the elitist experiments, layered for layered nets)")
    p.add_argument("--seed", type=int, default=0, help="seed of the randomisations")
    p.add_argument("--q-max-from", metavar="RUN",
                   help="Q_max = mean Q of this run's champions, a run evolved for Q (objectives.maximise: "
                        "modularity); default Q_max = 1 - 1/M")
    _add_compile_cache_argument(p)
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("adapt", help="evolvability: generations the final populations need to solve a new goal, "
                                     "into RUN/adaptation.json (shown by compare)")
    p.add_argument("run_dir")
    p.add_argument("--goal", required=True,
                   help="the new goal: a code, combiner or expression of the task's sub-goals, e.g. 'or', 'L & ~R'; "
                        "for a data set its coefficients, e.g. '[-1, 2]'")
    p.add_argument("--generations", type=int, default=1000, help="the most generations to try (default 1000)")
    add_seed_batch_argument(p)
    _add_compile_cache_argument(p)
    p.set_defaults(func=_cmd_adapt)

    p = sub.add_parser("rechampion", help="the final champions of a run chosen by another rule (selection.champion), "
                                          "from its checkpoint without evolving again, as a run directory")
    p.add_argument("run_dir")
    p.add_argument("--rule", required=True, help="the champion rule, e.g. stat_modularity (see `evojax-mod check`)")
    p.add_argument("--out", required=True, help="a new or empty directory for the result")
    _add_compile_cache_argument(p)
    p.set_defaults(func=_cmd_rechampion)

    p = sub.add_parser("bench", help="generations and network evaluations per second of the Clune and circuit "
                                     "loops on this machine, each configuration in a fresh process")
    p.add_argument("--pop", "--populations", dest="populations", type=int, nargs="+", default=[1000],
                   help="population sizes (default 1000)")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 8], help="seed counts (default 1 8)")
    p.add_argument("--devices", type=int, nargs="+", default=[1],
                   help="CPU device counts, via XLA_FLAGS=--xla_force_host_platform_device_count (default 1); "
                        "seeds are sharded over them, so seed counts they do not divide are skipped")
    p.add_argument("--loops", nargs="+", choices=["clune", "circuits"], default=["clune", "circuits"])
    p.add_argument("--generations", type=int, default=40,
                   help="Clune generations timed at population 1000 and 1 seed; every configuration gets the same "
                        "work (generations x population x seeds), at least 3 generations (default 40)")
    p.add_argument("--circuit-generations", type=int, default=2000,
                   help="circuit generations at population 1000 and 1 seed, scaled the same way (default 2000)")
    p.add_argument("--timeout", type=float, help="seconds allowed to each configuration (default: no limit)")
    p.add_argument("--memory-limit-gib", type=float,
                   help="cap each configuration's memory; beyond it the row records RESOURCE_EXHAUSTED")
    p.add_argument("--out", help="also write the numbers as JSON here")
    _add_compile_cache_argument(p, "; with the cache, a configuration measured before reports the time to "
                                   "load its programs as compile_seconds")
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser("presets", help="list the shipped configs (run one by name: evojax-mod run clune2013/pcc)")
    p.set_defaults(func=_cmd_presets)
    return parser


def _user_errors() -> tuple[type[Exception], ...]:
    """The exceptions that are a user's mistake, reported in one line: ConfigError, and
    RunError once the run directory's module is loaded (none can exist before), so that
    `check` and `presets` import neither the engine nor jax."""
    records = sys.modules.get("evojax_mod.records")
    return (ConfigError,) if records is None else (ConfigError, records.RunError)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if not hasattr(args, "no_compile_cache"):  # a command that compiles nothing
            return args.func(args)
        from evojax_mod import compile_cache
        with compile_cache.scope(enabled=not args.no_compile_cache):
            return args.func(args)
    except _user_errors() as err:  # evaluated when an exception is raised
        return _fail(str(err))
    except KeyboardInterrupt:
        print("interrupted; resume with `evojax-mod resume RUN`", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
