"""A plain CPU baseline of the Clune, Mouret & Lipson 2013 P&CC loop, written with DEAP + numpy.

This is how the experiment looks when written the ordinary way, without JAX: every individual
is a Python object holding three numpy arrays (edge mask bool [106], weight index int8 [106],
bias index int8 [15]; the same layout as `evojax_mod.genomes.layered.LayeredSpec()`), mutated
and evaluated one at a time in Python/numpy, with DEAP doing the selection:

  * parent selection: `deap.tools.selTournamentDCD` (binary tournaments: dominance, then larger
    crowding distance, then a coin flip, on two shuffles of the parents);
  * mutation (no crossover), per child, in this order: each present edge steps its weight one
    place up or down the ordered set {-2, -1, 1, 2} (clamped) with p = 2 / (number of present
    edges); each of the 15 biases is resampled from {-2, ..., 2} with p = 1/24; with p = 0.2
    one absent edge is added (Sferes' rejection sampling: a layer pair uniformly, then a source
    and a target uniformly, until the edge is absent; a fresh uniform weight); with p = 0.2 one
    present edge, uniformly, is removed;
  * evaluation: forward pass over all 256 retina patterns with tanh(20 x); performance =
    fraction of patterns with the strict sign right (out == 0 is always wrong), goal L-AND-R;
    connection cost = summed squared edge length of the simplified network (edges whose target
    reaches the output) after optimal placement of its hidden nodes, by `np.linalg.solve` of
    the Laplacian system with inputs and output fixed; behavioural diversity = mean Hamming
    distance of the 256 output bits (out > 0) to every member of the mixed parent+child
    population;
  * survivors: `deap.tools.selNSGA2` over parents + children on (performance max, cost min,
    diversity max), with DEAP's faster non-dominated sort ``nd="log"`` by default (the same
    fronts as ``nd="standard"``, which is about 30x slower on 2000 individuals).

Differences from evojax_mod, all of which make this baseline do LESS work per generation, so a
speed ratio against it is conservative:

  * DEAP has no stochastic Pareto dominance. The baseline uses PLAIN dominance on all three
    objectives, in the sort and in the tournaments, where evojax_mod (like Sferes' PNSGA) uses
    the cost in a random 25 % of comparisons, which needs fresh random draws in every pass of
    the sort.
  * As in DEAP's usual idiom (and Sferes' epoch), only the children are evaluated; parents keep
    their performance, cost and output bits, and only their diversity is recomputed over the
    mixed population. evojax_mod re-evaluates parents and children every generation (needed for
    goal schedules that change the task); with the fixed L-AND-R goal the results are the same.
  * Diversity uses the O(N x 256) per-bit column-count form, not N^2 pairwise distances.
"""
from __future__ import annotations

import random
import time

import numpy as np
from deap import base, tools

from evojax_mod.genomes.layered import LayeredSpec
from evojax_mod.tasks.retina import retina_task

SPEC = LayeredSpec()
LAYERS = SPEC.layers
N_NODES = SPEC.n_nodes
N_EDGES = SPEC.n_edges
N_NEURONS = SPEC.n_neurons
EDGE_OFFSETS = SPEC.edge_offsets
SRC, DST = (a.astype(np.int64) for a in SPEC.edge_endpoints)
WEIGHTS = np.asarray(SPEC.weight_values, np.float64)
BIASES = np.asarray(SPEC.bias_values, np.float64)
COORDS = np.stack([np.asarray(SPEC.x, np.float64), np.asarray(SPEC.y, np.float64)], axis=1)
N_IN, N_OUT = LAYERS[0], LAYERS[-1]
HIDDEN_LO, HIDDEN_HI = N_IN, N_NODES - N_OUT          # hidden nodes are [HIDDEN_LO, HIDDEN_HI)
FIXED = np.r_[np.arange(N_IN), np.arange(N_NODES - N_OUT, N_NODES)]

_TASK = retina_task()
INPUTS = _TASK.inputs_pm1().astype(np.float64)               # [256, 8] in {-1, +1}
TARGET_AND = _TASK.sub_goals[0] & _TASK.sub_goals[1]                 # L-AND-R, bool [256]


class FitnessCC(base.Fitness):
    """(performance, connection cost, diversity): maximise, minimise, maximise."""

    weights = (1.0, -1.0, 1.0)


class Network:
    """One individual: the genome arrays, DEAP fitness, and cached evaluation results."""

    __slots__ = ("edge_mask", "weight_index", "bias_index", "fitness", "performance", "cost", "bits")

    def __init__(self, edge_mask, weight_index, bias_index):
        self.edge_mask = edge_mask
        self.weight_index = weight_index
        self.bias_index = bias_index
        self.fitness = FitnessCC()
        self.performance = self.cost = self.bits = None

    def clone(self) -> "Network":
        return Network(self.edge_mask.copy(), self.weight_index.copy(), self.bias_index.copy())


# ---------------------------------------------------------------------------------- operators

def add_edge(rng: np.random.Generator, mask: np.ndarray, weight_index: np.ndarray) -> None:
    """Sferes' _add_conn, in place: draw a layer pair, a source and a target uniformly until the
    edge is absent, then switch it on with a uniform weight. No-op when every edge is present."""
    if mask.all():
        return
    while True:
        layer = rng.integers(len(LAYERS) - 1)
        s = rng.integers(LAYERS[layer])
        t = rng.integers(LAYERS[layer + 1])
        e = EDGE_OFFSETS[layer] + s * LAYERS[layer + 1] + t
        if not mask[e]:
            mask[e] = True
            weight_index[e] = rng.integers(len(WEIGHTS))
            return


def random_network(rng: np.random.Generator) -> Network:
    """Uniform weights and biases, then k ~ U{0, ..., 119} edge additions (Sferes random())."""
    mask = np.zeros(N_EDGES, bool)
    weight_index = rng.integers(len(WEIGHTS), size=N_EDGES).astype(np.int8)
    bias_index = rng.integers(len(BIASES), size=N_NEURONS).astype(np.int8)
    low, high = SPEC.init_connections
    for _ in range(rng.integers(low, high)):
        add_edge(rng, mask, weight_index)
    return Network(mask, weight_index, bias_index)


def mutate(rng: np.random.Generator, ind: Network) -> Network:
    """DnnSpatial::mutate in place: weight steps, bias resampling, add edge, remove edge."""
    mask = ind.edge_mask
    p_weight = SPEC.weight_changes_per_genome / max(int(mask.sum()), 1)
    stepped = mask & (rng.random(N_EDGES) < p_weight)
    direction = np.where(rng.random(N_EDGES) < 0.5, 1, -1)
    ind.weight_index = np.clip(ind.weight_index + stepped * direction, 0, len(WEIGHTS) - 1).astype(np.int8)
    resample = rng.random(N_NEURONS) < SPEC.bias_rate
    ind.bias_index = np.where(resample, rng.integers(len(BIASES), size=N_NEURONS), ind.bias_index).astype(np.int8)
    if rng.random() < SPEC.add_rate:
        add_edge(rng, mask, ind.weight_index)
    if rng.random() < SPEC.remove_rate and mask.any():
        mask[rng.choice(np.flatnonzero(mask))] = False
    return ind


# ---------------------------------------------------------------------------------- evaluation

def express(edge_mask, weight_index, bias_index, inputs=INPUTS) -> np.ndarray:
    """Output of the network on every input pattern, float64 [B]."""
    w = np.where(edge_mask, WEIGHTS[weight_index], 0.0)
    b = BIASES[bias_index]
    h, b_at = inputs, 0
    for layer, (n_in, n_out) in enumerate(zip(LAYERS[:-1], LAYERS[1:])):
        mat = w[EDGE_OFFSETS[layer]:EDGE_OFFSETS[layer + 1]].reshape(n_in, n_out)
        h = np.tanh(SPEC.steepness * (h @ mat + b[b_at:b_at + n_out]))
        b_at += n_out
    return h[:, 0]


def performance(outputs: np.ndarray, target: np.ndarray) -> float:
    """Fraction correct under the strict sign rule (out == 0 is always wrong)."""
    return float(np.mean(np.where(target, outputs > 0, outputs < 0)))


def functional_edges(edge_mask: np.ndarray) -> np.ndarray:
    """Edges of the simplified network: those whose target has a path to the output."""
    alive = np.zeros(N_NODES, bool)
    alive[N_NODES - N_OUT:] = True
    for _ in range(len(LAYERS) - 1):
        alive[SRC[edge_mask & alive[DST]]] = True
    return edge_mask & alive[DST]


def optimal_length(edge_mask: np.ndarray) -> float:
    """Summed squared edge length of the simplified network after optimal placement of its
    hidden nodes (inputs and output fixed): solve L_hh r_h = A_hf r_f for x and y at once."""
    edges = functional_edges(edge_mask)
    s, t = SRC[edges], DST[edges]
    if len(s) == 0:
        return 0.0
    adj = np.zeros((N_NODES, N_NODES))
    np.add.at(adj, (s, t), 1.0)
    adj = adj + adj.T
    used = np.unique(np.r_[s, t])
    hidden = used[(used >= HIDDEN_LO) & (used < HIDDEN_HI)]
    pos = COORDS.copy()
    if len(hidden):
        lap = np.diag(adj[hidden].sum(axis=1)) - adj[np.ix_(hidden, hidden)]
        rhs = adj[np.ix_(hidden, FIXED)] @ COORDS[FIXED]
        pos[hidden] = np.linalg.solve(lap, rhs)
    return float(np.sum((pos[s] - pos[t]) ** 2))


def evaluate(ind: Network, target: np.ndarray = TARGET_AND) -> None:
    """Fill the individual's performance, cost and output bits (fitness is set later, once the
    population's diversity is known)."""
    out = express(ind.edge_mask, ind.weight_index, ind.bias_index)
    ind.performance = performance(out, target)
    ind.cost = optimal_length(ind.edge_mask)
    ind.bits = out > 0


def diversity(bits: np.ndarray) -> np.ndarray:
    """Mean Hamming distance of each row of bits [N, B] to every row, as a fraction of B."""
    n, b = bits.shape
    ones = bits.sum(axis=0)
    return np.where(bits, n - ones, ones).sum(axis=1) / (n * b)


def assign_fitness(population: list[Network]) -> None:
    div = diversity(np.stack([ind.bits for ind in population]))
    for ind, d in zip(population, div):
        ind.fitness.values = (ind.performance, ind.cost, float(d))


# ---------------------------------------------------------------------------------- the loop

def initial_population(population: int, rng: np.random.Generator, nd: str = "log") -> list[Network]:
    pop = [random_network(rng) for _ in range(population)]
    for ind in pop:
        evaluate(ind)
    assign_fitness(pop)
    return tools.selNSGA2(pop, population, nd=nd)   # sorts and assigns crowding distances


def generation(pop: list[Network], rng: np.random.Generator, nd: str = "log") -> list[Network]:
    """Tournament -> clone and mutate -> evaluate children -> diversity -> NSGA-II survivors."""
    winners = tools.selTournamentDCD(pop, len(pop))
    children = [mutate(rng, w.clone()) for w in winners]
    for child in children:
        evaluate(child)
    mixed = pop + children
    assign_fitness(mixed)
    return tools.selNSGA2(mixed, len(pop), nd=nd)


def evolve(population: int = 1000, generations: int = 3, seed: int = 0, nd: str = "log") -> list[Network]:
    """The final population of a baseline run (``population`` a multiple of 4)."""
    random.seed(seed)                               # DEAP's selection uses the random module
    rng = np.random.default_rng(seed)
    pop = initial_population(population, rng, nd)
    for _ in range(generations):
        pop = generation(pop, rng, nd)
    return pop


def deap_generations_per_second(population: int = 1000, generations: int = 3, seed: int = 0,
                                nd: str = "log") -> float:
    """Generations per second of the baseline, timing only the generation loop (the random
    initial population, its evaluation and first sort are excluded). ``population`` must be
    a multiple of 4 (selTournamentDCD); ``nd``: DEAP's non-dominated sort, "log" or "standard"."""
    random.seed(seed)
    rng = np.random.default_rng(seed)
    pop = initial_population(population, rng, nd)
    t0 = time.perf_counter()
    for _ in range(generations):
        pop = generation(pop, rng, nd)
    return generations / (time.perf_counter() - t0)
