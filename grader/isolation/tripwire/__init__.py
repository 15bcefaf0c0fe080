"""Run-time detection of banned calls: recording wrappers around every banned entry point.

The static check (:mod:`grader.banned`) reads names; it cannot see ``getattr(torch, "soft" +
"max")``, ``vars(F)["softmax"]``, ``eval(...)``, ``operator.methodcaller("softmax", 1)`` or a
torch function that calls a banned one for the student (``F.softmin`` calls ``Tensor.softmax``).
A :class:`Tripwire`, installed in the worker before the submission is imported, replaces the
banned objects themselves, so every route to them ends in a wrapper:

- Names (:mod:`.names`). Every callable reachable as ``module.attr`` from ``sys.modules`` (and every
  attribute of ``torch.Tensor`` and ``torch._C.TensorBase``, named ``Tensor.attr``) gets one
  canonical name: its shortest public name, ties going to the name nearest its ``__module__``. Names
  with a ``_`` component, and imports from elsewhere that a module's ``__all__`` leaves out
  (``torch.autograd.has_torch_function``), count only where the object has no other. An object is
  banned when its canonical name matches a pattern (``fnmatch``, as in course.yml). So
  ``torch.no_grad`` is not banned by ``torch.autograd.*``, though ``torch.autograd.no_grad`` is the
  same object, and ``torch.vmap`` is not banned by ``torch.func.*`` for the same reason.
- Wrappers (:mod:`.wrappers`, put in place by :mod:`.patching`). Each reference to a banned object,
  found by identity, is replaced: in every loaded module's dict, in the dicts of ``torch.Tensor``,
  ``torch._C.TensorBase`` and ``torch._C._VariableFunctionsClass`` (the last two are immutable
  extension types: their dicts are written directly). A wrapper keeps the original's name, docstring
  and signature but has no ``__wrapped__``; it pickles, and compiles under TorchScript (builtins are
  registered in its table; TorchScript alone gets a Python function's original from
  ``__prepare_scriptable__``). A class trips on instantiation (its ``__init__`` is wrapped) and is
  otherwise the same class; classes without a Python ``__init__`` (C types such as
  ``numpy.broadcast``) and metaclasses (``torch.autograd.function.FunctionMeta``) are not wrapped.
- Private twins (:mod:`.names`). A banned builtin's other bindings of the same kernel are banned
  with it and recorded under its name: ``torch._softmax``, ``torch._safe_softmax`` and
  ``torch._masked_softmax`` (a ``_``-prefixed builtin whose name holds the banned one's words),
  ``Tensor.relu_`` (its in-place form), ``torch.special.logsumexp`` (``special_`` + its name), and
  any builtin named after an aten op found below.
- ``torch.ops.aten`` (:mod:`.aten`). At install, each banned builtin's aten overloads are called
  once on small CPU tensors (arguments made from their schemas) under a ``TorchDispatchMode``; of
  the ops that run, those sharing the builtin's last word (``softmax`` -> ``aten::_softmax``, not
  dropout's ``aten::mul``) are recorded under the builtin's name when called from Python: the
  packet's and each overload's raw callables (``_op``, ``_op_dk``, ``redispatch``) are wrapped, and
  so are the callables ``torch._C._jit_get_operation`` and ``torch._C._get_operation_overload``
  return for them. Calls of those ops from C++ (inside allowed torch functions) are not seen, so
  they give no false positives; ops that a banned function reaches only on another device (CUDA's
  ``native_dropout``) or only from a Python function (``aten::nll_loss_forward``) are not derived.
- Engine-wide bans (:mod:`.provenance`). ``ALWAYS_BANNED`` (from :mod:`grader.banned`) is installed
  and watched with every pattern set: torch's Python reimplementations of its ops (``torch._refs``,
  ``_decomp``, ``_prims``, ``_prims_common``), ``torch.fx``, and the compilers. torch's own code
  calls many of these in passing (``torch.broadcast_shapes`` calls
  ``torch._refs._broadcast_shapes``; forward AD scripts decompositions when first used), so a call
  of one is not recorded where the calling frame runs torch's own code (a code object of a loaded
  torch module, or a torch module being imported) and names the callee. Running TorchScript
  (``ScriptFunction``, a ``ScriptModule``'s methods, however compiled or loaded) is recorded, as is
  calling what ``torch.compile`` returned from outside a watch. ``torch._dynamo`` is not imported to
  be wrapped (2 s): only ``torch.compile`` guards it unless it was loaded before install.
- Recording. Only inside :meth:`Tripwire.watch`, only the outermost banned call (what a banned
  function calls is not recorded again), never inside :meth:`Tripwire.paused` or torch's tensor
  printing (``_TRUSTED``). Elsewhere a wrapper costs two attribute tests. State is process-wide,
  not per thread, and there is one tripwire per process. Installing takes about 0.4 s once torch
  is imported; a watch costs 10–50 µs, most of it checking the active wrappers' places after the
  call.
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

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager

from grader.banned import ALWAYS_BANNED, LOOPS
from grader.isolation.tripwire.aten import AtenSnapshot, map_aten_ops, raw_op_makers, without_other_functions, wrap_ops
from grader.isolation.tripwire.names import (BUILTINS, canonical_names, compile_patterns, import_named_module,
                                             targets, twins)
from grader.isolation.tripwire.patching import (Homes, hook_script_calls, home, register_for_torchscript,
                                                replace_references, trusted_swaps)
from grader.isolation.tripwire.wrappers import State, wrap

__all__ = ["ALWAYS_BANNED", "TAMPERING", "Tripwire"]

TAMPERING = "tampering with the grader"  # recorded when a watched call left the tripwire changed
_installed = False  # one tripwire per process: the wrappers hold its state


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
            import_named_module(pattern)
        state = self.__state = State()
        self.__active: dict[frozenset[str], tuple[frozenset[str], Homes]] = {}  # patterns -> names, homes
        course = compile_patterns(given - frozenset(ALWAYS_BANNED))
        named = list(canonical_names().values())
        chosen = targets(named, course, compile_patterns(ALWAYS_BANNED))
        builtins = [(name, obj) for name, obj, _, internal in chosen if isinstance(obj, BUILTINS) and internal is None]
        state.aten = without_other_functions(map_aten_ops(builtins), named, builtins)
        chosen += twins(named, chosen, builtins, state.aten)
        wrapped = [(name, obj, wrapper, records) for name, obj, records, internal in chosen
                   if (wrapper := wrap(obj, name, records, state, internal)) is not None]
        register_for_torchscript([(obj, wrapper) for _, obj, wrapper, _ in wrapped])
        swaps = {id(obj): (obj, wrapper) for _, obj, wrapper, _ in wrapped}
        aliases = replace_references(swaps | raw_op_makers(state) | trusted_swaps(state))
        for name, obj, _, internal in chosen:
            if internal is not None:  # the names torch's own code may call it by
                internal |= aliases.get(id(obj), set()) | {getattr(obj, "__name__", name), "__init__"}
        self.names = tuple(sorted({name for name, _, _, _ in wrapped}))
        state.recordable.update(r for _, _, _, records in wrapped for r in records)
        # Checked after each call: the course's wrappers (torch's engine-wide helpers are too many).
        state.homes += [(records[0], *place) for name, obj, wrapper, records in wrapped
                        if course.match(records[0]) and (place := home(name, obj, wrapper)) is not None]
        self.__aten = AtenSnapshot(state.aten)
        wrap_ops(state)
        hook_script_calls(state)

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
            watched = compile_patterns(patterns | frozenset(ALWAYS_BANNED))
            active = frozenset(n for n in state.recordable if watched.match(n))
            self.__active[patterns] = active, Homes(entry for entry in state.homes if entry[0] in active)
        active, homes = self.__active[patterns]
        saved = state.active, state.found, state.busy
        found: list[str] = []
        state.active, state.found, state.busy = active, found, 0
        try:
            yield found
        finally:
            if not _intact(state, active, found, self.__aten, homes) and TAMPERING not in found:
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


def _intact(state: State, active: frozenset[str], found: list[str], aten: AtenSnapshot, homes: Homes) -> bool:
    """Whether a watched call left the state, its ``aten`` map and the ``homes`` of the active
    wrappers as the watch set them."""
    if state.active is not active or state.found is not found or state.busy != 0:
        return False
    return aten.matches(state.aten) and homes.intact()
