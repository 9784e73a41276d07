"""The interface every experiment implements, and what the experiments share.

An experiment is the static, compiled form of a config (hashable: a static argument of jit).
It offers a pure, jittable generation and everything the host side needs to record, report
and analyse a run without knowing which experiment it is:

    init(key) -> state                  one seed's initial state (vmapped over seeds by the loop)
    step(state) -> state                one generation, pure
    metrics(state) -> (row, champion)   float32 [K] in the order of `metric_specs`, and the
                                        champion genome (a pytree of one individual)
    metric_specs                        name, dtype, direction and summary of each column
    restart(state) -> state             a population as this experiment's generation 0
    solved_generation(state) -> int32   first generation that solved the task, -1 not yet
    genome_from_record(champions, seed, index)   a recorded champion back as a genome
    champion_template                   the shapes of one champion (any pytree)
    network(genome) -> Network          the directed graph of any genome (numpy)
    activations(genome) -> [n, P]       every node's value on every input pattern (numpy)
    interventions(genome) -> values     ``values(clamp) -> [n, P]``: the same under a clamp, or
                                        None where the networks take no interventions
    population(state) -> individuals    one seed's individuals, champion-shaped with a leading axis

Runner, records, report, compare, analyze and the command line read only this interface;
`experiments.registry` maps config kinds to experiment classes.
"""
from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass
from functools import cached_property

import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod import treepaths
from evojax_mod.config import ExperimentConfig
from evojax_mod.modularity import leicht_newman
from evojax_mod.schedules import schedule_from
from evojax_mod.tasks import BooleanTask, get_task

# How `report` and `compare` summarise a metric over seeds at one generation:
#   median      median with a 95% bootstrap CI; Mann–Whitney between two runs
#   generation  a generation count where -1 = never: NaN in medians, ranked as the slowest
#   fraction    a 0/1 value per seed: the fraction of seeds, with its CI
#   none        recorded, not tabulated (e.g. the active goal)
SUMMARIES = ("median", "generation", "fraction", "none")

# Where `report` draws a metric: "curves" (a panel of median and CI over generations), "title"
# (its value over each champion drawn), "compare" (a box of final values per run).
FIGURES = ("curves", "title", "compare")


@dataclass(frozen=True)
class MetricSpec:
    """One column of an experiment's metrics row.

    name: column name in metrics.csv. label: row title in tables. integer: written as an
    integer. better: "max", "min" or "" (neither) — the direction a researcher reads it in.
    summary: one of SUMMARIES. progress: shown on the progress bar. headline: printed in the
    one-line summary at the end of a run. figures: where report draws it (`FIGURES`)."""

    name: str
    label: str
    integer: bool = False
    better: str = ""
    summary: str = "median"
    progress: bool = False
    headline: bool = False
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmoothView:
    """One network as a differentiable function: loss(params, batch) -> float32 [] (minimised,
    a mean over the batch's datapoints); params (a pytree) the network's own, taken as w*;
    data a pytree of arrays with a leading datapoint axis; mask bool [P] or None, the
    coordinates of the flat params that are parameters (`broadness.params.flatten` order);
    what: one line saying which loss and which surrogate, reported beside the numbers;
    outputs: outputs(params, batch) -> float32 [B, n_out], the network's outputs on the
    batch's datapoints, which the loss compares with targets (their Jacobian gives the
    behavioural gradients of `broadness.features`), or None."""

    loss: object
    params: object
    data: object
    mask: object
    what: str
    outputs: object = None


@dataclass(frozen=True)
class Network:
    """The directed graph of one genome, as numpy arrays over all N possible nodes.

    adjacency: float [N, N], [i, j] the weight of edge i -> j in the network that reaches an
    output (0 = no edge; 1 where the genome's edges carry no weight). nodes: bool [N], the
    nodes of that network. layer: int [N], each node's layer (inputs 0; for unlayered
    genomes, the node's depth order). x, y: float [N] drawing coordinates. inputs, outputs:
    int node indices. all_edges: float [N, N], every edge of the genome, including those that
    reach no output (drawn in grey)."""

    adjacency: np.ndarray
    nodes: np.ndarray
    layer: np.ndarray
    x: np.ndarray
    y: np.ndarray
    inputs: np.ndarray
    outputs: np.ndarray
    all_edges: np.ndarray

    @property
    def edges(self) -> np.ndarray:
        """0/1 int [N, N] of the network's edges."""
        return (self.adjacency != 0).astype(int)


class Experiment(abc.ABC):
    """Base of every experiment. Subclasses are frozen dataclasses with ``eq=False`` and a
    ``config`` field and define the abstract members.

    Equality and hash go through ``config.compiled_key()``, so jit's cache is shared by every
    config that compiles to the same programs (other seeds, lengths or names)."""

    config: ExperimentConfig
    # Per-champion measures that `report` tabulates (names in `report.summaries.CHAMPION_MEASURES`).
    champion_measures: tuple[str, ...] = ()
    # The default degree-preserving null model of Qm (`modularity.rewire`).
    qm_null: str = "undirected"

    @abc.abstractmethod
    def init(self, key):
        """One seed's initial state (generation 0, evaluated on the schedule's first goal)."""

    @abc.abstractmethod
    def step(self, state):
        """The next generation's state; pure and jittable."""

    @abc.abstractmethod
    def restart(self, state):
        """``state``'s population (of any experiment of the same kind and sizes) as this
        experiment's generation 0: the goal set to the schedule's first goal, the population
        evaluated on it, the generation and the solved records reset; the random stream goes
        on from ``state``'s. Pure and jittable; used to measure adaptation to a new goal."""

    @abc.abstractmethod
    def solved_generation(self, state):
        """int32 []: the first generation at which the run solved its task (an individual
        perfect on each listed goal, or on the active one), -1 before."""

    @abc.abstractmethod
    def metrics(self, state):
        """(float32 [len(metric_specs)], champion genome) of one seed's state."""

    @property
    @abc.abstractmethod
    def metric_specs(self) -> tuple[MetricSpec, ...]:
        """The columns of `metrics`, in order."""

    @abc.abstractmethod
    def network(self, genome) -> Network:
        """The directed graph of one genome (host side, numpy)."""

    @abc.abstractmethod
    def activations(self, genome) -> np.ndarray:
        """Value of every node on every input pattern of the task, float [N, P] (pattern p's
        input i is bit i of p); binary genomes give 0/1, Clune's networks values in [-1, 1]."""

    def interventions(self, genome):
        """``values(clamp) -> float32 [N, P]``: every node's value on every input pattern of
        the task, as `activations`, with the nodes of ``clamp`` (`families.Clamp`, None: none)
        held at its values and later nodes reading them, for the counterfactual measures; a
        `jax.tree_util.Partial` (its arrays traced, so jitted measures compile once for every
        genome). None where the networks take no interventions."""
        return None

    def population(self, state):
        """One seed's current individuals (a state without the seed axis): a pytree shaped like
        the champion with a leading axis [P], each entry usable wherever a genome is."""
        raise ValueError(f"{type(self).__name__} does not expose its population")

    def smooth_view(self, genome) -> SmoothView | None:
        """The champion as a differentiable function at an optimum, for the basin-broadness
        measures (`evojax_mod.broadness`); None where the networks have no smooth form."""
        return None

    def modules(self, genome, top_only: bool = False) -> np.ndarray:
        """int [N]: the Leicht–Newman communities (Mouret's bisection) of the genome's network
        that reaches an output, -1 for nodes outside it; ``top_only``: the top-level bisection
        alone. Unweighted, as the evolved networks' Q is; trained networks override it."""
        network = self.network(genome)
        keep = np.flatnonzero(network.nodes)
        labels = np.full(network.nodes.shape, -1, dtype=int)
        labels[keep] = leicht_newman(network.edges[np.ix_(keep, keep)], max_depth=1 if top_only else None)
        return labels

    @abc.abstractmethod
    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) float [N] for drawing any genome of this experiment."""

    @cached_property
    def _compiled_key(self) -> ExperimentConfig:
        return self.config.compiled_key()

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._compiled_key == self._compiled_key

    def __hash__(self) -> int:
        return hash(self._compiled_key)

    @cached_property
    def task(self) -> BooleanTask:
        return get_task(self.config.task.name)

    @cached_property
    def schedule(self):
        """The goal schedule (`evojax_mod.schedules`), a static value."""
        fields = {f.name: getattr(self.config.schedule, f.name)
                  for f in dataclasses.fields(self.config.schedule) if f.name != "kind"}
        return schedule_from(self.config.schedule.kind, self.task, **fields)

    def target(self, goal):
        """bool [P]: the goal's value on every input pattern; ``goal`` int32 (may be traced), a
        goal of the schedule (`Schedule.target`: a truth-table code of the task's sub-goals,
        or a random function's id)."""
        return self.schedule.target(goal, self.task)

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metric_specs)

    def settings(self) -> dict[str, float]:
        """The traced settings (name -> configured value) that ``init(key, settings)`` takes;
        none for experiments whose numbers are all compiled in."""
        return {}

    def batch_settings(self, n_seeds: int) -> dict[str, np.ndarray] | None:
        """Under a sweep, the settings of every batch entry, float32 [n_values * n_seeds]
        each (value-major: entry v * n_seeds + s is seed s at value v); None without one."""
        sweep = self.config.sweep
        if not sweep.key:
            return None
        swept = np.repeat(np.asarray(sweep.values, np.float32), n_seeds)
        fixed = {name: np.full(swept.shape, value, np.float32) for name, value in self.settings().items()}
        return {**fixed, sweep.key.rsplit(".", 1)[1]: swept}

    @cached_property
    def champion_template(self):
        """The shapes and dtypes (``jax.ShapeDtypeStruct`` pytree) of one champion, traced,
        nothing compiled: what a recorded champion is read back into."""
        return jax.eval_shape(lambda k: self.metrics(self.init(k))[1], jax.random.PRNGKey(0))

    def genome_from_record(self, champions: dict, seed: int, index: int):
        """The champion of ``seed`` at snapshot ``index`` of a champions.npz dict (arrays
        ``champion_<path>`` [S, T, ...], `treepaths`)."""
        return jax.tree.map(jnp.asarray, treepaths.unflatten(self.champion_template, champions, "champion_",
                                                             (seed, index)))


def schedule_key(key):
    """The seed's schedule key, a stream of its own (folded from the seed key, so drawing
    goals leaves every other draw of the run as it was)."""
    return jax.random.fold_in(key, 0x5C4ED)
