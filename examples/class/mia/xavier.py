"""Xavier initialization, written from the spec: a scaled in-place uniform_, Box-Muller normals."""

from __future__ import annotations

import math

import torch
from torch import Tensor


def fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    dims = [int(d) for d in shape]
    if len(dims) <= 1:
        raise ValueError("fan_in_and_fan_out needs a shape with 2 or more dims, got " + str(shape))
    kernel = math.prod(dims[2:])
    fan_out, fan_in = dims[0] * kernel, dims[1] * kernel
    return fan_in, fan_out


def _std(W: Tensor, gain: float) -> float:
    fan_in, fan_out = fan_in_and_fan_out(tuple(W.shape))
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def xavier_uniform_(W: Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    # U(-a, a) has variance a^2 / 3, so a = sqrt(3) * std.
    a = math.sqrt(3.0) * _std(W, gain)
    with torch.no_grad():
        W.uniform_(0.0, 1.0, generator=generator).mul_(2 * a).sub_(a)
    return W


def xavier_normal_(W, gain=1.0, generator=None):
    fan_in, fan_out = fan_in_and_fan_out(tuple(W.shape))
    var = gain ** 2 * 2.0 / (fan_in + fan_out)
    with torch.no_grad():
        W.normal_(0.0, var, generator=generator)
    return W
