"""Canonical names: which loaded object a banned-call pattern means, and what the tripwire wraps.

A pattern (``torch.softmax``, ``torch.autograd.*``) names objects, but one object is reachable
under many dotted names (``torch.no_grad`` is ``torch.autograd.no_grad``). Each callable gets
one canonical name, its shortest public one, so that a pattern bans what a reader of the course
would expect it to ban and nothing else; the targets are the objects whose canonical name
matches, plus the private builtins that bind a banned builtin's kernel under another name.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
from collections.abc import Iterable, Iterator
from fnmatch import translate
from typing import Any

import torch

_GLOB = re.compile(r"[*?\[]")
TENSOR_CLASSES = (torch.Tensor, torch._C.TensorBase)  # their attributes are named Tensor.attr
BUILTINS = (types.BuiltinFunctionType, types.MethodDescriptorType)
_FRAME_SENSITIVE = ("torch.fx.wrap",)  # raises unless its caller's frame is a module's top level

Target = tuple[str, Any, tuple[str, ...], "set[str] | None"]  # name, object, names it records, internal


def compile_patterns(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex for ``fnmatch`` patterns; matches nothing when there are none."""
    return re.compile("|".join(f"(?:{translate(p)})" for p in sorted(patterns)) or r"(?!)")


def import_named_module(pattern: str) -> None:
    """Import the longest importable module prefix of ``pattern`` (``torch.nn.functional``)."""
    parts = pattern.split(".")
    literal = next((i for i, part in enumerate(parts) if _GLOB.search(part)), len(parts))
    if parts[0] == "Tensor":
        return
    for end in range(literal, 0, -1):
        try:
            importlib.import_module(".".join(parts[:end]))
            return
        except ImportError:  # not a module (torch.softmax), or not installed (sklearn)
            continue


def canonical_names() -> dict[int, tuple[str, Any]]:
    """``{id(obj): (canonical name, obj)}`` for every callable reachable by a dotted name."""
    best: dict[int, tuple[tuple, str, Any]] = {}

    def offer(name: str, obj: Any, exported: bool) -> None:
        try:
            home = obj.__module__
        except Exception:  # a lazy or broken object; it has no home to prefer
            home = None
        home = home if isinstance(home, str) else ""  # a class's __module__ may be a descriptor
        owner = name.rpartition(".")[0]
        inside = home == owner or home.startswith(owner + ".")  # torch.no_grad: torch.autograd.grad_mode
        # An import from elsewhere that the module's __all__ leaves out is not one of its names
        # (torch.autograd imports torch.overrides.has_torch_function).
        hidden = any(part.startswith("_") for part in name.split(".")) or not (exported or inside)
        key = (hidden, name.count("."), not inside, name)
        if id(obj) not in best or key < best[id(obj)][0]:
            best[id(obj)] = (key, name, obj)

    for module_name, namespace in module_dicts():
        exports = namespace.get("__all__")
        exports = set(exports) if isinstance(exports, (list, tuple)) else None
        for attr, obj in list(namespace.items()):
            if _is_target(obj):
                offer(f"{module_name}.{attr}", obj, exports is None or attr in exports)
    for cls in TENSOR_CLASSES:
        for attr, obj in list(vars(cls).items()):
            if not attr.startswith("__") and isinstance(obj, (types.FunctionType, types.MethodDescriptorType)):
                offer(f"Tensor.{attr}", obj, True)
    return {key: (name, obj) for key, (_, name, obj) in best.items()}


def module_dicts() -> Iterator[tuple[str, dict]]:
    """``(module name, module dict)`` for every loaded module."""
    for key, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None) if isinstance(module, types.ModuleType) else None
        if isinstance(namespace, dict):
            name = namespace.get("__name__")
            yield (name if isinstance(name, str) else key), namespace


def _is_target(obj: Any) -> bool:
    """A function, builtin or class that a wrapper can stand in for (not a module, not a type alias)."""
    return (callable(obj) and not isinstance(obj, (types.ModuleType, types.GenericAlias))
            and type(obj).__module__ not in ("typing", "typing_extensions"))


def targets(named: list[tuple[str, Any]], course: re.Pattern[str], engine: re.Pattern[str]) -> list[Target]:
    """The objects to wrap: the course's banned ones, then the engine-wide ones (functions, builtins
    and classes only, not torch._prims' OpOverloadPackets), which get the internal-caller rule.

    ``_FRAME_SENSITIVE`` functions are left alone: a wrapper's frame would stand between them and
    the caller they inspect."""
    chosen: list[Target] = [(name, obj, (name,), None) for name, obj in named
                            if course.match(name) and not _is_wrapped(obj)]
    chosen += [(name, obj, (name,), set()) for name, obj in named
               if engine.match(name) and not course.match(name) and not _is_wrapped(obj)
               and isinstance(obj, (type, types.FunctionType) + BUILTINS) and name not in _FRAME_SENSITIVE]
    return chosen


def twins(named: list[tuple[str, Any]], chosen: list[Target], banned: list[tuple[str, Any]],
          aten: dict[str, tuple[str, ...]]) -> list[Target]:
    """Targets for the builtins that bind a banned builtin's kernel under another name.

    ``chosen`` are the targets so far, ``banned`` the ``(name, builtin)`` pairs among them and
    ``aten`` the map of :func:`grader.isolation.tripwire.aten.map_aten_ops`. Each twin is recorded
    under the banned builtins' names (``torch.softmax`` before ``Tensor.softmax``); torch's own
    code may call them (``torch.sparse.softmax``), so they get the internal-caller rule.
    """
    owners: dict[str, list[str]] = {}  # a banned builtin's __name__ -> its canonical names
    for name, obj in banned:
        if not obj.__name__.startswith("_"):  # torch.autograd's private helpers have no twins
            owners.setdefault(obj.__name__, []).append(name)
    taken = {id(obj) for _, obj, _, _ in chosen}
    result: list[Target] = []
    for name, obj in named:
        if id(obj) in taken or not isinstance(obj, BUILTINS) or not name.startswith(("torch.", "Tensor.")):
            continue
        records = [r for word, names in owners.items() if word in obj.__name__ and _is_twin(obj.__name__, word)
                   for r in names]
        records += aten.get(f"aten::{obj.__name__}", ())
        if records:
            result.append((name, obj, tuple(sorted(set(records), key=record_order)), set()))
    return result


def _is_twin(twin: str, banned: str) -> bool:
    """``_softmax``, ``_safe_softmax``, ``relu_``, ``special_logsumexp``, ``native_dropout`` are
    twins of ``softmax``, ``relu``, ``logsumexp``, ``dropout``."""
    if twin in (banned + "_", "special_" + banned, "native_" + banned):
        return True
    words, inner = twin.split("_"), banned.split("_")
    return twin.startswith("_") and any(words[i:i + len(inner)] == inner for i in range(len(words)))


def record_order(name: str) -> tuple:
    """Sort key of the names one object records under: ``torch.softmax`` before ``Tensor.softmax``."""
    return name.startswith("Tensor."), name.count("."), name


def _is_wrapped(obj: Any) -> bool:
    # Own attribute only: a subclass of a wrapped class inherits the marker, not the wrapper.
    namespace = getattr(obj, "__dict__", None)
    return isinstance(namespace, (dict, types.MappingProxyType)) and "__tripwire__" in namespace
