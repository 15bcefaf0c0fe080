"""Xavier initialization: PyTorch's own code, adapted in names and signatures only.

Source: pytorch/pytorch, torch/nn/init.py, as shipped in torch 2.13.0 (the course's pinned
version): ``_calculate_fan_in_and_fan_out``, ``xavier_uniform_``, ``xavier_normal_``,
``_no_grad_uniform_``, ``_no_grad_normal_``.
Licence: BSD-3-Clause. Copyright (c) 2016- Facebook, Inc (Adam Paszke) and the PyTorch
contributors (see the LICENSE file of pytorch/pytorch).
Adapted: ``_calculate_fan_in_and_fan_out(tensor)`` became ``fan_in_and_fan_out(shape)`` (the
contract passes a shape, so ``tensor.dim()``/``tensor.size(i)`` became ``len(shape)``/
``shape[i]``); ``tensor`` is named ``W``; docstrings shortened. The error message, the
structure and the ``_no_grad_*`` helpers are PyTorch's.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    dimensions = len(shape)
    if dimensions < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )

    num_input_fmaps = shape[1]
    num_output_fmaps = shape[0]
    receptive_field_size = 1
    if len(shape) > 2:
        # math.prod is not always available, accumulate the product manually
        # we could use functools.reduce but that is not supported by TorchScript
        for s in shape[2:]:
            receptive_field_size *= s
    fan_in = num_input_fmaps * receptive_field_size
    fan_out = num_output_fmaps * receptive_field_size

    return fan_in, fan_out


def _no_grad_uniform_(
    tensor: Tensor, a: float, b: float, generator: torch.Generator | None = None
) -> Tensor:
    with torch.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def _no_grad_normal_(
    tensor: Tensor,
    mean: float,
    std: float,
    generator: torch.Generator | None = None,
) -> Tensor:
    with torch.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def xavier_uniform_(
    W: Tensor,
    gain: float = 1.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Fill W with values from :math:`\mathcal{U}(-a, a)`, a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tuple(W.shape))
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std  # Calculate uniform bounds from standard deviation

    return _no_grad_uniform_(W, -a, a, generator)


def xavier_normal_(
    W: Tensor,
    gain: float = 1.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Fill W with values from :math:`\mathcal{N}(0, \text{std}^2)`, std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tuple(W.shape))
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))

    return _no_grad_normal_(W, 0.0, std, generator)
