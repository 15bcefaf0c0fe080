"""WRONG on purpose: Dask's first ``broadcast_shapes``, which rejects a size 0 against a size 1.

Source: dask/dask, dask/array/core.py, ``broadcast_shapes`` as it was before commit
b34c9d9a17d5239fd00c772211575bf25c23968f ("Support empty chunks in atop, rechunk", 2017),
which fixed exactly this: ``dim = max(sizes)`` makes (0,) vs (1,) look like 0 vs 1 with
dim = 1, so it raises, while NumPy, PyTorch and the contract give (0,).
Licence: BSD-3-Clause. Copyright (c) 2014, Anaconda, Inc. and contributors.
Adapted: two shapes (``a``, ``b``) instead of ``*shapes``. ``pairwise_sq_dists`` and
``standardize`` are correct (as ``real_numpy_style/broadcasting.py``, from scikit-learn, same
licence terms: BSD-3-Clause, Copyright (c) 2007-2024 The scikit-learn developers), so
``broadcast_shape`` must lose points and nothing else.
"""

from itertools import zip_longest

import torch


def broadcast_shape(a, b):
    """Determines output shape from broadcasting arrays."""
    shapes = (tuple(a), tuple(b))
    out = []
    for sizes in zip_longest(*map(reversed, shapes), fillvalue=1):
        dim = max(sizes)
        if any(i != 1 and i != dim for i in sizes):
            raise ValueError("operands could not be broadcast together with "
                             "shapes {0}".format(' '.join(map(str, shapes))))
        out.append(dim)
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
