"""Modularity in the feature basis (measures.md §6.4): the network's weights rewritten in the
eigenbasis of each hidden layer's activation Gram matrix, and the weighted Q of that graph.

A neuron is an arbitrary axis of its layer: any rotation of a layer's units, undone by the next
weights, computes the same function up to the nonlinearity. The features of a hidden layer l
are the eigenvectors U_l of its Gram matrix over the task's P input patterns,

  G_l = A_l^T A_l / P,   A_l [P, n_l] the layer's post-activation values,

(``centred=True``: A_l minus its mean over patterns, the covariance, so that a feature is a
direction of variation rather than of the mean), and f_l = a_l U_l are a pattern's feature
values. Since a_l = f_l U_l^T, layer l+1's pre-activations z = a_l W_l + b satisfy

  z U_{l+1} = f_l (U_l^T W_l U_{l+1}) + b U_{l+1},

so W'_l = U_l^T W_l U_{l+1} is *exactly* the linear map from layer l's features to layer
l+1's pre-activations expressed in layer l+1's feature basis (centred: plus the mean's
contribution, mu_l W_l U_{l+1}, a bias). It is not the map to layer l+1's features: those are
read after the nonlinearity, which acts on neurons, not on features; the graph of W' is the
linear part of the flow between feature bases. Inputs and outputs keep the neuron basis (their
units are the task's own variables), and absent nodes are not rotated.

Q of the rewritten graph: the registry's qw machinery (spectral + Kernighan–Lin partition,
directed, |w'|). Eigenvectors are defined up to sign, which |w'| ignores, and their order
within a layer (ascending eigenvalue here) only relabels nodes, which Q ignores; a repeated
eigenvalue leaves the basis of its eigenspace arbitrary, and Q with it.

Everything works on the registry's per-network arrays (adjacency [N, N] with [i, j] the
weight i -> j, activations [N, P], layer [N]) with fixed shapes: jittable and vmappable.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from evojax_mod.measures.spectral_kl import spectral_kl_q


def gram(activations, *, centred: bool = False) -> jax.Array:
    """float [N, N]: activations [N, P] times their transpose over P (the units' second
    moments; centred: their covariances, ``np.cov(..., bias=True)``)."""
    acts = activations - activations.mean(axis=1, keepdims=True) if centred else activations
    return acts @ acts.T / activations.shape[1]


def layer_eigenvectors(second_moments, members) -> jax.Array:
    """float [N, N]: the eigenvectors of second_moments [N, N] restricted to the member units
    (bool [N]), as columns placed at the members' positions (the member of rank r holds the
    r-th in ascending eigenvalue order), zero elsewhere.

    Non-members get the eigenvalue -1, below every member eigenvalue of a Gram matrix (>= 0),
    so the top n_members eigenvectors are the members' ones, exactly zero off the members."""
    both = members[:, None] & members[None, :]
    block = jnp.where(both, second_moments, 0) - jnp.diag(jnp.where(members, 0.0, 1.0))
    _, vectors = jnp.linalg.eigh(block)
    n = members.shape[0]
    column = n - members.sum() + jnp.cumsum(members) - 1
    return jnp.where(both, vectors[:, jnp.clip(column, 0, n - 1)], 0)


def feature_basis(activations, layer, rotate, *, centred: bool = False) -> jax.Array:
    """float [N, N] orthogonal U, block diagonal by layer: for the rotated units (bool [N]) of
    each layer, the eigenvectors of that layer's Gram matrix (`layer_eigenvectors`); the
    identity on every other unit. activations [N, P], layer int [N] (values < N)."""
    second_moments = gram(activations, centred=centred)
    per_layer = jax.vmap(lambda l: layer_eigenvectors(second_moments, rotate & (layer == l)))
    return per_layer(jnp.arange(layer.shape[0])).sum(axis=0) + jnp.diag((~rotate).astype(activations.dtype))


def feature_weights(adjacency, basis) -> jax.Array:
    """float [N, N]: U^T A U, the weights between features (module docstring); A[i, j] is
    the weight i -> j and values flow as rows, z = a A."""
    return basis.T @ adjacency @ basis


def feature_q(adjacency, activations, layer, hidden, node_mask, *, centred: bool = False) -> dict:
    """The weighted directed Q (spectral + KL, as the registry's qw) of the network in the
    feature basis, "feature_qw", and in the neuron basis, "feature_qw_neuron", float [].

    adjacency [N, N], activations [N, P] (every node's value on the task's patterns), layer
    int [N], hidden bool [N] (the units rotated), node_mask bool [N] (present nodes)."""
    adjacency = jnp.asarray(adjacency, activations.dtype)
    basis = feature_basis(activations, layer, hidden & node_mask, centred=centred)
    q = lambda a: spectral_kl_q(a, node_mask, weighted=True, directed=True)
    return {"feature_qw": q(feature_weights(adjacency, basis)), "feature_qw_neuron": q(adjacency)}
