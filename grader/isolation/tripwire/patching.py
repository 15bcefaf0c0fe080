"""Patching: putting the wrappers wherever their originals are referenced, and finding them again.

Every route to a banned object must end in its wrapper, so each reference found by identity is
replaced: in every loaded module's dict and in the dicts of torch's tensor classes and of
``torch._C._VariableFunctionsClass`` (immutable extension types, whose dicts are written
directly). TorchScript finds builtins in a table of its own, so the wrappers are registered
there too. The course's wrappers' places (their homes) are checked after every watched call:
a submission that put an original back is caught, and the check must be cheap because it runs
once per call of the submission.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import sys
from collections.abc import Iterable
from operator import getitem, is_
from typing import Any

import torch

from grader.isolation.tripwire.names import TENSOR_CLASSES, module_dicts
from grader.isolation.tripwire.wrappers import State, pausing, recording

_STATIC_CLASSES = (torch._C._VariableFunctionsClass,)  # holds torch.softmax & co as staticmethods
# torch's helpers that call banned functions in passing, never for the student's result: they run
# paused. Printing a tensor unpacks forward-mode tangents (torch.autograd.forward_ad.unpack_dual).
_TRUSTED = (("torch._tensor_str", "_str"),)
# Running compiled TorchScript: (class, method, recorded name). A module's methods run as ScriptMethod.
_SCRIPT_CALLS = ((torch._C.ScriptFunction, "__call__", "torch.jit.ScriptFunction"),
                 (torch._C.ScriptMethod, "__call__", "torch.jit.ScriptModule"))

Home = tuple[str, Any, str, Any]  # (recorded name, namespace, key, wrapper)


def replace_references(swaps: dict[int, tuple[Any, Any]]) -> dict[int, set[str]]:
    """Put each wrapper wherever its original is referenced (module dicts, torch's classes).

    ``swaps`` maps ``id(original)`` to ``(original, wrapper)``; a class is its own wrapper.

    Returns:
        ``{id(original): the attribute names it was found under}``.
    """
    aliases: dict[int, set[str]] = {}
    for _, namespace in module_dicts():
        for attr, obj in list(namespace.items()):
            swap = swaps.get(id(obj))
            if swap is not None and swap[0] is obj:
                aliases.setdefault(id(obj), set()).add(attr)
                if swap[1] is not obj:
                    namespace[attr] = swap[1]
    for cls in TENSOR_CLASSES + _STATIC_CLASSES:
        for attr, obj in list(vars(cls).items()):
            inner = _unstatic(obj)
            swap = swaps.get(id(inner))
            if swap is not None and swap[0] is inner:
                aliases.setdefault(id(inner), set()).add(attr)
                _set_class_attr(cls, attr, staticmethod(swap[1]) if isinstance(obj, staticmethod) else swap[1])
    return aliases


def _set_class_attr(cls: type, attr: str, value: Any) -> None:
    try:
        setattr(cls, attr, value)
    except TypeError:
        # An immutable extension type (TensorBase): write its dict, then invalidate the type's
        # attribute cache as type.__setattr__ would.
        gc.get_referents(cls.__dict__)[0][attr] = value
        ctypes.pythonapi.PyType_Modified(ctypes.py_object(cls))


def register_for_torchscript(pairs: list[tuple[Any, Any]]) -> None:
    """TorchScript compiles ``torch.tanh`` by looking it up in a table of builtins: add the wrappers."""
    from torch.jit._builtins import _find_builtin, _register_builtin

    for original, wrapper in pairs:
        op = _find_builtin(original)  # builds the table from the originals on first use
        if op is not None and wrapper is not original:
            _register_builtin(wrapper, op)


def trusted_swaps(state: State) -> dict[int, tuple[Any, Any]]:
    """Swaps (as for :func:`replace_references`) that make torch's ``_TRUSTED`` helpers run paused."""
    helpers = [getattr(importlib.import_module(module), attr) for module, attr in _TRUSTED]
    return {id(helper): (helper, pausing(helper, state)) for helper in helpers}


def hook_script_calls(state: State) -> None:
    """Record running compiled TorchScript (``ScriptFunction``, a ``ScriptModule``'s methods)."""
    for cls, attr, name in _SCRIPT_CALLS:
        hook = recording(vars(cls)[attr], (name,), state)
        setattr(cls, attr, hook)
        state.homes.append((name, vars(cls), attr, hook))
        state.recordable.add(name)


def home(name: str, obj: Any, wrapper: Any) -> tuple[Any, str, Any] | None:
    """Where the watch finds ``obj``'s wrapper after each call: ``(namespace, key, wrapper)``."""
    if isinstance(obj, type):
        return vars(obj), "__init__", vars(obj)["__init__"]
    owner, _, attr = name.rpartition(".")
    if owner == "Tensor":
        cls = next((c for c in TENSOR_CLASSES if _unstatic(vars(c).get(attr)) is wrapper), None)
        return (vars(cls), attr, wrapper) if cls else None
    module = sys.modules.get(owner)
    return (vars(module), attr, wrapper) if module is not None and vars(module).get(attr) is wrapper else None


class Homes:
    """The homes of one watched set's wrappers, checked after each call of the submission.

    Args:
        homes: ``(recorded name, namespace, key, wrapper)`` for each wrapper to check.
    """

    def __init__(self, homes: Iterable[Home]) -> None:
        self.homes = tuple(homes)
        # Parallel tuples for a check at C speed: after every call of the submission, a loop in
        # Python over the 250 homes of a topic that bans autograd took ~60 µs, this takes ~22 µs.
        self.namespaces = tuple(namespace for _, namespace, _, _ in self.homes)
        self.keys = tuple(key for _, _, key, _ in self.homes)
        self.wrappers = tuple(wrapper for _, _, _, wrapper in self.homes)

    def intact(self) -> bool:
        """Whether every namespace holds its wrapper (or a ``staticmethod`` of it) under its key."""
        try:
            if all(map(is_, map(getitem, self.namespaces, self.keys), self.wrappers)):
                return True
        except KeyError:  # a wrapper deleted: the exact test below says so
            pass
        # Not each wrapper itself: the exact test, which accepts a staticmethod of the wrapper.
        return all(_unstatic(namespace.get(key)) is wrapper for _, namespace, key, wrapper in self.homes)


def _unstatic(obj: Any) -> Any:
    return obj.__func__ if isinstance(obj, staticmethod) else obj
