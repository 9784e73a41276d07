"""The evolutionary engine: state, one generation as a pure function, and chunked runs.

One Clune generation (`step`) is: tournament -> mutate children -> evaluate the children
(output signs, cost) -> score parents and children on the active goal -> diversity over the
mixed population -> NSGA-II survivors.
A run is a `lax.scan` over generations inside one jitted call per chunk, over the seeds in
batches (`lax.map` over batches, `vmap` within one); with several devices the seed axis is
split over them through `jax.sharding` and `shard_map`. The chunk and batch functions work for
any experiment object (`experiment_for`): this module's layered NSGA-II `Experiment`, or
`elitist_engine.ElitistExperiment` (circuits, threshold nets).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from evojax_mod import objectives as obj
from evojax_mod import prng
from evojax_mod.config import WEIGHT_SETS, ExperimentConfig
from evojax_mod.genomes import layered
from evojax_mod.modularity import directed_q_masked, leicht_newman_masked
from evojax_mod.schedules import goal_codes, goal_index
from evojax_mod.selection import nsga2
from evojax_mod.tasks.boolean import combine
from evojax_mod.tasks.retina import retina_task

METRIC_NAMES = (
    "goal", "best_performance", "mean_performance", "n_perfect", "champion_performance",
    "champion_q", "champion_modules", "champion_cost", "champion_edges", "champion_functional_edges",
    "first_perfect_generation",
)


@struct.dataclass
class EvolutionState:
    """Everything that carries from one generation to the next (one seed; vmapped: leading S).

    parents: genome pytree with leading axis P; signs: int8 [P, 256], sign of each parent's
    output per retina pattern; costs: float32 [P], each parent's connection cost (minimised;
    0 when the config has none) — both goal-independent, so parents are not evaluated again;
    objectives: float32 [P, M], every column maximised (costs negated); crowding: float32 [P];
    generation: int32 (0 = initial); first_perfect: int32 generation of the first perfect
    parent, -1 before; key: PRNG key.
    """

    parents: layered.LayeredGenome
    signs: jax.Array
    costs: jax.Array
    objectives: jax.Array
    crowding: jax.Array
    generation: jax.Array
    first_perfect: jax.Array
    key: jax.Array


class KeyedByCompiledConfig:
    """Equality and hash of an experiment (a static argument of jit) through
    ``config.compiled_key()``, so that jit's cache is shared by every config that compiles to
    the same programs. Subclasses are dataclasses with ``eq=False`` and a ``config`` field."""

    config: ExperimentConfig

    @cached_property
    def _compiled_key(self) -> ExperimentConfig:
        return self.config.compiled_key()

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._compiled_key == self._compiled_key

    def __hash__(self) -> int:
        return hash(self._compiled_key)


@dataclass(frozen=True, eq=False)
class Experiment(KeyedByCompiledConfig):
    """The static, compiled form of a config: specs, task data and objective layout."""

    config: ExperimentConfig

    @cached_property
    def spec(self) -> layered.LayeredSpec:
        g, m = self.config.genome, self.config.mutation
        return layered.LayeredSpec(
            layers=tuple(g.layers), x=tuple(float(v) for v in g.x), y=tuple(float(v) for v in g.y),
            weight_values=WEIGHT_SETS[g.weight_set], bias_values=tuple(float(v) for v in g.bias_values),
            steepness=float(g.steepness), init_connections=tuple(g.init_connections),
            weight_changes_per_genome=m.weight_changes_per_genome, bias_rate=m.bias_rate,
            add_rate=m.add_connection, remove_rate=m.remove_connection).validated()

    @property
    def pressure(self) -> tuple[float, ...]:
        o = self.config.objectives
        p = [1.0]
        if o.connection_cost != "none":
            p.append(o.cost_pressure)
        if o.diversity:
            p.append(1.0)
        return tuple(p)

    metric_names = METRIC_NAMES

    def init_state(self, key) -> "EvolutionState":
        return init_state(self, key)

    def step(self, state: "EvolutionState") -> "EvolutionState":
        return step(self, state)

    def metrics(self, state: "EvolutionState"):
        return metrics(self, state)

    def node_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) float [n_nodes] for drawing champions."""
        return np.asarray(self.spec.x), np.asarray(self.spec.y)



def _phenotypes(exp: Experiment, genomes):
    """Goal-independent evaluation: (output signs int8 [N, 256], connection costs float32 [N],
    minimised, 0 without a cost objective). Signs keep what performance needs: out == 0 is
    wrong whatever the target."""
    spec, cfg = exp.spec, exp.config
    inputs = jnp.asarray(retina_task().inputs)
    signs = jax.vmap(lambda g: layered.output_signs(g, spec, inputs)[:, 0])(genomes)
    cost_fn = obj.connection_cost_population(cfg.objectives.connection_cost)
    return signs, cost_fn(genomes, spec)


def _objectives(exp: Experiment, signs, costs, goal: jax.Array):
    """Objectives under goal index ``goal`` from output signs [N, 256] and costs [N].

    Returns (objectives float32 [N, M] all maximised, performance float32 [N])."""
    cfg = exp.config
    task = retina_task()
    target = combine(goal_codes(cfg.schedule)[goal], jnp.asarray(task.left), jnp.asarray(task.right))
    performance = jax.vmap(obj.performance_maximise, in_axes=(0, None))(signs, target)
    columns = [performance]
    if cfg.objectives.connection_cost != "none":
        columns.append(-costs)
    if cfg.objectives.diversity:
        columns.append(obj.diversity_maximise(obj.output_bits(signs)))
    return jnp.stack(columns, axis=1), performance


def _evaluate(exp: Experiment, genomes, goal: jax.Array):
    """Objectives of a population under goal index ``goal`` (see `_objectives`)."""
    return _objectives(exp, *_phenotypes(exp, genomes), goal)


def _update_first_perfect(first_perfect, performance, generation):
    hit = jnp.any(performance >= 1.0)
    return jnp.where((first_perfect < 0) & hit, generation, first_perfect)


def init_state(exp: Experiment, key) -> EvolutionState:
    """A random initial population, evaluated and crowded as Sferes' Pnsga::_init_pop."""
    n = exp.config.run.population
    k_pop, k_sort, k_next = jax.random.split(key, 3)
    parents = jax.vmap(lambda k: layered.init(k, exp.spec))(jax.random.split(k_pop, n))
    signs, costs = _phenotypes(exp, parents)
    objectives, performance = _objectives(exp, signs, costs, jnp.int32(0))
    order, crowding = nsga2.survivors(k_sort, objectives, exp.pressure, n)
    return EvolutionState(
        parents=jax.tree.map(lambda a: a[order], parents), signs=signs[order], costs=costs[order],
        objectives=objectives[order], crowding=crowding,
        generation=jnp.int32(0),
        first_perfect=_update_first_perfect(jnp.int32(-1), performance, 0),
        key=k_next)


def step(exp: Experiment, state: EvolutionState) -> EvolutionState:
    """One generation, a pure function of the state."""
    n = exp.config.run.population
    key, k_tour, k_mut, k_sort = prng.split(state.key, 4)
    generation = state.generation + 1
    winners = nsga2.tournament_winners(k_tour, state.objectives, state.crowding, exp.pressure)
    children = jax.vmap(lambda k, g: layered.mutate(k, g, exp.spec))(
        prng.split(k_mut, n), jax.tree.map(lambda a: a[winners], state.parents))
    mixed = jax.tree.map(lambda a, b: jnp.concatenate([a, b]), state.parents, children)
    child_signs, child_costs = _phenotypes(exp, children)
    signs = jnp.concatenate([state.signs, child_signs])
    costs = jnp.concatenate([state.costs, child_costs])
    objectives, performance = _objectives(exp, signs, costs, goal_index(exp.config.schedule, generation))
    chosen, crowding = nsga2.survivors(k_sort, objectives, exp.pressure, n)
    return EvolutionState(
        parents=jax.tree.map(lambda a: a[chosen], mixed), signs=signs[chosen], costs=costs[chosen],
        objectives=objectives[chosen], crowding=crowding, generation=generation,
        first_perfect=_update_first_perfect(state.first_perfect, performance[chosen], generation),
        key=key)


def champion_index(state: EvolutionState) -> jax.Array:
    """The best parent: highest performance, then lowest genome edge count, then lowest index."""
    performance = state.objectives[:, 0]
    edges = jnp.sum(state.parents.edge_mask, axis=1)
    return jnp.lexsort((jnp.arange(performance.shape[0]), edges, -performance))[0]


def champion_q(exp: Experiment, genome: layered.LayeredGenome):
    """(Q, number of modules) of one network: Leicht-Newman directed, unweighted Q of its
    simplified graph, partition by Mouret's recursive spectral bisection."""
    spec = exp.spec
    edges = layered.functional_edges(genome, spec)
    adjacency = layered.adjacency(genome.replace(edge_mask=edges), spec).astype(jnp.float32)
    nodes = layered.node_mask(edges, spec)
    labels = leicht_newman_masked(adjacency, nodes)
    return directed_q_masked(adjacency, labels), jnp.max(labels) + 1


def metrics(exp: Experiment, state: EvolutionState):
    """(metrics float32 [len(METRIC_NAMES)], champion genome) of one seed's state."""
    spec = exp.spec
    performance = state.objectives[:, 0]
    best = champion_index(state)
    champ = jax.tree.map(lambda a: a[best], state.parents)
    q, modules = champion_q(exp, champ)
    row = jnp.stack([
        goal_index(exp.config.schedule, state.generation).astype(jnp.float32),
        jnp.max(performance), jnp.mean(performance),
        jnp.sum(performance >= 1.0).astype(jnp.float32), performance[best],
        q, modules.astype(jnp.float32),
        obj.optimal_length_minimise(champ, spec),
        jnp.sum(champ.edge_mask).astype(jnp.float32),
        jnp.sum(layered.functional_edges(champ, spec)).astype(jnp.float32),
        state.first_perfect.astype(jnp.float32),
    ])
    return row, champ


def experiment_for(config: ExperimentConfig):
    """The compiled experiment of a config: layered networks under NSGA-II, or NAND circuits
    or threshold retina nets under the elitist GA. Both offer init_state, step, metrics,
    metric_names and node_coordinates."""
    if config.selection.kind == "elitist":
        from evojax_mod.elitist_engine import ElitistExperiment
        return ElitistExperiment(config)
    return Experiment(config)


def run_chunk(exp, state, n_logs: int):
    """``n_logs`` blocks of ``log_every`` generations for one seed; a metrics row and the
    champion at the end of each block. Returns (state, rows [n_logs, K], champions [n_logs])."""
    log_every = exp.config.run.log_every

    def block(s, _):
        s = jax.lax.fori_loop(0, log_every, lambda _, x: exp.step(x), s)
        return s, exp.metrics(s)

    state, (rows, champs) = jax.lax.scan(block, state, None, length=n_logs)
    return state, rows, champs


def seed_keys(config: ExperimentConfig) -> jax.Array:
    """One key per seed index; seed i is the same run whatever the number of seeds."""
    base = jax.random.PRNGKey(config.run.seed)
    return jax.vmap(lambda i: jax.random.fold_in(base, i))(jnp.arange(config.run.seeds))


@partial(jax.jit, static_argnums=0)
def batched_init(exp, keys):
    """Initial states of all seeds, with their metrics rows and champions (leading axis S)."""
    state = jax.vmap(exp.init_state)(keys)
    rows, champs = jax.vmap(exp.metrics)(state)
    return state, rows, champs


@partial(jax.jit, static_argnums=(0, 2, 3))
def batched_chunk(exp, state, n_logs: int, seed_batch: int):
    """`run_chunk` for all seeds (leading axis S). Each device takes its own seeds
    ``seed_batch`` at a time: vmapped within a batch, one batch after another; a batch at least
    as large as a device's seed count vmaps them all. The same bits either way."""
    def per_device(s):
        one = partial(run_chunk, exp, n_logs=n_logs)
        if seed_batch >= jax.tree.leaves(s)[0].shape[0]:
            return jax.vmap(one)(s)
        return jax.lax.map(one, s, batch_size=seed_batch)

    n_seeds = jax.tree.leaves(state)[0].shape[0]
    mesh = seed_mesh(n_seeds)
    if mesh is None:
        return per_device(state)
    split = jax.sharding.PartitionSpec("seeds")
    # check_vma off: the generation loop mixes per-device values with replicated constants
    return jax.shard_map(per_device, mesh=mesh, in_specs=split, out_specs=split, check_vma=False)(state)


def seed_mesh(n_seeds: int) -> jax.sharding.Mesh | None:
    """The one-axis mesh of all devices (of all processes) that splits ``n_seeds`` seeds, or None
    where there is one device or the seeds do not split evenly."""
    devices = jax.devices()
    if len(devices) == 1 or n_seeds % len(devices) != 0:
        return None
    return jax.sharding.Mesh(np.asarray(devices), ("seeds",))


def default_seed_batch(n_seeds: int) -> int:
    """Seeds a device vmaps at once unless told: one on CPUs, where a wide batch loses to one
    seed's working set staying in cache (8 Clune seeds at population 1000 on a 2-core CPU, ms
    a seed-generation: 8.6 vmapped against 7.0 one at a time on one device, 5.2 against 4.5 on
    two); all of them elsewhere, where the width fills the accelerator."""
    return 1 if jax.default_backend() == "cpu" else n_seeds


def shard_seeds(tree, n_seeds: int):
    """Place a seed-batched pytree on all devices, split along the seed axis (`seed_mesh`);
    otherwise leave it on the default device."""
    mesh = seed_mesh(n_seeds)
    if mesh is None:
        return tree
    return jax.device_put(tree, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("seeds")))
