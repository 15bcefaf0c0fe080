"""Xavier (Glorot) initialization: fill a weight so that activations and gradients keep their scale.

A layer with ``fan_in`` inputs and ``fan_out`` outputs keeps the variance of its outputs (forward)
and of its gradients (backward) when its weights have variance 2 / (fan_in + fan_out), the
compromise of Glorot & Bengio (2010) between 1 / fan_in and 1 / fan_out.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["fan_in_and_fan_out", "xavier_normal_", "xavier_uniform_"]


def fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    r"""The fan-in and fan-out of a weight of ``shape``, laid out as PyTorch's layers lay it out.

    ``nn.Linear`` stores W as (out_features, in_features) and ``nn.Conv*d`` as
    (out_channels, in_channels, *kernel_size). Every input channel feeds a whole kernel window, so

    .. math:: \text{receptive} = \prod \text{kernel}, \quad
              \text{fan\_in} = \text{shape}[1] \cdot \text{receptive}, \quad
              \text{fan\_out} = \text{shape}[0] \cdot \text{receptive}

    with receptive = 1 for a 2-D shape.

    Args:
        shape: the weight's sizes, a tuple of at least 2 ints
            (fan_out_channels, fan_in_channels, *kernel).

    Returns:
        (fan_in, fan_out), two Python ints.

    Raises:
        ValueError: ``shape`` has fewer than 2 dims (a bias or a scalar has no fan-in).

    Example: (3, 5) gives (5, 3); (16, 8, 3, 3) gives (72, 144).

    d2l: §5.4.2 (Xavier initialization)
    """
    # TODO(xavier.fan_in_and_fan_out): implement
    raise NotImplementedError("xavier.fan_in_and_fan_out")


def xavier_uniform_(W: Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    r"""Fill W in place from U(−a, a), the Xavier uniform distribution, and return W.

    .. math:: a = \text{gain} \cdot \sqrt{\frac{6}{\text{fan\_in} + \text{fan\_out}}}

    so that Var(W) = a² / 3 = gain² · 2 / (fan_in + fan_out). The fans come from W's shape as in
    :func:`fan_in_and_fan_out`.

    Args:
        W: the weight to fill, float32 or float64, at least 2 dims. It may be a leaf that
            requires grad (an ``nn.Parameter``): the fill records no autograd history and W stays
            a leaf that requires grad.
        gain: scale factor (e.g. √2 before a ReLU), > 0.
        generator: source of the randomness, on W's device; None uses torch's default RNG
            (so ``torch.manual_seed`` makes the result reproducible). With a generator, torch's
            global RNG is left alone.

    Shape:
        W: (fan_out_channels, fan_in_channels, *kernel). Output: W itself.

    Returns:
        W itself (the same object), with its dtype, device and shape.

    Raises:
        ValueError: W has fewer than 2 dims (the message names W and its shape).

    Banned: ``torch.nn.init.*``.

    d2l: §5.4.2 (Xavier initialization)
    """
    # TODO(xavier.xavier_uniform_): implement
    raise NotImplementedError("xavier.xavier_uniform_")


def xavier_normal_(W: Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    r"""Fill W in place from N(0, σ²), the Xavier normal distribution, and return W.

    .. math:: \sigma = \text{gain} \cdot \sqrt{\frac{2}{\text{fan\_in} + \text{fan\_out}}}

    σ is the standard deviation (``std``), not the variance: Var(W) = σ².

    Args:
        W: the weight to fill, float32 or float64, at least 2 dims. It may be a leaf that
            requires grad: the fill records no autograd history and W stays a leaf.
        gain: scale factor, > 0.
        generator: source of the randomness, on W's device; None uses torch's default RNG.
            With a generator, torch's global RNG is left alone.

    Shape:
        W: (fan_out_channels, fan_in_channels, *kernel). Output: W itself.

    Returns:
        W itself (the same object), with its dtype, device and shape.

    Raises:
        ValueError: W has fewer than 2 dims (the message names W and its shape).

    Banned: ``torch.nn.init.*``.

    d2l: §5.4.2 (Xavier initialization)
    """
    # TODO(xavier.xavier_normal_): implement
    raise NotImplementedError("xavier.xavier_normal_")
