"""Wrappers: the recording stand-ins for banned objects, and the state they share.

A wrapper looks like its original to everyone but the watch: it keeps the original's name,
docstring and signature, has no ``__wrapped__`` (a way around it), pickles, and compiles under
TorchScript. A class is made to trip on instantiation instead, so that it stays the same class.
Inside a watch a wrapper records the first of its names that is being watched, once, and only
for the outermost banned call; elsewhere it costs two attribute tests. The state lives in the
wrappers' closures and the :class:`~grader.isolation.tripwire.Tripwire`, never in a module
attribute a submission could look up.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types
from collections.abc import Callable
from typing import Any

from grader.isolation.tripwire.provenance import TorchCodes, called_by_torch

_COMPILERS = ("torch.compile", "torch.compiler.compile")  # what they return runs out of sight: wrap it
_PREPARE = frozenset({"__prepare_scriptable__"})


class State:
    """What is watched now, where calls are recorded, the depth of unrecorded code, and what the
    watch checks after each call."""

    __slots__ = ("active", "aten", "busy", "found", "homes", "recordable", "torch_codes")

    def __init__(self) -> None:
        self.active: frozenset[str] = frozenset()
        self.found: list[str] = []
        self.busy = 0  # > 0 inside a recorded banned call or paused code
        self.recordable: set[str] = set()  # every name a wrapper records
        self.aten: dict[str, tuple[str, ...]] = {}  # "aten::_softmax" -> banned names that run it
        self.homes: list[tuple[str, Any, str, Any]] = []  # (name, namespace, key, wrapper) to check
        self.torch_codes: TorchCodes = {}


def wrap(obj: Any, name: str, records: tuple[str, ...], state: State, internal: set | None) -> Any:
    """The recording stand-in for ``obj`` (None: a class with no Python ``__init__`` to wrap).

    ``internal``: None, or the names torch's own code calls ``obj`` by (filled in later), whose
    calls from torch's code are not recorded.
    """
    if isinstance(obj, type):
        return _wrap_class(obj, name, records, state, internal)
    wrapper = recording(_compiling(obj, records, state) if name in _COMPILERS else obj, records, state, internal)
    if not isinstance(obj, types.FunctionType):
        # A builtin pickles by reference to where it lives; the wrapper must live somewhere too.
        module, _, attr = name.rpartition(".")
        wrapper.__module__, wrapper.__qualname__ = ("torch", name) if module == "Tensor" else (module, attr)
    wrapper.__tripwire__ = name
    return wrapper


def _wrap_class(cls: type, name: str, records: tuple[str, ...], state: State, internal: set | None) -> type | None:
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
    cls.__init__ = recording(own, records, state, internal)
    cls.__tripwire__ = name
    return cls


def _compiling(compiler: Callable, records: tuple[str, ...], state: State) -> Callable:
    """``torch.compile`` whose compiled functions record when called: compiling at import is not
    watched, and the compiled code runs out of the wrappers' sight."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        compiled = compiler(*args, **kwargs)
        return recording(compiled, records, state) if isinstance(compiled, types.FunctionType) else compiled
    copy_metadata(wrapper, compiler)
    return wrapper


def recording(original: Callable, records: tuple[str, ...], state: State, internal: set | None = None) -> Callable:
    """``original`` behind a wrapper that records the first active name of ``records``."""
    frames_up = _frames_up_index(original)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if frames_up is not None:  # torch.jit.script resolves names in its caller's frame: not this one
            args, kwargs = _one_frame_up(args, kwargs, frames_up)
        if state.busy or not state.active:
            return original(*args, **kwargs)
        name = next((r for r in records if r in state.active), None)
        if name is None or (internal is not None and called_by_torch(sys._getframe(1), internal, state.torch_codes)):
            return original(*args, **kwargs)
        if name not in state.found:
            state.found.append(name)
        state.busy += 1
        try:
            return original(*args, **kwargs)
        finally:
            state.busy -= 1

    inner = vars(original).get("__wrapped__") if isinstance(original, types.FunctionType) else None
    copy_metadata(wrapper, original)
    if callable(inner):  # a decorated original: torch's code may unwrap it (dynamo does), and record
        wrapper.__wrapped__ = recording(inner, records, state, internal)
    if isinstance(original, types.FunctionType):
        def prepare_scriptable() -> Callable:
            # TorchScript compiles the original's source; anyone else gets the wrapper back.
            return original if called_by_torch(sys._getframe(1), _PREPARE, state.torch_codes) else wrapper
        wrapper.__prepare_scriptable__ = prepare_scriptable
    return wrapper


def pausing(original: Callable, state: State) -> Callable:
    """``original`` behind a wrapper in which nothing is recorded (torch's trusted helpers)."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state.busy += 1
        try:
            return original(*args, **kwargs)
        finally:
            state.busy -= 1
    copy_metadata(wrapper, original)
    wrapper.__tripwire__ = "paused"
    return wrapper


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


def copy_metadata(wrapper: Callable, original: Callable) -> None:
    """``functools.wraps`` without ``__wrapped__`` (a way around the wrapper), signature kept."""
    functools.update_wrapper(wrapper, original)
    del wrapper.__wrapped__
    try:
        wrapper.__signature__ = inspect.signature(original)
    except (TypeError, ValueError):  # a builtin without a text signature
        pass
