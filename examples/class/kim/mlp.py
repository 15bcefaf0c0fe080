"""An MLP in einsum and NumPy idioms: normal_ fills, an identity-matrix one-hot, torch.where for ReLU's mask."""

import math

import torch


def init_mlp_params(num_inputs, num_hiddens, num_outputs, sigma=0.01, generator=None):
    for name, value in (("num_inputs", num_inputs), ("num_hiddens", num_hiddens), ("num_outputs", num_outputs)):
        if value < 1:
            raise ValueError("%s must be >= 1, got %d" % (name, value))
    if math.isnan(sigma) or sigma < 0.0:
        raise ValueError("sigma must be a non-negative std, got %r" % (sigma,))
    shapes = [(num_inputs, num_hiddens), (num_hiddens,), (num_hiddens, num_outputs), (num_outputs,)]
    params = []
    for k, shape in enumerate(shapes):
        p = torch.empty(shape, dtype=torch.float32)
        if k % 2 == 0:
            p.normal_(mean=0.0, std=sigma, generator=generator)
        else:
            p.zero_()
        params.append(p.requires_grad_(True))
    return params


def _hidden(X, W1, b1):
    Z = torch.einsum("nd,dh->nh", X, W1) + b1[None, :]
    return Z, torch.maximum(Z, torch.zeros_like(Z))


def mlp_forward(X, params):
    W1, b1, W2, b2 = params
    _, H = _hidden(X, W1, b1)
    return torch.einsum("nh,hq->nq", H, W2) + b2[None, :]


def mlp_backward(X, y, params):
    X = X.detach()
    W1, b1, W2, b2 = [p.detach() for p in params]
    n = X.shape[0]
    Z, H = _hidden(X, W1, b1)
    O = torch.einsum("nh,hq->nq", H, W2) + b2
    shifted = O - O.max(dim=-1, keepdim=True)[0]
    P = shifted.exp()
    P = P / P.sum(axis=-1, keepdims=True)
    Y = torch.eye(O.shape[1], dtype=O.dtype, device=O.device)[y]
    dO = (P - Y) / n
    dW2 = torch.einsum("nh,nq->hq", H, dO)
    dH = torch.einsum("nq,hq->nh", dO, W2)
    dZ = torch.where(Z > 0, dH, torch.zeros_like(dH))
    dW1 = torch.einsum("nd,nh->dh", X, dZ)
    return [dW1, dZ.sum(axis=0), dW2, dO.sum(axis=0)]
