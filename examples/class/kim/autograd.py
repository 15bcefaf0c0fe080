"""A correct autograd submission: torch.autograd.grad with grad_outputs, a flat copy, forward mode."""

from __future__ import annotations

import torch
import torch.autograd.forward_ad as fwAD
from torch import Tensor


def grad(f, x: Tensor) -> Tensor:
    xc = x.detach().clone().requires_grad_()
    with torch.enable_grad():
        y = f(xc)
    if not y.requires_grad:
        return torch.zeros(x.shape, dtype=x.dtype, device=x.device)
    g = torch.autograd.grad(y, xc, grad_outputs=torch.ones_like(y), allow_unused=True)[0]
    return torch.zeros(x.shape, dtype=x.dtype, device=x.device) if g is None else g.detach()


def numerical_grad(f, x: Tensor, h: float = 1e-5) -> Tensor:
    if not (h > 0):
        raise ValueError("numerical_grad: h must be > 0 (got h=%r)" % (h,))
    flat = x.detach().reshape(-1).clone()  # logical order, whatever x's strides
    values = []
    for i in range(flat.numel()):
        keep = flat[i].item()
        flat[i] = keep + h
        plus = f(flat.view(x.shape)).sum().item()
        flat[i] = keep - h
        minus = f(flat.view(x.shape)).sum().item()
        flat[i] = keep
        values.append((plus - minus) / (2 * h))
    return torch.tensor(values, dtype=x.dtype, device=x.device).reshape(x.shape)


def jacobian(f, x: Tensor) -> Tensor:
    if len(x.shape) != 1:
        raise ValueError(f"jacobian expects x of shape (n,), got x.shape={tuple(x.shape)}")
    n = x.shape[0]
    columns = []
    with fwAD.dual_level():
        for j in range(n):
            tangent = torch.zeros_like(x)
            tangent[j] = 1
            y = f(fwAD.make_dual(x.detach(), tangent))
            primal, col = fwAD.unpack_dual(y)
            columns.append(torch.zeros_like(primal) if col is None else col.detach().clone())
    if not columns:
        m = f(x.detach()).shape[0]
        return torch.zeros(m, 0, dtype=x.dtype, device=x.device)
    return torch.stack(columns, dim=1)
