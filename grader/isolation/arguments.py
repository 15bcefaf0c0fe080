"""In-place changes to a call's arguments: found, and copied back to the caller's objects.

A worker gets copies of a call's arguments. The spec lets only a function whose name ends in
``_`` (``sgd_``, ``xavier_uniform_``) change them; :func:`mutated_arguments` names the ones a
call changed, so the grader can fail any other function that did, and :func:`apply_changes`
makes the caller's tensors, gradients and generators show what the call did to the copies
(d2l 2.1, "Saving Memory").
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["apply_changes", "mutated_arguments"]


def mutated_arguments(call_args: list, after: Any) -> list[str]:
    """The arguments whose tensors' values a call changed: ``["no. 1", "'X'"]`` (positional ones
    by number, keyword ones by name), ``[]`` if none.

    Args:
        call_args: ``[args, kwargs]`` before the call; tensors of any shape, dtype and device.
        after: the same structure after it (a worker's copies as it sent them back); anything
            else, as a forged reply may send, counts as no change. A tensor changed if its
            shape, dtype, device or any value differs (NaN equals NaN).
    """
    if not (isinstance(after, list) and len(after) == 2 and isinstance(after[1], dict)):
        return []
    positional = [f"no. {i + 1}" for i, (o, a) in enumerate(zip(call_args[0], after[0])) if _mutated(o, a)]
    return positional + [repr(k) for k in sorted(call_args[1].keys() & after[1].keys())
                         if _mutated(call_args[1][k], after[1][k])]


def _mutated(original: Any, after: Any) -> bool:
    if original is after:  # a worker sends an argument it left alone as a reference to ours
        return False
    if isinstance(original, torch.Tensor) and isinstance(after, torch.Tensor):
        return not _same_values(original.detach(), after.detach())
    if isinstance(original, (list, tuple)) and isinstance(after, (list, tuple)):
        return any(_mutated(o, a) for o, a in zip(original, after))
    if isinstance(original, dict) and isinstance(after, dict):
        return any(_mutated(original[k], after[k]) for k in original.keys() & after.keys())
    return False


def _same_values(a: torch.Tensor, b: torch.Tensor) -> bool:
    if (a.shape, a.dtype, a.device) != (b.shape, b.dtype, b.device):
        return False
    if a.is_floating_point() or a.is_complex():
        return bool(((a == b) | (a.isnan() & b.isnan())).all())
    return torch.equal(a, b)


def apply_changes(original: Any, after: Any) -> None:
    """Make ``original`` (a call's ``[args, kwargs]``) show what the call did to its copies,
    ``after``: tensors' values, ``requires_grad`` and ``.grad``, generators' states, through
    lists, tuples and dicts. Parts that do not correspond are left alone, and so are parts that
    are the same object (an argument the call left alone, sent back as a reference to ours)."""
    if original is after:
        return
    if isinstance(original, torch.Tensor) and isinstance(after, torch.Tensor):
        _apply_tensor(original, after)
    elif isinstance(original, torch.Generator) and isinstance(after, torch.Generator):
        original.set_state(after.get_state())
    elif isinstance(original, (list, tuple)) and isinstance(after, (list, tuple)):
        for o, a in zip(original, after):
            apply_changes(o, a)
    elif isinstance(original, dict) and isinstance(after, dict):
        for key in original.keys() & after.keys():
            apply_changes(original[key], after[key])


def _apply_tensor(original: torch.Tensor, after: torch.Tensor) -> None:
    if (original.shape, original.dtype, original.device) != (after.shape, after.dtype, after.device):
        original.data = after.detach()
    elif not torch.equal(original.detach(), after.detach()):
        with torch.no_grad():
            original.copy_(after)
    if original.is_leaf:
        if original.requires_grad != after.requires_grad:
            original.requires_grad_(after.requires_grad)
        if after.grad is None:
            original.grad = None
        elif original.grad is None or not torch.equal(original.grad, after.grad):
            original.grad = after.grad
