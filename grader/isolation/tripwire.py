"""Run-time detection of banned calls: recording wrappers around every banned entry point.

The static check (:mod:`grader.banned`) reads names; it cannot see ``getattr(torch, "soft" +
"max")``, ``vars(F)["softmax"]``, ``eval(...)``, ``operator.methodcaller("softmax", 1)`` or a
torch function that calls a banned one for the student (``F.softmin`` calls ``Tensor.softmax``).
A :class:`Tripwire`, installed in the worker before the submission is imported, replaces the
banned objects themselves, so every route to them ends in a wrapper:

- Names. Every callable reachable as ``module.attr`` from ``sys.modules`` (and every attribute
  of ``torch.Tensor`` and ``torch._C.TensorBase``, named ``Tensor.attr``) gets one canonical
  name: its shortest public name, ties going to the name nearest its ``__module__``. Names with
  a ``_`` component, and imports from elsewhere that a module's ``__all__`` leaves out
  (``torch.autograd.has_torch_function``), count only where the object has no other. An object
  is banned when its canonical name matches a pattern (``fnmatch``, as in course.yml). So
  ``torch.no_grad`` is not banned by ``torch.autograd.*``, though ``torch.autograd.no_grad`` is
  the same object, and ``torch.vmap`` is not banned by ``torch.func.*`` for the same reason.
- Wrappers. Each reference to a banned object, found by identity, is replaced: in every loaded
  module's dict, in the dicts of ``torch.Tensor``, ``torch._C.TensorBase`` and
  ``torch._C._VariableFunctionsClass`` (the last two are immutable extension types: their dicts
  are written directly). A wrapper keeps ``functools.wraps`` metadata, pickles, and compiles
  under TorchScript (builtins are registered in its table; a Python function compiles from its
  original's source). A class trips on instantiation (its ``__init__`` is wrapped) and is
  otherwise the same class; classes without a Python ``__init__`` (C types such as
  ``numpy.broadcast``) and metaclasses (``torch.autograd.function.FunctionMeta``) are not
  wrapped.
- ``torch.ops.aten``. At install, each banned builtin's aten overloads are called once on small
  CPU tensors (arguments made from their schemas) under a ``TorchDispatchMode``; of the ops that
  run, those sharing the builtin's last word (``softmax`` -> ``aten::_softmax``, not dropout's
  ``aten::mul``) are recorded under the builtin's name when called through
  ``OpOverloadPacket``/``OpOverload``. Calls of those ops from C++ (inside allowed torch
  functions) are not seen, so they give no false positives; ops that a banned function reaches
  only on another device (CUDA's ``native_dropout``) or only from a Python function
  (``aten::nll_loss_forward``) are not derived.
- Recording. Only inside :meth:`Tripwire.watch`, only the outermost banned call (what a banned
  function calls is not recorded again), never inside :meth:`Tripwire.paused` or torch's tensor
  printing (``_TRUSTED``). Elsewhere a
  wrapper costs one set lookup. State is process-wide, not per thread. Installing takes about
  0.1-0.3 s once torch is imported.

Gaps: objects of modules first imported after install (scipy), references torch keeps in
containers or closures (``torch.overrides`` tables), code compiled by TorchScript (it runs the
originals), and a submission that deliberately undoes the wrappers (``gc.get_referents``).
"""

from __future__ import annotations

import ctypes
import functools
import gc
import importlib
import re
import sys
import types
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from fnmatch import translate
from typing import Any

import torch
from torch._ops import OpOverload, OpOverloadPacket
from torch.utils._python_dispatch import TorchDispatchMode

from grader.banned import LOOPS

__all__ = ["Tripwire"]

_GLOB = re.compile(r"[*?\[]")
_TENSOR_CLASSES = (torch.Tensor, torch._C.TensorBase)
_STATIC_CLASSES = (torch._C._VariableFunctionsClass,)  # holds torch.softmax & co as staticmethods
# torch's helpers that call banned functions in passing, never for the student's result: they run
# paused. Printing a tensor unpacks forward-mode tangents (torch.autograd.forward_ad.unpack_dual).
_TRUSTED = (("torch._tensor_str", "_str"),)


class _State:
    """What is watched now (names), where calls are recorded, and the depth of unrecorded code."""

    __slots__ = ("active", "found", "busy")

    def __init__(self) -> None:
        self.active: frozenset[str] = frozenset()
        self.found: list[str] = []
        self.busy = 0  # > 0 inside a recorded banned call or paused code


_STATE = _State()
_WRAPPED: set[str] = set()  # canonical names wrapped so far, by every Tripwire of this process
_ATEN: dict[str, list[str]] = {}  # "aten::_softmax" -> names of the banned builtins that run it


class Tripwire:
    """Recording wrappers around every banned entry point, installed before a submission is imported.

    Args:
        patterns: banned call patterns (course.yml's, e.g. a topic's union); ``loops`` is a
            static-only pattern and is ignored. Modules the patterns name are imported where
            importable (``torch.optim``, ``numpy.linalg``; a missing ``sklearn`` is skipped).

    Attributes:
        patterns: the installed patterns, ``loops`` left out.
        names: canonical names of the objects this tripwire wrapped, sorted.

    Installing patches torch globally and for good: do it in the worker (or a test's child
    process), never in the grader.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = frozenset(patterns) - {LOOPS}
        for pattern in sorted(self.patterns):
            _import_named_module(pattern)
        banned = _compile(self.patterns)
        targets = [(name, obj) for name, obj in _canonical_names().values()
                   if banned.match(name) and not _is_wrapped(obj)]
        wrapped = [(name, obj, wrapper) for name, obj in targets if (wrapper := _wrap(obj, name)) is not None]
        _register_for_torchscript([(obj, wrapper) for _, obj, wrapper in wrapped])
        _replace_references({id(obj): (obj, wrapper) for _, obj, wrapper in wrapped})
        self.names = tuple(sorted({name for name, _, _ in wrapped}))
        _WRAPPED.update(self.names)
        _map_aten_ops([(name, obj.__name__) for name, obj, _ in wrapped
                       if isinstance(obj, (types.BuiltinFunctionType, types.MethodDescriptorType))])
        _patch_op_calls()
        _pause_trusted()

    @contextmanager
    def watch(self, patterns: Collection[str]) -> Iterator[list[str]]:
        """While active, calls of objects matching ``patterns`` are appended to the yielded list.

        Each canonical name (``torch.softmax``, ``Tensor.backward``) is appended once, on the
        first outermost call; ``loops`` is ignored.

        Raises:
            ValueError: a pattern that was not installed (its objects are not wrapped).
        """
        patterns = frozenset(patterns) - {LOOPS}
        missing = sorted(patterns - self.patterns)
        if missing:
            raise ValueError(f"Tripwire.watch(): pattern {missing[0]!r} was not installed "
                             f"(installed: {', '.join(sorted(self.patterns))})")
        watched = _compile(patterns)
        saved = _STATE.active, _STATE.found, _STATE.busy
        found: list[str] = []
        _STATE.active = frozenset(n for n in _WRAPPED if watched.match(n))
        _STATE.found, _STATE.busy = found, 0
        try:
            yield found
        finally:
            _STATE.active, _STATE.found, _STATE.busy = saved

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Trusted code (the course's own functions passed in as arguments) runs unrecorded."""
        _STATE.busy += 1
        try:
            yield
        finally:
            _STATE.busy -= 1


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex for ``fnmatch`` patterns; matches nothing when there are none."""
    return re.compile("|".join(f"(?:{translate(p)})" for p in sorted(patterns)) or r"(?!)")


def _import_named_module(pattern: str) -> None:
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


def _canonical_names() -> dict[int, tuple[str, Any]]:
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

    for module_name, namespace in _module_dicts():
        exports = namespace.get("__all__")
        exports = set(exports) if isinstance(exports, (list, tuple)) else None
        for attr, obj in list(namespace.items()):
            if _is_target(obj):
                offer(f"{module_name}.{attr}", obj, exports is None or attr in exports)
    for cls in _TENSOR_CLASSES:
        for attr, obj in list(vars(cls).items()):
            if not attr.startswith("__") and isinstance(obj, (types.FunctionType, types.MethodDescriptorType)):
                offer(f"Tensor.{attr}", obj, True)
    return {key: (name, obj) for key, (_, name, obj) in best.items()}


def _module_dicts() -> Iterator[tuple[str, dict]]:
    for key, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None) if isinstance(module, types.ModuleType) else None
        if isinstance(namespace, dict):
            name = namespace.get("__name__")
            yield (name if isinstance(name, str) else key), namespace


def _is_target(obj: Any) -> bool:
    """A function, builtin or class that a wrapper can stand in for (not a module, not a type alias)."""
    return (callable(obj) and not isinstance(obj, (types.ModuleType, types.GenericAlias))
            and type(obj).__module__ not in ("typing", "typing_extensions"))


def _pause_trusted() -> None:
    """Make torch's ``_TRUSTED`` helpers run paused (once per process)."""
    for module, attr in _TRUSTED:
        helper = getattr(importlib.import_module(module), attr)
        if not _is_wrapped(helper):
            _replace_references({id(helper): (helper, _pausing(helper))})


def _pausing(original: Callable) -> Callable:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _STATE.busy += 1
        try:
            return original(*args, **kwargs)
        finally:
            _STATE.busy -= 1
    wrapper.__tripwire__ = "paused"
    return wrapper


def _is_wrapped(obj: Any) -> bool:
    # Own attribute only: a subclass of a wrapped class inherits the marker, not the wrapper.
    namespace = getattr(obj, "__dict__", None)
    return isinstance(namespace, (dict, types.MappingProxyType)) and "__tripwire__" in namespace


def _wrap(obj: Any, name: str) -> Any:
    """The recording stand-in for ``obj`` (None: a class with no Python ``__init__`` to wrap)."""
    if isinstance(obj, type):
        return _wrap_class(obj, name)
    wrapper = _recording(obj, name)
    if not isinstance(obj, types.FunctionType):
        # A builtin pickles by reference to where it lives; the wrapper must live somewhere too.
        module, _, attr = name.rpartition(".")
        wrapper.__module__, wrapper.__qualname__ = ("torch", name) if module == "Tensor" else (module, attr)
    wrapper.__tripwire__ = name
    return wrapper


def _recording(_tw_original: Callable, _tw_name: str) -> Callable:
    """``_tw_original`` behind a wrapper that records ``_tw_name`` when it is watched."""
    _tw_state = _STATE

    # Free variables only, no globals: TorchScript compiles a wrapped function from the original's
    # source, resolving its names in the wrapper's closure (hence the unlikely names) and globals.
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _tw_state.busy or _tw_name not in _tw_state.active:
            return _tw_original(*args, **kwargs)
        if _tw_name not in _tw_state.found:
            _tw_state.found.append(_tw_name)
        _tw_state.busy += 1
        try:
            return _tw_original(*args, **kwargs)
        finally:
            _tw_state.busy -= 1

    if isinstance(_tw_original, types.FunctionType):
        wrapper = types.FunctionType(wrapper.__code__, _tw_original.__globals__, wrapper.__name__,
                                     None, wrapper.__closure__)
    return functools.update_wrapper(wrapper, _tw_original)


def _record(name: str) -> None:
    if name not in _STATE.found:
        _STATE.found.append(name)


def _wrap_class(cls: type, name: str) -> type | None:
    """Make ``cls`` trip on instantiation; it stays the same class (isinstance, subclassing).

    Metaclasses are left alone: their instances are classes, defined whenever a module that
    subclasses ``torch.autograd.Function`` is first imported (``torch.testing`` does).
    """
    if issubclass(cls, type):
        return None
    own = cls.__dict__.get("__init__")
    inherited = next((vars(base)["__init__"] for base in cls.__mro__[1:] if "__init__" in vars(base)), None)
    if not isinstance(own or inherited, types.FunctionType):
        return None
    if own is None:
        @functools.wraps(inherited)
        def own(self: Any, *args: Any, **kwargs: Any) -> None:
            # super(), not the base found here: a subclass's MRO may put another class in between.
            super(cls, self).__init__(*args, **kwargs)
        own.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = _recording(own, name)
    cls.__tripwire__ = name
    return cls


def _replace_references(swaps: dict[int, tuple[Any, Any]]) -> None:
    """Put each wrapper wherever its original is referenced (module dicts, torch's classes).

    ``swaps`` maps ``id(original)`` to ``(original, wrapper)``; a class is its own wrapper.
    """
    for _, namespace in _module_dicts():
        for attr, obj in list(namespace.items()):
            swap = swaps.get(id(obj))
            if swap is not None and swap[0] is obj and swap[1] is not obj:
                namespace[attr] = swap[1]
    for cls in _TENSOR_CLASSES + _STATIC_CLASSES:
        for attr, obj in list(vars(cls).items()):
            inner = obj.__func__ if isinstance(obj, staticmethod) else obj
            swap = swaps.get(id(inner))
            if swap is not None and swap[0] is inner:
                _set_class_attr(cls, attr, staticmethod(swap[1]) if isinstance(obj, staticmethod) else swap[1])


def _register_for_torchscript(pairs: list[tuple[Any, Any]]) -> None:
    """TorchScript compiles ``torch.tanh`` by looking it up in a table of builtins: add the wrappers."""
    from torch.jit._builtins import _find_builtin, _register_builtin

    for original, wrapper in pairs:
        op = _find_builtin(original)  # builds the table from the originals on first use
        if op is not None and wrapper is not original:
            _register_builtin(wrapper, op)


def _set_class_attr(cls: type, attr: str, value: Any) -> None:
    try:
        setattr(cls, attr, value)
    except TypeError:
        # An immutable extension type (TensorBase): write its dict, then invalidate the type's
        # attribute cache as type.__setattr__ would.
        gc.get_referents(cls.__dict__)[0][attr] = value
        ctypes.pythonapi.PyType_Modified(ctypes.py_object(cls))


class _OpsSeen(TorchDispatchMode):
    """Collects the aten ops that reach the dispatcher's Python key."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # True wraps __torch_dispatch__ in a way that imports torch._dynamo (2 s)

    def __torch_dispatch__(self, func: OpOverload, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        self.seen.add(func._overloadpacket._qualified_op_name)
        return func(*args, **(kwargs or {}))


def _map_aten_ops(builtins: list[tuple[str, str]]) -> None:
    """Add ``(canonical name, builtin's __name__)`` pairs to ``_ATEN``, keyed by the ops they run."""
    for name, builtin_name in builtins:
        for op in _aten_ops(builtin_name):
            _ATEN.setdefault(op, []).append(name)
    for names in _ATEN.values():  # record torch.softmax rather than Tensor.softmax for aten::_softmax
        names.sort(key=lambda n: (n.startswith("Tensor."), n.count("."), n))


def _aten_ops(builtin_name: str) -> set[str]:
    """The aten ops that implement a builtin: its own and those it decomposes into on the CPU."""
    try:
        packet = getattr(torch.ops.aten, builtin_name)
    except (AttributeError, RuntimeError):  # no aten op of that name
        return set()
    ops = {packet._qualified_op_name}
    word = builtin_name.rsplit("_", 1)[-1]  # softmax -> _softmax, linalg_norm -> linalg_vector_norm
    with warnings.catch_warnings(), torch.random.fork_rng(devices=[]), torch.no_grad():
        warnings.simplefilter("ignore")  # deprecated overloads warn; the dispatch is what counts
        for overload in packet.overloads():
            op = getattr(packet, overload)
            example = _example_arguments(op._schema)
            if example is None or op._schema.is_mutable:  # out= variants: the functional one suffices
                continue
            with _OpsSeen() as mode:
                try:
                    op(*example[0], **example[1])
                except Exception:  # arguments this op rejects: it still names itself
                    continue
            ops |= {seen for seen in mode.seen if word in seen.partition("::")[2]}
    return ops


def _example_arguments(schema: torch._C.FunctionSchema) -> tuple[list, dict] | None:
    """Small valid-looking arguments for an aten schema; None where a type has no example."""
    args: list = []
    kwargs: dict = {}
    for arg in schema.arguments:
        if arg.has_default_value():
            continue
        kind = str(arg.type)
        if kind.startswith("Optional["):
            value: Any = None
        elif kind == "Tensor":
            value = torch.linspace(0.5, 1.5, 6).reshape(2, 3)
        elif kind == "List[Tensor]":
            value = [torch.linspace(0.5, 1.5, 6).reshape(2, 3) for _ in range(2)]
        elif kind in _EXAMPLES:
            value = _EXAMPLES[kind]
        else:
            return None
        (kwargs.__setitem__(arg.name, value) if arg.kwarg_only else args.append(value))
    return args, kwargs


_EXAMPLES = {"int": 1, "float": 0.5, "number": 2, "bool": False, "str": "fro", "List[int]": [1],
             "ScalarType": torch.float32}


def _patch_op_calls() -> None:
    """Record calls of the aten ops in ``_ATEN`` made through ``torch.ops`` (once per process)."""
    for cls in (OpOverloadPacket, OpOverload):
        if not hasattr(cls.__call__, "__tripwire__"):
            cls.__call__ = _recording_op(cls.__call__)


def _recording_op(original: Callable) -> Callable:
    @functools.wraps(original)
    def __call__(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        state = _STATE
        if not state.active or state.busy:
            return original(self, *args, **kwargs)
        packet = self if isinstance(self, OpOverloadPacket) else self._overloadpacket
        name = next((n for n in _ATEN.get(packet._qualified_op_name, ()) if n in state.active), None)
        if name is None:
            return original(self, *args, **kwargs)
        _record(name)
        state.busy += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            state.busy -= 1
    __call__.__tripwire__ = "torch.ops"
    return __call__
