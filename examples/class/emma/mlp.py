"""An MLP with backpropagation as a class of layers, each with its own forward and backward (a student's version).

The softmax gradient is written from the log-sum-exp: softmax(O) = exp(O − lse(O)).
"""

import torch
import torch.nn.functional as F


def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
    if min(num_inputs, num_hiddens, num_outputs) <= 0:
        raise ValueError(f"sizes must be positive, got {(num_inputs, num_hiddens, num_outputs)}")
    if not sigma >= 0:  # False for NaN too
        raise ValueError(f"bad sigma {sigma!r}")
    W1 = torch.normal(0.0, sigma, size=(num_inputs, num_hiddens), generator=generator)
    W2 = torch.normal(0.0, sigma, size=(num_hiddens, num_outputs), generator=generator)
    params = [W1, torch.zeros(num_hiddens), W2, torch.zeros(num_outputs)]
    for p in params:
        p.requires_grad = True
    return params


class _Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, X):
        self.X = X
        return torch.addmm(self.b, X, self.W)

    def backward(self, grad):
        self.dW = self.X.transpose(0, 1).mm(grad)
        self.db = grad.sum(0)
        return grad.mm(self.W.transpose(0, 1))


class _ReLU:
    def forward(self, Z):
        self.positive = Z > 0
        return Z.clamp(min=0)

    def backward(self, grad):
        return grad.masked_fill(~self.positive, 0.0)


class _MeanSoftmaxCrossEntropy:
    def forward(self, O, y):
        m = O.max(dim=1, keepdim=True).values
        self.log_probs = O - (m + torch.log(torch.exp(O - m).sum(dim=1, keepdim=True)))
        self.y = y
        return -self.log_probs.gather(1, y[:, None]).mean()

    def backward(self):
        n, q = self.log_probs.shape
        return (self.log_probs.exp() - F.one_hot(self.y, q).to(self.log_probs.dtype)) / n


class _Network:
    def __init__(self, params):
        W1, b1, W2, b2 = params
        self.layers = [_Affine(W1, b1), _ReLU(), _Affine(W2, b2)]

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)


def mlp_forward(X, params):
    return _Network(params).forward(X)


def mlp_backward(X, y, params):
    with torch.no_grad():
        net = _Network(params)
        loss = _MeanSoftmaxCrossEntropy()
        loss.forward(net.forward(X), y)
        net.backward(loss.backward())
        first, _, second = net.layers
        return [first.dW, first.db, second.dW, second.db]

