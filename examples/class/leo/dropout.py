"""Dropout: zero random activations while training, so that no unit can rely on another.

During training each activation is kept with probability 1 − p and zeroed with probability p,
and the kept ones are divided by 1 − p, so that every activation keeps its expected value
("inverted dropout"): at test time the layer does nothing. :func:`dropout_layer` is d2l's
function; :class:`Dropout` wraps it in an ``nn.Module`` that switches it off in eval mode.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["Dropout", "dropout_layer"]


def dropout_layer(X: Tensor, dropout: float, generator: torch.Generator | None = None) -> Tensor:
    r"""Zero each element with probability ``dropout``; scale the rest so the mean is kept.

    .. math:: h' = 0 \text{ w.p. } p, \quad h' = \frac{h}{1 - p} \text{ otherwise}

    so that E[h'] = h. Each element gets its own independent draw (no mask shared between rows).
    The two ends need no randomness: dropout = 1 gives zeros (not h · 0 / 0 = NaN), dropout = 0
    gives X's values, in a new tensor.

    Args:
        X: activations, float32 or float64, any shape.
        dropout: probability p of zeroing an element, in [0, 1].
        generator: source of the mask's randomness, on X's device; None uses torch's default
            RNG (so ``torch.manual_seed`` makes the result reproducible). Draw every random
            number with it, e.g. ``torch.rand(X.shape, generator=generator, device=X.device)``;
            with a generator, torch's global RNG is left alone.

    Shape:
        X: (*). Output: (*), same as X.

    Returns:
        A new tensor with X's dtype and device (also for dropout = 0: not X itself); X is
        untouched.

    Raises:
        ValueError: dropout outside [0, 1], or NaN (the message names ``dropout``).

    Banned: ``torch.nn.functional.dropout`` (and its ``alpha_``/``feature_`` variants),
    ``torch.dropout``, ``torch.nn.Dropout``.

    d2l: §5.6.4 (sec_dropout, "implementation from scratch")
    """
    # TODO(dropout.dropout_layer): implement
    raise NotImplementedError("dropout.dropout_layer")


class Dropout(torch.nn.Module):
    r"""Dropout as a layer: :func:`dropout_layer` in training mode, the identity in eval mode.

    ``net.train()`` (the default for a new module) turns dropout on, ``net.eval()`` turns it
    off for evaluation and prediction.

    Args:
        p: probability of zeroing an element, in [0, 1]; checked here, when the layer is built.

    Shape:
        X: (*). Output: (*), same as X.

    Raises:
        ValueError: p outside [0, 1], or NaN (the message names ``p``).

    Banned: ``torch.nn.Dropout``, ``torch.nn.functional.dropout`` and its variants,
    ``torch.dropout``.

    d2l: §5.6.4-§5.6.5 (sec_dropout)
    """

    def __init__(self, p: float = 0.5):
        """Check that ``p`` is a probability and store it as ``self.p``.

        Call ``super().__init__()`` first: ``nn.Module`` sets up ``self.training`` (True) there.
        An invalid p raises here, not at the first forward.
        """
        # TODO(dropout.Dropout): implement
        raise NotImplementedError("dropout.Dropout")

    def forward(self, X: Tensor) -> Tensor:
        """Dropout with probability ``self.p`` in training mode; the identity in eval mode.

        In training mode (``self.training`` is True) the mask is drawn from torch's default RNG,
        so ``torch.manual_seed`` makes it reproducible.

        Args:
            X: activations, float32 or float64, any shape.

        Returns:
            In training mode a new tensor with X's shape, dtype and device; in eval mode X's
            values (X itself is fine). X is untouched.
        """
        # TODO(dropout.Dropout.forward): implement
        raise NotImplementedError("dropout.Dropout.forward")
