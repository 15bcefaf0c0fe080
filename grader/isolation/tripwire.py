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
  are written directly). A wrapper keeps the original's name, docstring and signature but has no
  ``__wrapped__``; it pickles, and compiles under TorchScript (builtins are registered in its
  table; TorchScript alone gets a Python function's original from ``__prepare_scriptable__``).
  A class trips on instantiation (its ``__init__`` is wrapped) and is otherwise the same class;
  classes without a Python ``__init__`` (C types such as ``numpy.broadcast``) and metaclasses
  (``torch.autograd.function.FunctionMeta``) are not wrapped.
- Private twins. A banned builtin's other bindings of the same kernel are banned with it and
  recorded under its name: ``torch._softmax``, ``torch._safe_softmax`` and ``torch._masked_softmax``
  (a ``_``-prefixed builtin whose name holds the banned one's words), ``Tensor.relu_`` (its
  in-place form), ``torch.special.logsumexp`` (``special_`` + its name), and any builtin named
  after an aten op found below.
- ``torch.ops.aten``. At install, each banned builtin's aten overloads are called once on small
  CPU tensors (arguments made from their schemas) under a ``TorchDispatchMode``; of the ops that
  run, those sharing the builtin's last word (``softmax`` -> ``aten::_softmax``, not dropout's
  ``aten::mul``) are recorded under the builtin's name when called from Python: the packet's and
  each overload's raw callables (``_op``, ``_op_dk``, ``redispatch``) are wrapped, and so are the
  callables ``torch._C._jit_get_operation`` and ``torch._C._get_operation_overload`` return for
  them. Calls of those ops from C++ (inside allowed torch functions) are not seen, so they give
  no false positives; ops that a banned function reaches only on another device (CUDA's
  ``native_dropout``) or only from a Python function (``aten::nll_loss_forward``) are not derived.
- Engine-wide bans. ``ALWAYS_BANNED`` (from :mod:`grader.banned`) is installed and watched with
  every pattern set: torch's Python reimplementations of its ops (``torch._refs``, ``_decomp``,
  ``_prims``, ``_prims_common``), ``torch.fx``, and the compilers. torch's own code calls many of
  these in passing (``torch.broadcast_shapes`` calls ``torch._refs._broadcast_shapes``; forward AD
  scripts decompositions when first used), so a call of one is not recorded where the calling
  frame runs torch's own code (a code object of a loaded torch module, or a torch module being
  imported) and names the callee. Running TorchScript (``ScriptFunction``, a ``ScriptModule``'s
  methods, however compiled or loaded) is recorded, as is calling what ``torch.compile`` returned
  from outside a watch. ``torch._dynamo`` is not imported to be wrapped (2 s): only
  ``torch.compile`` guards it unless it was loaded before install.
- Recording. Only inside :meth:`Tripwire.watch`, only the outermost banned call (what a banned
  function calls is not recorded again), never inside :meth:`Tripwire.paused` or torch's tensor
  printing (``_TRUSTED``). Elsewhere a wrapper costs two attribute tests. State is process-wide,
  not per thread, and there is one tripwire per process. Installing takes about 0.4 s once torch
  is imported; a watch costs about 0.1 ms.
- Tampering. No module attribute holds the state: the wrappers' closures and the tripwire do.
  After each watched call the watch checks that it is intact (the active set and the record list
  are the ones it set, nothing is left busy, the aten map and the wrappers of the course's active
  names are in place) and records ``TAMPERING`` otherwise.

Gaps: objects of modules first imported after install (scipy, ``torch._dynamo``), references
torch keeps in containers or closures (``torch.overrides`` tables), the dispatcher's raw handles
(``OpOverload._handle``, ``torch._C._dispatch_call_boxed``), banned kernels that other public
functions reach by arithmetic (``exp(logsigmoid(x))``), and torch's higher-order functions that
call a banned helper by a name of theirs (``torch.compiler.compile`` is banned itself for this
reason). Code in the worker can reach everything the tripwire holds: the originals and the state
through wrappers' ``__closure__``, ``gc.get_referents`` or the grader's modules, and torch's own
code objects can be re-run with other globals. A submission that undoes the wrappers or the state
during a call and restores them before it returns is not detected; the static check charges every
function of a submission that names the grader's modules, and process isolation bounds the rest.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import importlib
import inspect
import re
import sys
import types
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from fnmatch import translate
from typing import Any

import torch
from torch._ops import OpOverload
from torch.utils._python_dispatch import TorchDispatchMode

from grader.banned import ALWAYS_BANNED, LOOPS

__all__ = ["ALWAYS_BANNED", "TAMPERING", "Tripwire"]

TAMPERING = "tampering with the grader"  # recorded when a watched call left the tripwire changed
_GLOB = re.compile(r"[*?\[]")
_TENSOR_CLASSES = (torch.Tensor, torch._C.TensorBase)
_STATIC_CLASSES = (torch._C._VariableFunctionsClass,)  # holds torch.softmax & co as staticmethods
_BUILTINS = (types.BuiltinFunctionType, types.MethodDescriptorType)
# torch's helpers that call banned functions in passing, never for the student's result: they run
# paused. Printing a tensor unpacks forward-mode tangents (torch.autograd.forward_ad.unpack_dual).
_TRUSTED = (("torch._tensor_str", "_str"),)
# Running compiled TorchScript: (class, method, recorded name). A module's methods run as ScriptMethod.
_SCRIPT_CALLS = ((torch._C.ScriptFunction, "__call__", "torch.jit.ScriptFunction"),
                 (torch._C.ScriptMethod, "__call__", "torch.jit.ScriptModule"))
_COMPILERS = ("torch.compile", "torch.compiler.compile")  # what they return runs out of sight: wrap it
_RAW_OPS = ("_jit_get_operation", "_get_operation_overload")  # torch._C's makers of raw op callables
_FRAME_SENSITIVE = ("torch.fx.wrap",)  # raises unless its caller's frame is a module's top level
_installed = False  # one tripwire per process: the wrappers hold its state


class _State:
    """What is watched now, where calls are recorded, the depth of unrecorded code, and what the
    watch checks after each call."""

    __slots__ = ("active", "aten", "aten_snapshot", "busy", "found", "homes", "recordable", "torch_codes")

    def __init__(self) -> None:
        self.active: frozenset[str] = frozenset()
        self.found: list[str] = []
        self.busy = 0  # > 0 inside a recorded banned call or paused code
        self.recordable: set[str] = set()  # every name a wrapper records
        self.aten: dict[str, tuple[str, ...]] = {}  # "aten::_softmax" -> banned names that run it
        self.aten_snapshot: frozenset = frozenset()
        self.homes: list[tuple[str, Any, str, Any]] = []  # (name, namespace, key, wrapper) to check
        # torch module -> its code objects, and those of its file and globals that are not its
        self.torch_codes: dict[str, tuple[set[types.CodeType], set[types.CodeType]]] = {}


class Tripwire:
    """Recording wrappers around every banned entry point, installed before a submission is imported.

    Args:
        patterns: banned call patterns (course.yml's, e.g. a topic's union); ``loops`` is a
            static-only pattern and is ignored, ``ALWAYS_BANNED`` is added. Modules the patterns
            name are imported where importable (``torch.optim``, ``numpy.linalg``; a missing
            ``sklearn`` is skipped).

    Attributes:
        patterns: the installed patterns, ``loops`` left out, ``ALWAYS_BANNED`` in.
        names: canonical names of the objects this tripwire wrapped, sorted.

    Raises:
        RuntimeError: a tripwire is already installed in this process.

    Installing patches torch globally and for good: do it in the worker (or a test's child
    process), never in the grader.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        global _installed
        if _installed:
            raise RuntimeError("Tripwire(): this process already has one; install it once, with every pattern")
        _installed = True
        given = frozenset(patterns) - {LOOPS}
        self.patterns = given | frozenset(ALWAYS_BANNED)
        for pattern in sorted(given):
            _import_named_module(pattern)
        state = self.__state = _State()
        self.__active: dict[frozenset[str], tuple[frozenset[str], list]] = {}  # patterns -> names, homes
        course = _compile(given - frozenset(ALWAYS_BANNED))
        named = list(_canonical_names().values())
        targets = _targets(named, course, _compile(ALWAYS_BANNED))
        builtins = [(name, obj) for name, obj, _, internal in targets if isinstance(obj, _BUILTINS) and internal is None]
        state.aten = _map_aten_ops(builtins)
        targets += _twins(named, targets, builtins, state.aten)
        wrapped = [(name, obj, wrapper, records) for name, obj, records, internal in targets
                   if (wrapper := _wrap(obj, name, records, state, internal)) is not None]
        _register_for_torchscript([(obj, wrapper) for _, obj, wrapper, _ in wrapped])
        swaps = {id(obj): (obj, wrapper) for _, obj, wrapper, _ in wrapped}
        aliases = _replace_references(swaps | _raw_op_makers(state) | _trusted(state))
        for name, obj, _, internal in targets:
            if internal is not None:  # the names torch's own code may call it by
                internal |= aliases.get(id(obj), set()) | {getattr(obj, "__name__", name), "__init__"}
        self.names = tuple(sorted({name for name, _, _, _ in wrapped}))
        state.recordable.update(r for _, _, _, records in wrapped for r in records)
        # Checked after each call: the course's wrappers (torch's engine-wide helpers are too many).
        state.homes += [(records[0], *home) for name, obj, wrapper, records in wrapped
                        if course.match(records[0]) and (home := _home(name, obj, wrapper)) is not None]
        state.aten_snapshot = frozenset(state.aten.items())
        _wrap_ops(state)
        _hook_script_calls(state)

    @contextmanager
    def watch(self, patterns: Collection[str]) -> Iterator[list[str]]:
        """While active, calls of objects matching ``patterns`` or ``ALWAYS_BANNED`` are appended
        to the yielded list.

        Each canonical name (``torch.softmax``, ``Tensor.backward``) is appended once, on the
        first outermost call; ``loops`` is ignored. On exit, ``TAMPERING`` is appended if the
        tripwire was left changed.

        Raises:
            ValueError: a pattern that was not installed (its objects are not wrapped).
        """
        patterns = frozenset(patterns) - {LOOPS}
        missing = sorted(patterns - self.patterns)
        if missing:
            raise ValueError(f"Tripwire.watch(): pattern {missing[0]!r} was not installed "
                             f"(installed: {', '.join(sorted(self.patterns))})")
        state = self.__state
        if patterns not in self.__active:  # matching every recordable name takes milliseconds: once
            watched = _compile(patterns | frozenset(ALWAYS_BANNED))
            active = frozenset(n for n in state.recordable if watched.match(n))
            self.__active[patterns] = active, [home for home in state.homes if home[0] in active]
        active, homes = self.__active[patterns]
        saved = state.active, state.found, state.busy
        found: list[str] = []
        state.active, state.found, state.busy = active, found, 0
        try:
            yield found
        finally:
            if not _intact(state, active, found, homes) and TAMPERING not in found:
                found.append(TAMPERING)
            state.active, state.found, state.busy = saved

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Trusted code (the course's own functions passed in as arguments) runs unrecorded."""
        state = self.__state
        state.busy += 1
        try:
            yield
        finally:
            state.busy -= 1


def _intact(state: _State, active: frozenset[str], found: list[str], homes: list) -> bool:
    """Whether a watched call left the state and the ``homes`` of the active wrappers as the watch
    set them."""
    if state.active is not active or state.found is not found or state.busy != 0:
        return False
    if frozenset(state.aten.items()) != state.aten_snapshot:
        return False
    return all(_unstatic(namespace.get(key)) is wrapper for _, namespace, key, wrapper in homes)


def _unstatic(obj: Any) -> Any:
    return obj.__func__ if isinstance(obj, staticmethod) else obj


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


_Target = tuple[str, Any, tuple[str, ...], "set[str] | None"]  # name, object, names it records, internal


def _targets(named: list[tuple[str, Any]], course: re.Pattern[str], engine: re.Pattern[str]) -> list[_Target]:
    """The objects to wrap: the course's banned ones, then the engine-wide ones (functions, builtins
    and classes only, not torch._prims' OpOverloadPackets), which get the internal-caller rule.

    ``_FRAME_SENSITIVE`` functions are left alone: a wrapper's frame would stand between them and
    the caller they inspect."""
    targets: list[_Target] = [(name, obj, (name,), None) for name, obj in named
                              if course.match(name) and not _is_wrapped(obj)]
    targets += [(name, obj, (name,), set()) for name, obj in named
                if engine.match(name) and not course.match(name) and not _is_wrapped(obj)
                and isinstance(obj, (type, types.FunctionType) + _BUILTINS) and name not in _FRAME_SENSITIVE]
    return targets


def _twins(named: list[tuple[str, Any]], targets: list[_Target], banned: list[tuple[str, Any]],
           aten: dict[str, tuple[str, ...]]) -> list[_Target]:
    """Targets for the builtins that bind a banned builtin's kernel under another name.

    Each is recorded under the banned builtins' names (``torch.softmax`` before ``Tensor.softmax``);
    torch's own code may call them (``torch.sparse.softmax``), so they get the internal-caller rule.
    """
    owners: dict[str, list[str]] = {}  # a banned builtin's __name__ -> its canonical names
    for name, obj in banned:
        if not obj.__name__.startswith("_"):  # torch.autograd's private helpers have no twins
            owners.setdefault(obj.__name__, []).append(name)
    taken = {id(obj) for _, obj, _, _ in targets}
    twins: list[_Target] = []
    for name, obj in named:
        if id(obj) in taken or not isinstance(obj, _BUILTINS) or not name.startswith(("torch.", "Tensor.")):
            continue
        records = [r for word, names in owners.items() if word in obj.__name__ and _is_twin(obj.__name__, word)
                   for r in names]
        records += aten.get(f"aten::{obj.__name__}", ())
        if records:
            twins.append((name, obj, tuple(sorted(set(records), key=_record_order)), set()))
    return twins


def _is_twin(twin: str, banned: str) -> bool:
    """``_softmax``, ``_safe_softmax``, ``relu_``, ``special_logsumexp``, ``native_dropout`` are
    twins of ``softmax``, ``relu``, ``logsumexp``, ``dropout``."""
    if twin in (banned + "_", "special_" + banned, "native_" + banned):
        return True
    words, inner = twin.split("_"), banned.split("_")
    return twin.startswith("_") and any(words[i:i + len(inner)] == inner for i in range(len(words)))


def _record_order(name: str) -> tuple:
    return name.startswith("Tensor."), name.count("."), name


def _trusted(state: _State) -> dict[int, tuple[Any, Any]]:
    """Swaps that make torch's ``_TRUSTED`` helpers run paused."""
    helpers = [getattr(importlib.import_module(module), attr) for module, attr in _TRUSTED]
    return {id(helper): (helper, _pausing(helper, state)) for helper in helpers}


def _pausing(original: Callable, state: _State) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state.busy += 1
        try:
            return original(*args, **kwargs)
        finally:
            state.busy -= 1
    _copy_metadata(wrapper, original)
    wrapper.__tripwire__ = "paused"
    return wrapper


def _is_wrapped(obj: Any) -> bool:
    # Own attribute only: a subclass of a wrapped class inherits the marker, not the wrapper.
    namespace = getattr(obj, "__dict__", None)
    return isinstance(namespace, (dict, types.MappingProxyType)) and "__tripwire__" in namespace


def _wrap(obj: Any, name: str, records: tuple[str, ...], state: _State, internal: set | None) -> Any:
    """The recording stand-in for ``obj`` (None: a class with no Python ``__init__`` to wrap).

    ``internal``: None, or the names torch's own code calls ``obj`` by (filled in later), whose
    calls from torch's code are not recorded.
    """
    if isinstance(obj, type):
        return _wrap_class(obj, name, records, state, internal)
    wrapper = _recording(_compiling(obj, records, state) if name in _COMPILERS else obj, records, state, internal)
    if not isinstance(obj, types.FunctionType):
        # A builtin pickles by reference to where it lives; the wrapper must live somewhere too.
        module, _, attr = name.rpartition(".")
        wrapper.__module__, wrapper.__qualname__ = ("torch", name) if module == "Tensor" else (module, attr)
    wrapper.__tripwire__ = name
    return wrapper


def _compiling(compiler: Callable, records: tuple[str, ...], state: _State) -> Callable:
    """``torch.compile`` whose compiled functions record when called: compiling at import is not
    watched, and the compiled code runs out of the wrappers' sight."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        compiled = compiler(*args, **kwargs)
        return _recording(compiled, records, state) if isinstance(compiled, types.FunctionType) else compiled
    _copy_metadata(wrapper, compiler)
    return wrapper


def _recording(original: Callable, records: tuple[str, ...], state: _State, internal: set | None = None) -> Callable:
    """``original`` behind a wrapper that records the first active name of ``records``."""
    frames_up = _frames_up_index(original)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if frames_up is not None:  # torch.jit.script resolves names in its caller's frame: not this one
            args, kwargs = _one_frame_up(args, kwargs, frames_up)
        if state.busy or not state.active:
            return original(*args, **kwargs)
        name = next((r for r in records if r in state.active), None)
        if name is None or (internal is not None and _called_by_torch(sys._getframe(1), internal, state)):
            return original(*args, **kwargs)
        if name not in state.found:
            state.found.append(name)
        state.busy += 1
        try:
            return original(*args, **kwargs)
        finally:
            state.busy -= 1

    inner = vars(original).get("__wrapped__") if isinstance(original, types.FunctionType) else None
    _copy_metadata(wrapper, original)
    if callable(inner):  # a decorated original: torch's code may unwrap it (dynamo does), and record
        wrapper.__wrapped__ = _recording(inner, records, state, internal)
    if isinstance(original, types.FunctionType):
        def prepare_scriptable() -> Callable:
            # TorchScript compiles the original's source; anyone else gets the wrapper back.
            return original if _called_by_torch(sys._getframe(1), _PREPARE, state) else wrapper
        wrapper.__prepare_scriptable__ = prepare_scriptable
    return wrapper


_PREPARE = frozenset({"__prepare_scriptable__"})


def _frames_up_index(original: Callable) -> int | None:
    """The position of a ``_frames_up`` parameter (how many frames up its caller is), if any."""
    if not isinstance(original, types.FunctionType):
        return None
    code = original.__code__
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    return names.index("_frames_up") if "_frames_up" in names else None


def _one_frame_up(args: tuple, kwargs: dict, index: int) -> tuple[tuple, dict]:
    if len(args) > index:
        return (*args[:index], args[index] + 1, *args[index + 1:]), kwargs
    return args, {**kwargs, "_frames_up": kwargs.get("_frames_up", 0) + 1}


def _copy_metadata(wrapper: Callable, original: Callable) -> None:
    """``functools.wraps`` without ``__wrapped__`` (a way around the wrapper), signature kept."""
    functools.update_wrapper(wrapper, original)
    del wrapper.__wrapped__
    try:
        wrapper.__signature__ = inspect.signature(original)
    except (TypeError, ValueError):  # a builtin without a text signature
        pass


def _called_by_torch(frame: types.FrameType, names: Collection[str], state: _State) -> bool:
    """Whether ``frame`` runs torch's own code and calls the callee by one of ``names``.

    Torch's code: a code object reachable from a loaded torch module whose file it comes from and
    whose dict is the frame's globals, or the module-level code of a torch module being imported.
    Code compiled elsewhere under torch's file name and globals (``exec``) is neither.
    """
    code = frame.f_code
    if not any(n in names for n in code.co_names + code.co_varnames + code.co_freevars + code.co_cellvars):
        return False  # a higher-order function (tree_map, a decorator) calling what it was given
    module_name = frame.f_globals.get("__name__")
    module = sys.modules.get(module_name) if isinstance(module_name, str) else None
    if (module is None or getattr(module, "__dict__", None) is not frame.f_globals
            or not (module_name == "torch" or module_name.startswith("torch."))
            or getattr(module, "__file__", None) != code.co_filename):
        return False
    if code.co_name == "<module>":
        return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))
    codes, strangers = state.torch_codes.setdefault(module_name, (set(), set()))
    if code not in codes and code not in strangers:  # first use, or functions the module defined since
        codes |= _code_objects(module)
        if code not in codes:
            strangers.add(code)
    return code in codes


def _code_objects(module: types.ModuleType) -> set[types.CodeType]:
    """The code objects of ``module``'s file reachable from its namespace: its functions, the
    methods of its classes, what they define inside, what decorators and wrappers hold."""
    file, codes, seen = module.__file__, set(), set()
    todo = list(vars(module).values())
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.CodeType):
            if obj.co_filename == file:
                codes.add(obj)
                todo += [c for c in obj.co_consts if isinstance(c, types.CodeType)]
        elif isinstance(obj, types.FunctionType):
            todo.append(obj.__code__)
            todo += vars(obj).values()  # __wrapped__, and this tripwire's originals...
            todo += [_cell(c) for c in obj.__closure__ or ()]
        elif isinstance(obj, type) and obj.__module__ == module.__name__:
            todo += vars(obj).values()
        elif isinstance(obj, (staticmethod, classmethod)):
            todo.append(obj.__func__)
        elif isinstance(obj, property):
            todo += [obj.fget, obj.fset, obj.fdel]
        elif isinstance(obj, (functools.partial, functools.cached_property)):
            todo.append(obj.func)
    return codes


def _cell(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def _wrap_class(cls: type, name: str, records: tuple[str, ...], state: _State, internal: set | None) -> type | None:
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
        del own.__wrapped__
    cls.__init__ = _recording(own, records, state, internal)
    cls.__tripwire__ = name
    return cls


def _home(name: str, obj: Any, wrapper: Any) -> tuple[Any, str, Any] | None:
    """Where the watch finds ``obj``'s wrapper after each call: ``(namespace, key, wrapper)``."""
    if isinstance(obj, type):
        return vars(obj), "__init__", vars(obj)["__init__"]
    owner, _, attr = name.rpartition(".")
    if owner == "Tensor":
        cls = next((c for c in _TENSOR_CLASSES if _unstatic(vars(c).get(attr)) is wrapper), None)
        return (vars(cls), attr, wrapper) if cls else None
    module = sys.modules.get(owner)
    return (vars(module), attr, wrapper) if module is not None and vars(module).get(attr) is wrapper else None


def _replace_references(swaps: dict[int, tuple[Any, Any]]) -> dict[int, set[str]]:
    """Put each wrapper wherever its original is referenced (module dicts, torch's classes).

    ``swaps`` maps ``id(original)`` to ``(original, wrapper)``; a class is its own wrapper.

    Returns:
        ``{id(original): the attribute names it was found under}``.
    """
    aliases: dict[int, set[str]] = {}
    for _, namespace in _module_dicts():
        for attr, obj in list(namespace.items()):
            swap = swaps.get(id(obj))
            if swap is not None and swap[0] is obj:
                aliases.setdefault(id(obj), set()).add(attr)
                if swap[1] is not obj:
                    namespace[attr] = swap[1]
    for cls in _TENSOR_CLASSES + _STATIC_CLASSES:
        for attr, obj in list(vars(cls).items()):
            inner = _unstatic(obj)
            swap = swaps.get(id(inner))
            if swap is not None and swap[0] is inner:
                aliases.setdefault(id(inner), set()).add(attr)
                _set_class_attr(cls, attr, staticmethod(swap[1]) if isinstance(obj, staticmethod) else swap[1])
    return aliases


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


def _map_aten_ops(builtins: list[tuple[str, Any]]) -> dict[str, tuple[str, ...]]:
    """``{aten op: canonical names of the builtins that run it}`` for ``(name, builtin)`` pairs;
    ``torch.softmax`` comes before ``Tensor.softmax`` for ``aten::_softmax``."""
    aten: dict[str, list[str]] = {}
    for name, builtin in builtins:
        for op in _aten_ops(builtin.__name__):
            aten.setdefault(op, []).append(name)
    return {op: tuple(sorted(names, key=_record_order)) for op, names in aten.items()}


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


class _RecordingOp:
    """An aten op's raw callable that records; hashes as the original (OpOverload hashes by it)."""

    def __init__(self, original: Callable, records: tuple[str, ...], state: _State) -> None:
        self._call, self._hash = _recording(original, records, state), hash(original)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def __hash__(self) -> int:
        return self._hash

    def __getattr__(self, attr: str) -> Any:  # __name__, __doc__ of the original
        if attr in ("_call", "_hash"):  # not set yet (copy, pickle): no recursion
            raise AttributeError(attr)
        return getattr(self._call, attr)


def _wrap_ops(state: _State) -> None:
    """Record calls of the mapped aten ops through ``torch.ops``: packet, overloads, their raw callables."""
    for qualified, records in state.aten.items():
        namespace, _, op_name = qualified.partition("::")
        packet = getattr(getattr(torch.ops, namespace), op_name)
        for op in [packet] + [getattr(packet, overload) for overload in packet.overloads()]:
            for attr in ("_op", "_op_dk") if isinstance(op, OpOverload) else ("_op",):
                setattr(op, attr, _RecordingOp(getattr(op, attr), records, state))
                state.homes.append((records[0], vars(op), attr, vars(op)[attr]))
            if isinstance(op, OpOverload):
                op.redispatch = _recording(op.redispatch, records, state)


def _raw_op_makers(state: _State) -> dict[int, tuple[Any, Any]]:
    """Swaps that make ``torch._C._jit_get_operation("aten::_softmax")`` and
    ``_get_operation_overload`` return recording callables for a mapped op."""
    swaps = {}
    for attr in _RAW_OPS:
        maker = getattr(torch._C, attr)

        def wrapper(qualified: str, *args: Any, _maker: Callable = maker, **kwargs: Any) -> Any:
            made = _maker(qualified, *args, **kwargs)
            records = state.aten.get(qualified)
            if records is None or made is None:
                return made
            return tuple(_RecordingOp(part, records, state) if callable(part) else part for part in made)
        _copy_metadata(wrapper, maker)
        wrapper.__tripwire__ = f"torch._C.{attr}"
        swaps[id(maker)] = (maker, wrapper)
    return swaps


def _hook_script_calls(state: _State) -> None:
    """Record running compiled TorchScript (``ScriptFunction``, a ``ScriptModule``'s methods)."""
    for cls, attr, name in _SCRIPT_CALLS:
        hook = _recording(vars(cls)[attr], (name,), state)
        setattr(cls, attr, hook)
        state.homes.append((name, vars(cls), attr, hook))
        state.recordable.add(name)
