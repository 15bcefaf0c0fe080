"""Broadcasting: Dask's ``broadcast_shapes`` and scikit-learn's ``euclidean_distances``.

Sources:
- dask/dask, dask/array/core.py, ``broadcast_shapes`` (commit
  817e5ffc1208346630b111860571024b0c6ec9bd; the ``fillvalue=-1`` form since commit
  b34c9d9a17d5239fd00c772211575bf25c23968f, "Support empty chunks in atop, rechunk").
  Licence: BSD-3-Clause. Copyright (c) 2014, Anaconda, Inc. and contributors.
- scikit-learn/scikit-learn, release 1.5.2, sklearn/metrics/pairwise.py:
  ``_euclidean_distances`` (``XX = row_norms(X, squared=True)[:, np.newaxis]``,
  ``distances = -2 * X @ Y.T; distances += XX; distances += YY;
  np.maximum(distances, 0, out=distances)``, float32 upcast to float64 as
  ``_euclidean_distances_upcast`` does) with ``check_pairwise_arrays``'s error message;
  sklearn/preprocessing/_data.py: ``_is_constant_feature`` (Chan, Golub and LeVeque's bound
  on the two-pass variance) and ``_handle_zeros_in_scale`` (a constant feature's scale is 1).
  Licence: BSD-3-Clause. Copyright (c) 2007-2024 The scikit-learn developers.
Adapted: two shapes (the contract's ``a``, ``b``) instead of ``*shapes``, Dask's NaN (unknown
chunk) branch dropped, ``int(...)`` around the result's sizes; NumPy calls are their torch twins
on tensors. ``standardize`` is scikit-learn's ``StandardScaler`` arithmetic with the contract's
Bessel correction (``ddof=1``; scikit-learn uses ``ddof=0``). The error messages are Dask's and
scikit-learn's own wording.
"""

from itertools import zip_longest

import torch


def broadcast_shape(a, b):
    """Determines output shape from broadcasting arrays."""
    shapes = (tuple(a), tuple(b))
    out = []
    for sizes in zip_longest(*map(reversed, shapes), fillvalue=-1):
        dim = 0 if 0 in sizes else max(sizes)
        if any(i not in [-1, 0, 1, dim] for i in sizes):
            raise ValueError(
                "operands could not be broadcast together with "
                "shapes {}".format(" ".join(map(str, shapes)))
            )
        out.append(int(dim))
    return tuple(reversed(out))


def pairwise_sq_dists(X, Y):
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            "Incompatible dimension for X and Y matrices: "
            "X.shape[1] == %d while Y.shape[1] == %d" % (X.shape[1], Y.shape[1])
        )
    dtype = X.dtype
    if dtype == torch.float32:
        # _euclidean_distances_upcast: compute on float64 copies, return float32
        X, Y = X.to(torch.float64), Y.to(torch.float64)
    XX = (X * X).sum(dim=1)[:, None]
    YY = (Y * Y).sum(dim=1)[None, :]
    distances = -2 * (X @ Y.T)
    distances += XX
    distances += YY
    torch.clamp_(distances, min=0)
    return distances.to(dtype)


def _is_constant_feature(var, mean, n_samples):
    """Detect if a feature is indistinguishable from a constant feature."""
    # In scikit-learn, variance is always computed using float64 accumulators.
    eps = torch.finfo(torch.float64).eps

    upper_bound = n_samples * eps * var + (n_samples * mean * eps) ** 2
    return var <= upper_bound


def standardize(X):
    n_samples = X.shape[0]
    if n_samples < 2:
        raise ValueError(f"Found array with {n_samples} sample(s) while a minimum of 2 is required.")
    Xd = X.to(torch.float64)
    mean = Xd.mean(dim=0)
    var = ((Xd - mean) ** 2).sum(dim=0) / (n_samples - 1)
    constant_mask = _is_constant_feature(var, mean, n_samples)
    scale = torch.sqrt(var)
    scale[constant_mask] = 1.0  # _handle_zeros_in_scale
    return ((Xd - mean) / scale).to(X.dtype)
