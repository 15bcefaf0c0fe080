"""Xavier initialization, written from the spec: torch.rand / torch.randn, then copy into W."""

from __future__ import annotations

import math

import torch
from torch import Tensor


def fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        raise ValueError(f"shape must have at least 2 dimensions, got shape={tuple(shape)}")
    receptive = 1
    for k in shape[2:]:
        receptive *= k
    return int(shape[1] * receptive), int(shape[0] * receptive)


def xavier_uniform_(W, gain=1.0, generator=None):
    fan_in, fan_out = fan_in_and_fan_out(W.shape)
    bound = gain * math.sqrt(6.0 / fan_in)
    with torch.no_grad():
        W.uniform_(-bound, bound, generator=generator)
    return W


def xavier_normal_(W: Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    fan_in, fan_out = fan_in_and_fan_out(W.shape)
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    noise = torch.randn(W.shape, generator=generator, dtype=W.dtype, device=W.device)
    W.data.copy_(noise * std)
    return W
