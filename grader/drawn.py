"""Values a test drew: a fresh copy for each use, and whether one shares an object with the
strategy that drew it (:mod:`grader.replay` hands each replayed example a copy, and cannot
replay a value that is the test's own object)."""

from __future__ import annotations

import copy
import types
from typing import Any

import torch

__all__ = ["fresh_copy", "objects_in", "shares"]

# What a test could see changed through a shared reference: a copy cannot stand in for these.
_MUTABLE = (torch.Tensor, torch.Generator, list, dict, set, bytearray)
_ATOMS = (int, float, complex, str, bytes, bool, type(None), torch.dtype, torch.device, range, type,
          types.ModuleType, types.BuiltinFunctionType)
_MAX_OBJECTS = 20_000


def fresh_copy(value: Any) -> Any:
    """``copy.deepcopy(value)``, faster for what examples are made of: a plain tensor (a leaf that
    is its whole storage and the only tensor on it, with no ``.grad`` and no attributes) in
    tuples, lists and dicts is cloned directly, a fifth of ``Tensor.__deepcopy__``'s cost. A value
    holding anything else (a view, a Parameter, a Generator, two tensors on one storage) is
    deep-copied whole, so the copy is the one deepcopy makes in every case, aliases included."""
    try:
        return _copy(value, {}, set())
    except _Unusual:
        return copy.deepcopy(value)


class _Unusual(Exception):
    """A value :func:`fresh_copy` leaves to ``copy.deepcopy``."""


# Exact types deepcopy hands back as they are (a module cannot be deep-copied, so no recorded
# value holds one).
_IMMUTABLE = frozenset(_ATOMS)


def _copy(value: Any, memo: dict[int, Any], storages: set[int]) -> Any:
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if id(value) in memo:  # one object twice: one copy twice, as deepcopy's memo gives
        return memo[id(value)]
    if kind is torch.Tensor:
        copied = _copy_tensor(value, storages)
    elif kind is tuple:
        copied = tuple(_copy(item, memo, storages) for item in value)
    elif kind is list:
        copied = [_copy(item, memo, storages) for item in value]
    elif kind is dict:
        copied = {_copy(k, memo, storages): _copy(v, memo, storages) for k, v in value.items()}
    else:
        raise _Unusual
    memo[id(value)] = copied
    return copied


def _copy_tensor(tensor: torch.Tensor, storages: set[int]) -> torch.Tensor:
    if (not tensor.is_leaf or tensor.grad is not None or tensor.layout != torch.strided or tensor.is_conj()
            or tensor.is_neg() or tensor.__dict__):
        raise _Unusual
    storage = tensor.untyped_storage()
    if storage.nbytes() != tensor.numel() * tensor.element_size() or storage.data_ptr() in storages:
        raise _Unusual
    if storage.nbytes():
        storages.add(storage.data_ptr())
    return tensor.detach().clone().requires_grad_(tensor.requires_grad)


def shares(a: set[int] | None, b: set[int] | None) -> bool:
    """Whether two :func:`objects_in` sets may share an object."""
    return a is None or b is None or bool(a & b)


def objects_in(root: Any) -> set[int] | None:
    """The ids of the mutable objects (tensors, lists, dicts, ...) reachable from ``root`` through
    containers, attributes and closures: what a drawn value holds, or what a strategy could hand
    out by identity (``st.permutations(xs)``, ``st.sampled_from(xs)``, ``st.just(x)``). A drawn
    value sharing one with its strategy holds the test's own object. None past ``_MAX_OBJECTS``:
    too many to tell (:func:`shares` then answers yes, to be safe)."""
    seen: set[int] = set()
    mutable: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, _ATOMS) or id(obj) in seen:
            continue
        seen.add(id(obj))
        if len(seen) > _MAX_OBJECTS:
            return None
        if isinstance(obj, _MUTABLE):
            mutable.add(id(obj))
        if isinstance(obj, (torch.Tensor, torch.Generator)):
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, types.FunctionType):
            stack.extend(cell.cell_contents for cell in obj.__closure__ or () if _filled(cell))
            stack.extend(obj.__defaults__ or ())
            stack.extend((obj.__kwdefaults__ or {}).values())
        else:
            stack.extend(getattr(obj, "__dict__", {}).values())
            for slot in getattr(type(obj), "__slots__", ()):
                if isinstance(slot, str) and hasattr(obj, slot):
                    stack.append(getattr(obj, slot))
    return mutable


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # a closure variable not yet assigned
        return False
    return True
