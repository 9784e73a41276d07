"""The measure registry and ``compute``: every measure on every network of a population.

A measure is a function on one network. ``compute`` applies it to arrays batched over
[seeds, individuals] — vmapped and jitted in one call when the measure is jittable, one network
at a time otherwise — and returns a tidy table: one row per (seed, individual), one column per
measure output. ``evojax-mod analyze RUN --measures q,qw,...`` is meant to build the batched
inputs from a run (adjacency, node_mask and layer from ``experiments.base.Network``;
activations from the task's inputs) and pass them here.

Per-network inputs (batched: add leading [S, I] axes):
  adjacency [N, N] float (edge i -> j weight), node_mask [N] bool (present nodes),
  layer [N] int, activations [N, P] float (each node's value on P task inputs),
  hidden [N] bool (units used for coactivation, mi and cfmi), groups [N] int (module 0 / 1 of each unit
  for the information measures, -1 = neither), interventions: the network under clamps,
  ``values(clamp) -> [N, P]`` (`Experiment.interventions`; an object array when batched),
  params: the differentiable network, ``jax.tree_util.Partial(apply, params)``, and subtasks:
  its two sub-tasks, a pair of `masks.Subtask` (object arrays when batched).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod.experiments.base import SUMMARIES
import evojax_mod.measures.maxq as maxq
from evojax_mod.measures.clusterability import clusterability
from evojax_mod.measures.coactivation import coactivation_clusterability
from evojax_mod.measures.counterfactual import module_scores
from evojax_mod.measures.feature_basis import feature_q
from evojax_mod.measures.hierarchy import global_reaching_centrality
from evojax_mod.measures.propagation import propagation
from evojax_mod.measures.information import boolean_mi, cross_mi
from evojax_mod.measures.masks import mask_modularity
from evojax_mod.measures.spectral_kl import spectral_kl_q

NEEDS = ("graph", "activations", "interventions", "params")


@dataclass(frozen=True)
class Measure:
    """One measure.

    name: registry key and column prefix. label: row title in tables. needs: which of NEEDS
    it reads. inputs: the per-network input names passed positionally to fn. fn: the measure
    on one network, ``fn(*inputs, **options) -> scalar`` or a mapping holding ``columns``.
    columns: output column names (default: the name). summary: one of
    ``experiments.base.SUMMARIES``, how report/compare aggregate it. better: "max", "min" or
    "" — the direction that means more modular. jittable: fn is traceable, so ``compute``
    vmaps it over [S, I] under one jit. options: default keyword options of fn.
    """

    name: str
    label: str
    needs: tuple[str, ...]
    inputs: tuple[str, ...]
    fn: Callable
    columns: tuple[str, ...] = ()
    summary: str = "median"
    better: str = ""
    jittable: bool = False
    options: Mapping = field(default_factory=dict)

    def __post_init__(self):
        if not set(self.needs) <= set(NEEDS):
            raise ValueError(f"{self.name}: needs {self.needs} not within {NEEDS}")
        if self.summary not in SUMMARIES:
            raise ValueError(f"{self.name}: summary {self.summary!r} not in {SUMMARIES}")
        if not self.columns:
            object.__setattr__(self, "columns", (self.name,))


def _q_of_louvain(adjacency, node_mask, **options):
    return maxq.louvain(adjacency, node_mask, **options)[0]


def _q_of_leiden(adjacency, node_mask, **options):
    return maxq.leiden(adjacency, node_mask, **options)[0]


def _coactivation(activations, hidden, **options):
    out = coactivation_clusterability(np.asarray(activations)[np.asarray(hidden, bool)], **options)
    return {"coact_ncut": out["ncut"], "coact_p": out["ncut_p"], "coact_z": out["ncut_z"]}


def _groups(activations, groups):
    """The activations of group 0 and group 1, or None when either has no unit (a network of
    one module has no information between modules: the measure is NaN)."""
    acts, groups = np.asarray(activations), np.asarray(groups)
    first, second = acts[groups == 0], acts[groups == 1]
    return None if len(first) == 0 or len(second) == 0 else (first, second)


def _group_mi(activations, groups, hidden, **options):
    """Mean pairwise MI between the hidden units of group 0 and group 1 (`information.cross_mi`).
    Inputs and outputs are left out: each group's inputs carry its half of the task's input
    patterns, which says nothing about what its units compute."""
    pair = _groups(activations, np.where(np.asarray(hidden, bool), groups, -1))
    return {"mi": np.nan, "mi_nats": np.nan} if pair is None else cross_mi(*pair, **options)


def _group_boolean_mi(activations, groups):
    pair = _groups(activations, groups)
    return np.nan if pair is None else boolean_mi(*pair)


def _cfmi(interventions, layer, groups, hidden, **options):
    """The module score S of the hidden units' two groups from counterfactual and observational
    MI (`counterfactual.module_scores`)."""
    if interventions is None:
        raise ValueError("cfmi: this experiment's networks take no interventions")
    labels = np.where(np.asarray(hidden, bool), groups, -1)
    scores = module_scores(interventions, labels, layer, **options)
    return {"cfmi": scores["counterfactual"], "cfmi_obs": scores["observational"], "cfmi_gap": scores["gap"]}


def _mask(params, subtasks, *, seed: int = 0, **options):
    """The weight-mask readouts of the network's two sub-tasks (`masks.mask_modularity`)."""
    out = mask_modularity(params, *subtasks, jax.random.PRNGKey(seed), **options)
    return {"mask_iou": out["iou"], "mask_drop_own": out["drop_own"],
            "mask_drop_other": out["drop_other"], "mask_accuracy": out["mask_accuracy"]}


def _propagation(interventions, layer, groups, **options):
    """Counterfactual influence of the inputs (layer 0) by layer distance (`propagation`): the
    decay per layer, the spread over units, the locality within the groups, and how much of an
    input's change reaches the last layer."""
    if interventions is None:
        raise ValueError("propagation: this experiment's networks take no interventions")
    layer = tuple(int(v) for v in np.asarray(layer))
    out = propagation(interventions, jnp.asarray(groups), layer=layer,
                      inputs=tuple(int(i) for i in np.flatnonzero(np.asarray(layer) == 0)), **options)
    return {"prop_decay": out["decay"], "prop_spread": out["spread"], "prop_locality": out["locality"],
            "prop_output": out["propagation"][-1]}


REGISTRY: dict[str, Measure] = {m.name: m for m in (
    Measure("q", "Q, spectral+KL (directed, unweighted)", ("graph",), ("adjacency", "node_mask"),
            spectral_kl_q, better="max", jittable=True,
            options={"weighted": False, "directed": True}),
    Measure("qw", "Q, spectral+KL (directed, |w|)", ("graph",), ("adjacency", "node_mask"),
            spectral_kl_q, better="max", jittable=True,
            options={"weighted": True, "directed": True}),
    Measure("qu", "Q, spectral+KL (undirected, unweighted)", ("graph",),
            ("adjacency", "node_mask"), spectral_kl_q, better="max", jittable=True,
            options={"weighted": False, "directed": False}),
    Measure("louvain", "Q, Louvain best of 5 seeds (directed, |w|)", ("graph",),
            ("adjacency", "node_mask"), _q_of_louvain, better="max",
            options={"weighted": True, "directed": True}),
    Measure("leiden", "Q, Leiden best of 5 seeds (directed, |w|)", ("graph",),
            ("adjacency", "node_mask"), _q_of_leiden, better="max",
            options={"weighted": True, "directed": True}),
    Measure("ncut", "n-cut, 2 spectral clusters (Filan)", ("graph",),
            ("adjacency", "layer", "node_mask"), clusterability,
            columns=("ncut", "ncut_p", "ncut_z"), better="min", options={"k": 2}),
    Measure("coact", "coactivation n-cut, 2 clusters (Hod)", ("activations",),
            ("activations", "hidden"), _coactivation,
            columns=("coact_ncut", "coact_p", "coact_z"), better="min", options={"k": 2}),
    # n_shuffles 0: the activations are on all of the task's patterns, equally likely, so the
    # plug-in MI of two binned units is exact (no sampling bias to remove)
    Measure("mi", "binned MI between the hidden units of modules 0 and 1, mean over unit pairs "
            "(normalised; nats)", ("activations",), ("activations", "groups", "hidden"), _group_mi,
            columns=("mi", "mi_nats"), better="min", options={"bins": 10, "n_shuffles": 0}),
    Measure("mi_bool", "exact MI between Boolean modules 0 and 1 (nats)", ("activations",),
            ("activations", "groups"), _group_boolean_mi, better="min"),
    # 2 bins: each unit split at its clean median, so that the d units of a module in one layer
    # have at most 2^d joint states, which the 8 * P pooled samples can estimate
    Measure("cfmi", "S = 1 - cross/all counterfactual MI, modules 0 and 1 (observational, gap)",
            ("graph", "interventions"), ("interventions", "layer", "groups", "hidden"), _cfmi,
            columns=("cfmi", "cfmi_obs", "cfmi_gap"), better="max", options={"bins": 2}),
    Measure("feature", "Q, spectral+KL (directed, |w|) in the feature basis (neuron basis)",
            ("graph", "activations"), ("adjacency", "activations", "layer", "hidden", "node_mask"),
            feature_q, columns=("feature_qw", "feature_qw_neuron"), better="max", jittable=True,
            options={"centred": False}),
    # reversed, as the Clune lab's code for Mengistu et al. 2016 measures it: the output is the root
    # better "": it measures hierarchy (higher = more), not modularity
    Measure("grc", "hierarchy: global reaching centrality (directed, unweighted, edges reversed)",
            ("graph",), ("adjacency", "node_mask"), global_reaching_centrality, jittable=True,
            options={"reverse": True}),
    # better "": how far information travels, not how modular the network is
    Measure("propagation", "input influence by layer distance: decay per layer, spread, locality, at the output",
            ("interventions",), ("interventions", "layer", "groups"), _propagation,
            columns=("prop_decay", "prop_spread", "prop_locality", "prop_output")),
    Measure("mask", "IoU of the weight masks of sub-tasks A and B (Csordás; drops when a mask "
            "is removed)", ("params",), ("params", "subtasks"), _mask,
            columns=("mask_iou", "mask_drop_own", "mask_drop_other", "mask_accuracy"), better="min",
            options={"steps": 2000, "alpha": 1e-4, "learning_rate": 1e-2}),
)}

def compute(names: Sequence[str], data: Mapping[str, object],
            options: Mapping[str, Mapping] | None = None) -> dict[str, np.ndarray]:
    """The named measures on every network of a batch, as a tidy table.

    names: registry keys. data: per-network inputs (module docstring) with leading axes
    [S, I] (seeds, individuals), e.g. {"adjacency": [S, I, N, N], "node_mask": [S, I, N]}.
    options: per-measure keyword overrides, e.g. {"ncut": {"n_shuffles": 0}}.
    Returns columns of length S*I in row-major (seed, individual) order: "seed", "individual"
    (int indices), then each measure's columns (float). ``rows`` turns it into dicts.
    """
    options = options or {}
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise KeyError(f"unknown measures {unknown}; known: {sorted(REGISTRY)}")
    batch = _batch_shape(data, [REGISTRY[n] for n in names])
    seed, individual = np.indices(batch)
    table = {"seed": seed.ravel(), "individual": individual.ravel()}
    for name in names:
        measure = REGISTRY[name]
        values = _evaluate(measure, data, batch, {**measure.options, **options.get(name, {})})
        table.update({col: np.asarray(v, dtype=float).reshape(-1) for col, v in values.items()})
    return table


def rows(table: Mapping[str, np.ndarray]) -> list[dict]:
    """The table of ``compute`` as one dict per row."""
    keys = list(table)
    return [dict(zip(keys, (table[k][i].item() for k in keys)))
            for i in range(len(table[keys[0]]))]


def _batch_shape(data, measures) -> tuple[int, int]:
    missing = sorted({k for m in measures for k in m.inputs if k not in data})
    if missing:
        raise KeyError(f"inputs {missing} are needed by {[m.name for m in measures]}")
    shapes = {np.shape(data[k])[:2] for m in measures for k in m.inputs}
    if len(shapes) != 1:
        raise ValueError(f"inputs disagree on the [seeds, individuals] axes: {shapes}")
    return shapes.pop()


def _evaluate(measure: Measure, data, batch, options) -> dict[str, np.ndarray]:
    """{column: [S, I] values} of one measure over the batch."""
    args = [data[k] for k in measure.inputs]
    if measure.jittable:
        fn = jax.jit(jax.vmap(jax.vmap(partial(measure.fn, **options))))
        out = fn(*args)
        out = out if isinstance(out, Mapping) else {measure.name: out}
        return {col: np.asarray(out[col]) for col in measure.columns}
    args = [np.asarray(a) for a in args]
    values = {col: np.empty(batch) for col in measure.columns}
    for idx in np.ndindex(*batch):
        out = measure.fn(*(a[idx] for a in args), **options)
        out = out if isinstance(out, Mapping) else {measure.name: out}
        for col in measure.columns:  # other outputs (e.g. labels) are not table columns
            values[col][idx] = out[col]
    return values
