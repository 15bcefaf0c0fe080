"""aten ops: the dispatcher's entry points behind a banned builtin, recorded under its name.

``torch.ops.aten._softmax`` and ``torch._C._jit_get_operation("aten::_softmax")`` reach
softmax's kernel without any Python function the wrappers replace. At install, each banned
builtin's aten overloads are called once on small CPU tensors (arguments made from their
schemas) under a ``TorchDispatchMode``; of the ops that run, those sharing the builtin's last
word (``softmax`` -> ``aten::_softmax``, not dropout's ``aten::mul``) form the aten map, and
their raw callables are wrapped to record under the builtin's name when called from Python.
Calls of those ops from C++ (inside allowed torch functions) are not seen, so they give no
false positives.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from operator import is_
from typing import Any

import torch
from torch._ops import OpOverload
from torch.utils._python_dispatch import TorchDispatchMode

from grader.isolation.tripwire.names import record_order
from grader.isolation.tripwire.wrappers import State, copy_metadata, recording

_RAW_OPS = ("_jit_get_operation", "_get_operation_overload")  # torch._C's makers of raw op callables
_EXAMPLES = {"int": 1, "float": 0.5, "number": 2, "bool": False, "str": "fro", "List[int]": [1],
             "ScalarType": torch.float32}


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


def map_aten_ops(builtins: list[tuple[str, Any]]) -> dict[str, tuple[str, ...]]:
    """``{aten op: canonical names of the builtins that run it}`` for ``(name, builtin)`` pairs;
    ``torch.softmax`` comes before ``Tensor.softmax`` for ``aten::_softmax``."""
    aten: dict[str, list[str]] = {}
    for name, builtin in builtins:
        for op in _aten_ops(builtin.__name__):
            aten.setdefault(op, []).append(name)
    return {op: tuple(sorted(names, key=record_order)) for op, names in aten.items()}


def without_other_functions(aten: dict[str, tuple[str, ...]], named: list[tuple[str, Any]],
                            banned: list[tuple[str, Any]]) -> dict[str, tuple[str, ...]]:
    """``aten`` less what an op records under a banned builtin of another name where a public torch
    function of the op's own name exists: ``torch.special.log1p`` runs ``aten::log1p``, and so does
    ``torch.log1p``, a function of its own that the course bans only where a pattern names it. The
    banned builtin's other form (``Tensor.dist`` of ``torch.dist``, one ``__name__``) stays banned.
    """
    bare = {name: builtin.__name__ for name, builtin in banned}
    public = {obj.__name__ for name, obj in named
              if name.startswith(("torch.", "Tensor.")) and not any(part.startswith("_") for part in name.split("."))
              and not getattr(obj, "__name__", "_").startswith("_")}
    kept = {}
    for op, names in aten.items():
        own = op.partition("::")[2]
        names = tuple(name for name in names if own not in public or bare.get(name) == own)
        if names:
            kept[op] = names
    return kept


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


class _RecordingOp:
    """An aten op's raw callable that records; hashes as the original (OpOverload hashes by it)."""

    def __init__(self, original: Callable, records: tuple[str, ...], state: State) -> None:
        self._call, self._hash = recording(original, records, state), hash(original)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def __hash__(self) -> int:
        return self._hash

    def __getattr__(self, attr: str) -> Any:  # __name__, __doc__ of the original
        if attr in ("_call", "_hash"):  # not set yet (copy, pickle): no recursion
            raise AttributeError(attr)
        return getattr(self._call, attr)


def wrap_ops(state: State) -> None:
    """Record calls of the mapped aten ops through ``torch.ops``: packet, overloads, their raw callables."""
    for qualified, records in state.aten.items():
        namespace, _, op_name = qualified.partition("::")
        packet = getattr(getattr(torch.ops, namespace), op_name)
        for op in [packet] + [getattr(packet, overload) for overload in packet.overloads()]:
            for attr in ("_op", "_op_dk") if isinstance(op, OpOverload) else ("_op",):
                setattr(op, attr, _RecordingOp(getattr(op, attr), records, state))
                state.homes.append((records[0], vars(op), attr, vars(op)[attr]))
            if isinstance(op, OpOverload):
                op.redispatch = recording(op.redispatch, records, state)


def raw_op_makers(state: State) -> dict[int, tuple[Any, Any]]:
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
        copy_metadata(wrapper, maker)
        wrapper.__tripwire__ = f"torch._C.{attr}"
        swaps[id(maker)] = (maker, wrapper)
    return swaps


class AtenSnapshot:
    """The aten map as installed, which the watch compares ``State.aten`` with after each call.

    Args:
        aten: the map of :func:`map_aten_ops`, as the state holds it.
    """

    def __init__(self, aten: dict[str, tuple[str, ...]]) -> None:
        self.mapping, self.keys, self.values = aten, tuple(aten), tuple(aten.values())
        self.items = frozenset(aten.items())

    def matches(self, aten: Any) -> bool:
        """Whether ``aten`` holds the installed entries and no other."""
        # The installed dict holding the installed objects, at C speed (~1.4 µs after every call of
        # the submission; a frozenset of the map's items built each time took ~4 µs).
        if (aten is self.mapping and len(aten) == len(self.keys)
                and all(map(is_, map(aten.get, self.keys), self.values))):
            return True
        return frozenset(aten.items()) == self.items  # a new map, or equal objects put in
