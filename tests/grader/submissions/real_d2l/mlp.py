"""An MLP from scratch: d2l's own code, adapted in names and signatures only.

Source: d2l-ai/d2l-en, release v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715):
chapter_multilayer-perceptrons/mlp-implementation.md (``MLPScratch.__init__``'s parameters
``nn.Parameter(torch.randn(...) * sigma)`` and ``torch.zeros``, ``relu``, ``forward``), and the
formulas of chapter_multilayer-perceptrons/backprop.md §5.3.3 (∂J/∂o, ∂J/∂W⁽²⁾ = ∂J/∂o hᵀ,
∂J/∂h = W⁽²⁾ᵀ ∂J/∂o, ∂J/∂z = ∂J/∂h ⊙ φ′(z), ∂J/∂W⁽¹⁾ = ∂J/∂z xᵀ).
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
Adapted, where d2l deviates from the contract or has no code:
- ``MLPScratch`` is a module whose attributes are the parameters and whose ``forward`` reads
  them from ``self``; here ``init_mlp_params`` returns them as release v0.17.6's
  chapter_multilayer-perceptrons/mlp-scratch.md does (``params = [W1, b1, W2, b2]``) and
  ``mlp_forward`` takes them; ``d2l.reshape``/``d2l.matmul`` are ``torch.reshape``/
  ``torch.matmul``. The draw takes the contract's ``generator``, and the sizes and σ are
  checked (a ValueError), which d2l does not do.
- d2l has no code for §5.3 (it lets autograd do backpropagation); ``mlp_backward`` writes the
  chapter's formulas for a minibatch in the chapter's names, with rows as examples (so
  ∂J/∂W⁽²⁾ = hᵀ ∂J/∂o), the biases (their gradient is ∂J/∂o or ∂J/∂z summed over the
  examples), no regularization term s, L the mean cross-entropy (∂J/∂o = (softmax(o) − y)/n)
  and d2l's scratch ``softmax`` with the row maximum subtracted first, as in
  ``real_d2l/softmax.py``.
"""

import math

import torch
from torch import nn


def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
    if min(num_inputs, num_hiddens, num_outputs) < 1:
        raise ValueError(f"sizes must be >= 1, got {num_inputs}, {num_hiddens}, {num_outputs}")
    if math.isnan(sigma) or sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens, generator=generator) * sigma)
    b1 = nn.Parameter(torch.zeros(num_hiddens))
    W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs, generator=generator) * sigma)
    b2 = nn.Parameter(torch.zeros(num_outputs))
    return [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def mlp_forward(X, params):
    W1, b1, W2, b2 = params
    X = torch.reshape(X, (-1, W1.shape[0]))
    H = relu(torch.matmul(X, W1) + b1)
    return torch.matmul(H, W2) + b2


def softmax(X):
    X_exp = torch.exp(X - X.max(1, keepdim=True).values)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


def mlp_backward(X, y, params):
    W1, b1, W2, b2 = [p.detach() for p in params]
    X = X.detach()
    # Forward propagation, storing the intermediate variables
    z = torch.matmul(X, W1) + b1
    h = relu(z)
    o = torch.matmul(h, W2) + b2
    # Backpropagation, from the output layer to the input layer
    dJ_do = softmax(o)
    dJ_do[list(range(len(o))), y] -= 1
    dJ_do = dJ_do / len(o)
    dJ_dW2 = torch.matmul(h.T, dJ_do)
    dJ_db2 = dJ_do.sum(0)
    dJ_dh = torch.matmul(dJ_do, W2.T)
    dJ_dz = dJ_dh * (z > 0)
    dJ_dW1 = torch.matmul(X.T, dJ_dz)
    dJ_db1 = dJ_dz.sum(0)
    return [dJ_dW1, dJ_db1, dJ_dW2, dJ_db2]
