"""Activation functions of an MLP and their derivatives, written from their formulas.

Each function is element-wise and finite for every finite input: the exponentials are only
ever taken of a non-positive number, so they underflow to 0 instead of overflowing to inf
(where a textbook formula would compute inf/inf = NaN). The derivatives are derived by hand.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["relu", "relu_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad"]


def relu(x: Tensor) -> Tensor:
    r"""The rectified linear unit, element-wise.

    .. math:: \operatorname{ReLU}(x) = \max(x, 0)

    Args:
        x: float32 or float64, any shape (0-dim and empty included).

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor with x's dtype and device; x is untouched.

    Banned: ``torch.relu``, ``Tensor.relu``, ``torch.nn.functional.relu``, ``torch.nn.ReLU``.

    d2l: §5.1 (sec_mlp)
    """
    # TODO(activations.relu): implement
    raise NotImplementedError("activations.relu")


def sigmoid(x: Tensor) -> Tensor:
    r"""The logistic sigmoid, element-wise, finite for every finite x.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}

    Args:
        x: float32 or float64, any shape; any finite values (sigmoid(-1e4) = 0,
            sigmoid(1e4) = 1).

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor in [0, 1] with x's dtype and device; x is untouched.

    Banned: ``torch.sigmoid``, ``Tensor.sigmoid``, ``torch.nn.functional.sigmoid``,
    ``torch.special.expit``, ``torch.nn.Sigmoid``.

    d2l: §5.1 (sec_mlp)
    """
    # TODO(activations.sigmoid): implement
    raise NotImplementedError("activations.sigmoid")


def tanh(x: Tensor) -> Tensor:
    r"""The hyperbolic tangent, element-wise, finite for every finite x.

    .. math:: \tanh(x) = \frac{1 - e^{-2x}}{1 + e^{-2x}}

    That formula, as written, gives inf/inf = NaN for x = -1e4; evaluate it at |x| and restore
    the sign (tanh is odd).

    Args:
        x: float32 or float64, any shape; any finite values (tanh(-1e4) = -1).

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor in [-1, 1] with x's dtype and device; x is untouched.

    Banned: ``torch.tanh``, ``Tensor.tanh``, ``torch.nn.functional.tanh``, ``torch.nn.Tanh``.

    d2l: §5.1 (sec_mlp)
    """
    # TODO(activations.tanh): implement
    raise NotImplementedError("activations.tanh")


def relu_grad(x: Tensor) -> Tensor:
    r"""The derivative of ReLU, element-wise: 1 where x > 0, else 0 (0 at x = 0, as PyTorch).

    Args:
        x: float32 or float64, any shape.

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor of 0s and 1s with x's dtype and device (not bool); x is untouched.

    Banned: everything banned for ``relu``, plus ``Tensor.backward`` and ``torch.autograd.*``:
    derive it by hand.

    d2l: §5.1 (sec_mlp)
    """
    # TODO(activations.relu_grad): implement
    raise NotImplementedError("activations.relu_grad")


def sigmoid_grad(x: Tensor) -> Tensor:
    r"""The derivative of the sigmoid, element-wise, finite for every finite x.

    .. math:: \sigma'(x) = \sigma(x)\,(1 - \sigma(x))

    Args:
        x: float32 or float64, any shape; any finite values.

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor in [0, 1/4] with x's dtype and device; x is untouched.

    Banned: everything banned for ``sigmoid``, plus ``Tensor.backward`` and ``torch.autograd.*``:
    derive it by hand.

    d2l: §5.1 (sec_mlp)
    """
    # TODO(activations.sigmoid_grad): implement
    raise NotImplementedError("activations.sigmoid_grad")


def tanh_grad(x: Tensor) -> Tensor:
    r"""The derivative of tanh, element-wise, finite for every finite x.

    .. math:: \tanh'(x) = 1 - \tanh^2(x)

    Args:
        x: float32 or float64, any shape; any finite values.

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor in [0, 1] with x's dtype and device; x is untouched.

    Banned: everything banned for ``tanh``, plus ``Tensor.backward`` and ``torch.autograd.*``:
    derive it by hand.

    d2l: §5.1 (sec_mlp)
    """
    # TODO(activations.tanh_grad): implement
    raise NotImplementedError("activations.tanh_grad")
