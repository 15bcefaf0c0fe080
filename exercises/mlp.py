"""A multilayer perceptron with one hidden layer, trained by backpropagation written by hand.

The network maps X (n, d) to logits O (n, q) through a hidden layer of h ReLU units:

    Z = X W1 + b1,   H = relu(Z),   O = H W2 + b2

and is trained on the mean softmax cross-entropy of the n examples. Backpropagation (d2l §5.3)
walks the same graph backwards, each step the chain rule applied to one node: the gradient of
the loss with respect to a node's input is its gradient with respect to the node's output, times
the node's local derivative. Written out, no autograd needed:

    dO  = (softmax(O) − onehot(y)) / n           (n, q)   the 1/n of the mean
    dW2 = Hᵀ dO                                  (h, q)
    db2 = Σ_rows dO                              (q,)
    dH  = dO W2ᵀ                                 (n, h)
    dZ  = dH ⊙ [Z > 0]                           (n, h)   ReLU'(0) = 0, as PyTorch
    dW1 = Xᵀ dZ                                  (d, h)
    db1 = Σ_rows dZ                              (h,)

Check each line by its shapes: a gradient has the shape of what it is the gradient of, and the
transpose goes on the side that makes the product's shape come out right (Hᵀ dO is (h, n)(n, q)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["init_mlp_params", "mlp_backward", "mlp_forward"]


def init_mlp_params(num_inputs: int, num_hiddens: int, num_outputs: int, sigma: float = 0.01,
                    generator: torch.Generator | None = None) -> list[Tensor]:
    r"""The parameters [W1, b1, W2, b2] of a one-hidden-layer MLP: weights N(0, σ²), biases 0.

    .. math:: (W_1)_{ij}, (W_2)_{jk} \sim \mathcal{N}(0, \sigma^2), \quad b_1 = 0, \quad b_2 = 0

    σ is the standard deviation (``std``), not the variance: ``torch.randn(...) * sigma``, not
    ``* sigma**2``. Each tensor is a float32 leaf that requires grad, ready for ``torch.optim``
    (d2l §5.2.1): create the random values first, then call ``requires_grad_()``.
    ``torch.randn(..., requires_grad=True) * sigma`` is not a leaf (it is the result of a
    multiplication), and an optimizer would never see its ``.grad``. Mind the layout: W1 is
    (num_inputs, num_hiddens), so that X W1 works for X (n, num_inputs).

    Args:
        num_inputs: d, the number of input features, ≥ 1.
        num_hiddens: h, the number of hidden units, ≥ 1.
        num_outputs: q, the number of classes, ≥ 1.
        sigma: σ ≥ 0, the standard deviation of every weight entry (0 gives zero weights).
        generator: source of the weights' randomness (a CPU generator); None uses torch's default
            RNG (so ``torch.manual_seed`` makes the result reproducible). With a generator,
            torch's global RNG is left alone: pass ``generator=generator`` to every draw.

    Shape:
        Output: [W1 (d, h), b1 (h,), W2 (h, q), b2 (q,)].

    Returns:
        A list of 4 new float32 CPU tensors, each a leaf with ``requires_grad=True``.

    Raises:
        ValueError: a size < 1, or σ < 0 or NaN (the message names the argument, e.g.
            "num_hiddens=0 must be at least 1"). ``sigma < 0`` is False for NaN: test it apart
            (``math.isnan``).

    Banned: ``torch.nn.Linear``, ``torch.nn.functional.linear``, ``torch.nn.Sequential``.

    d2l: §5.2.1 (sec_mlp_scratch, "initializing model parameters")
    """
    # TODO(mlp.init_mlp_params): implement
    raise NotImplementedError("mlp.init_mlp_params")


def mlp_forward(X: Tensor, params: Sequence[Tensor]) -> Tensor:
    r"""The logits of a one-hidden-layer MLP with ReLU: O = relu(X W1 + b1) W2 + b2.

    ReLU between the layers (``torch.relu`` or ``clamp(min=0)``), none on the output: the
    logits may be negative. The biases broadcast over the rows: b1 (h,) is added to every row
    of X W1 (n, h).

    Args:
        X: a minibatch, float32 or float64, one example per row.
        params: [W1, b1, W2, b2] as :func:`init_mlp_params` returns them, in X's dtype.

    Shape:
        X: (n, d). W1: (d, h), b1: (h,), W2: (h, q), b2: (q,). Output: (n, q).

    Returns:
        A new tensor with X's dtype and device. It records autograd history as usual: where
        the parameters require grad, so does O, and ``O.sum().backward()`` reaches them (no
        ``detach()``, no ``torch.no_grad()``). X and params are untouched.

    Banned: ``torch.nn.Linear``, ``torch.nn.functional.linear``, ``torch.nn.Sequential``.

    d2l: §5.1.1, §5.2.2 (sec_mlp, sec_mlp_scratch "model")
    """
    # TODO(mlp.mlp_forward): implement
    raise NotImplementedError("mlp.mlp_forward")


def mlp_backward(X: Tensor, y: Tensor, params: Sequence[Tensor]) -> list[Tensor]:
    r"""The gradients of the mean softmax cross-entropy of the MLP's logits, by backpropagation.

    .. math:: L = \frac{1}{n} \sum_{i=1}^{n} -\log \operatorname{softmax}(O)_{i, y_i},
              \quad O = \operatorname{relu}(X W_1 + b_1) W_2 + b_2

    Run the forward pass keeping Z = X W1 + b1 and H = relu(Z), then go backwards as in the
    module's docstring, from dO = (softmax(O) − onehot(y)) / n down to dW1 = Xᵀ dZ. Traps:

    - the 1/n: the loss is the mean over the n examples, not the sum (softmax topic's
      ``softmax_cross_entropy_grad`` is the gradient of the sum);
    - the bias gradients sum dO and dZ over the rows (the batch): a bias is added to every row;
    - the ReLU mask comes from the pre-activation, strictly: ``Z > 0``, not ``Z >= 0``
      (ReLU'(0) = 0, as PyTorch), and not ``H >= 0``, which is always true;
    - the transposes: dW2 = Hᵀ dO (h, q), not dOᵀ H (q, h), which has the right shape only
      when h = q; dH = dO W2ᵀ;
    - a stable softmax: subtract each row's max before ``exp`` (write it yourself: the softmax
      functions are banned here).

    Args:
        X: a minibatch, float32 or float64. Accurate for logits with |O| ≤ 50.
        y: the true class of each example, int64, values in [0, q).
        params: [W1, b1, W2, b2] in X's dtype; they may require grad (as from
            :func:`init_mlp_params`) and X may too.

    Shape:
        X: (n, d), y: (n,). Output: [dW1 (d, h), db1 (h,), dW2 (h, q), db2 (q,)], in that order
        (not the order backpropagation computes them in).

    Returns:
        A list of 4 new tensors in the parameters' dtype and device that do not require grad
        (work on ``p.detach()``, or inside ``torch.no_grad()``). X, y and params are untouched,
        and no ``.grad`` is set. Compared with autograd's gradients at the dtype's tolerance.

    Banned: ``Tensor.backward``, ``torch.autograd.*``, ``torch.func.*`` (no autograd here), the
    softmax topic's calls (``torch.softmax``, ``log_softmax`` in any form, ``torch.logsumexp``,
    ``torch.nn.functional.cross_entropy``, ``nll_loss``, ...) and ``torch.nn.Linear``,
    ``torch.nn.functional.linear``, ``torch.nn.Sequential``.

    d2l: §5.3 (sec_backprop)
    """
    # TODO(mlp.mlp_backward): implement
    raise NotImplementedError("mlp.mlp_backward")
