"""Automatic differentiation written the way PyTorch's own autograd helpers are.

Sources: pytorch/pytorch, as shipped in torch 2.13.0 (the course's pinned version):
- torch/autograd/functional.py: ``_autograd_grad`` (kept as is, but for its asserts) and the
  reverse-mode loop of ``jacobian`` (one ``_autograd_grad`` per output element, zeros for an
  input the output does not depend on), for one input and one output;
- torch/autograd/gradcheck.py: ``_compute_numerical_gradient`` (perturb an entry in place by
  -v and +v, central difference, restore) and the dense index loop of ``_iter_tensor``
  (``product(*[range(m) for m in x_tensor.size()])``), for a dense tensor and a scalar F = f(x).sum().
Licence: BSD-3-Clause. Copyright (c) 2016- Facebook, Inc (Adam Paszke) and the PyTorch
contributors (see the LICENSE file of pytorch/pytorch).
Adapted: the contract's signatures grad(f, x) / numerical_grad(f, x, h) / jacobian(f, x);
the sparse branches and the ``strict``/``create_graph`` options dropped; the caller's x is
never touched (a detached copy is differentiated or perturbed, as gradcheck perturbs
``x.data``); the contract's ValueErrors (h <= 0 or NaN, x not 1-D) added in PyTorch's
wording style. No call to the banned torch.autograd.functional / gradcheck themselves.
"""

from __future__ import annotations

from itertools import product

import torch
from torch import Tensor


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    # Version of autograd.grad that accepts `None` in outputs and do not compute gradients for them.
    # This has the extra constraint that inputs has to be a tuple
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)

    new_outputs: tuple[torch.Tensor, ...] = ()
    new_grad_outputs: tuple[torch.Tensor, ...] = ()
    for out, grad_out in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            new_outputs += (out,)
            new_grad_outputs += (grad_out,)

    if len(new_outputs) == 0:
        # No differentiable output, we don't need to call the autograd engine
        return (None,) * len(inputs)
    else:
        return torch.autograd.grad(
            new_outputs,
            inputs,
            new_grad_outputs,
            allow_unused=True,
            create_graph=create_graph,
            retain_graph=retain_graph,
        )


def grad(f, x: Tensor) -> Tensor:
    inp = x.detach().requires_grad_(True)
    with torch.enable_grad():
        out = f(inp).sum()
    (vj,) = _autograd_grad((out,), (inp,))
    return torch.zeros_like(x) if vj is None else vj.detach()


def _compute_numerical_gradient(fn, entry, v, norm_v):
    # Computes numerical directional derivative as finite difference
    # of function `fn` at input `entry`, perturbed by vector `v`.
    orig = entry.clone()
    entry.copy_(orig - v)
    outa = fn()
    entry.copy_(orig + v)
    outb = fn()
    entry.copy_(orig)
    return (outb - outa) / (2 * norm_v)  # use central difference approx


def numerical_grad(f, x: Tensor, h: float = 1e-5) -> Tensor:
    if not h > 0:
        raise ValueError(f"Expected eps (h) to be a positive number, but got {h}")
    x_tensor = x.detach().clone()  # the copy is perturbed in place, never x
    grad_out = torch.zeros_like(x_tensor)
    for x_idx in product(*[range(m) for m in x_tensor.size()]):
        entry = x_tensor[x_idx]
        v = torch.full_like(entry, h)
        # fn reads x_tensor, of which `entry` is a view: perturbing one perturbs the other
        grad_out[x_idx] = _compute_numerical_gradient(
            lambda: f(x_tensor).sum(), entry, v, h)
    return grad_out


def jacobian(f, x: Tensor) -> Tensor:
    if x.dim() != 1:
        raise ValueError(f"Expected x to be a 1-D tensor, but got a tensor with {x.dim()} dimensions")
    inputs = (x.detach().requires_grad_(True),)
    with torch.enable_grad():
        out = f(inputs[0])
    jac_i: list[Tensor] = []
    for j in range(out.nelement()):
        vj = _autograd_grad((out.reshape(-1)[j],), inputs, retain_graph=True)
        if vj[0] is not None:
            jac_i.append(vj[0])
        else:
            jac_i.append(torch.zeros_like(inputs[0]))
    if not jac_i:
        return torch.zeros(out.size() + inputs[0].size(), dtype=x.dtype, device=x.device)
    return torch.stack(jac_i, dim=0).view(out.size() + inputs[0].size()).detach()
