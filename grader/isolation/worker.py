"""The worker: imports one submission module and executes the grader's calls on it.

Forked from :mod:`grader.isolation.zygote` into its sandbox. FD is a connected socket inherited
from the grader. The worker answers one frame per request: ``call`` (a public name, a handle,
a handle's attribute ``attr`` or its method ``method``, with arguments), ``getattr``, and
``drain`` (the next items of an iterator behind a handle, up to its end or the first exception,
for a test that consumes it whole); while a call runs it may send ``callback`` requests for the
grader's functions and wait for their results. A request whose header carries ``seed`` first
seeds every global RNG a submission can reach (:func:`seed_rngs`): the grader sends one with the
first call of each test. Everything the submission returns leaves as data (see
:mod:`grader.isolation.wire`); what cannot, stays here behind a handle. Nothing here is trusted
by the grader.

A reply carries torch's RNG state only if the call changed it, and the call's arguments
(``args_after``) only if the call changed them (or a callback ran, so the grader's side may have
changed); otherwise the grader's copies are already what the worker's are.
"""

from __future__ import annotations

import ctypes
import json
import random
import socket
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import torch

from grader.isolation.wire import (MAX_HEADER, MAX_PAYLOAD, Decoder, Encoder, WireError, recv_frame,
                                   restore_rng, rng_record, rng_state, send_frame)
from grader.isolation.tripwire import Tripwire
from grader.submission import import_topic
from grader.testing import NamedFunction

try:  # torch imports NumPy where it is installed, so the zygote has it before any fork
    import numpy
except ImportError:  # optional for torch: a submission without NumPy has no NumPy RNG to seed
    numpy = None


_NO_ARGS, _NO_KWARGS = {"t": "list", "v": []}, {"t": "dict", "v": {}}
# A drain stops early, leaving the rest to the next, at any of these: a frame well within the
# grader's limits, and items computed ahead only as long as a call's time limit can stretch.
_DRAIN_ITEMS, _DRAIN_PAYLOAD, _DRAIN_HEADER = 4096, MAX_PAYLOAD // 8, MAX_HEADER // 4
_JSON = json.JSONEncoder(separators=(",", ":"), check_circular=False)
_CUDA_BUILT = torch.backends.cuda.is_built()


class Worker:
    """The submission side of the pipe: the module, its objects behind handles, the socket."""

    def __init__(self, sock: socket.socket, module: Any, banned: Mapping[str, Sequence[str]],
                 tripwire: Tripwire | None) -> None:
        self.sock, self.module, self.banned, self.tripwire = sock, module, banned, tripwire
        self.objects: dict[int, Any] = {}
        self.classes: dict[int, tuple[type, tuple[str, ...]]] = {}  # their methods, which the grader was told
        self.callbacks = 0  # callbacks made so far: a call that made one returns everything
        self.rng: tuple[bytes, bytes | None] | None = None  # torch's RNG state the grader has too

    def serve(self) -> None:
        while True:
            try:
                header, buffers = recv_frame(self.sock)
            except EOFError:
                return
            send_frame(self.sock, *self.handle(header, buffers))

    def handle(self, header: dict, buffers: list) -> tuple[dict, list]:
        decoder = Decoder(buffers, handle=self._local)
        args = decoder.decode(header.get("args", _NO_ARGS))
        kwargs = decoder.decode(header.get("kwargs", _NO_KWARGS))
        if header.get("seed") is not None:  # a new test; torch's state is then the grader's, as for any call
            seed_rngs(int(header["seed"]))
        if header.get("rng"):
            restore_rng(decoder, header["rng"])
        if header.get("rng") or header.get("seed") is not None or self.rng is None:
            self.rng = rng_state()
        call_args = [args, kwargs]
        received, callbacks = _Arguments(call_args), self.callbacks
        encoder = Encoder(objects=self._register, args=received.paths)
        drained: dict = {}
        patterns = self.banned.get(str(header.get("function")), ())
        watch = self.tripwire.watch(patterns) if self.tripwire and patterns else nullcontext([])
        with watch as banned_calls:  # the function under test's banned calls, however reached
            try:
                target = self._target(header)
                value = target if header.get("op") in ("getattr", "drain") else target(*args, **kwargs)
                reply: dict = {"ok": True}
            except BaseException as exc:  # SystemExit and KeyboardInterrupt too: the call failed
                value, reply = None, {"ok": False, "error": _describe(exc)}
            if header.get("op") == "drain" and reply["ok"]:
                value, drained = None, self._drain(value, encoder, float(header.get("budget", 0)))
        if banned_calls:
            reply["banned"] = list(banned_calls)
        try:
            reply["value"] = encoder.encode(value)
        except WireError as exc:
            reply = {"ok": False, "error": {"type": "TypeError", "name": "TypeError", "message": str(exc)}}
        reply.update(drained)
        # In-place changes to the arguments (sgd_, xavier_uniform_, a generator's state) go back;
        # an argument the call left alone goes back as a reference to the grader's own copy. After
        # a callback, all of them: the grader's copies may have changed meanwhile.
        unchanged = {} if self.callbacks != callbacks else received.unchanged(call_args)
        if unchanged is not None:
            encoder.args = unchanged
            reply["args_after"] = encoder.encode(call_args)
        rng = rng_state()
        if rng != self.rng or self.callbacks != callbacks:
            reply["rng"], self.rng = rng_record(encoder, rng), rng
        return reply, encoder.buffers

    def _drain(self, step: Callable[[], Any], encoder: Encoder, budget: float) -> dict:
        """The next items of an iterator (``step``: its ``__next__``) as ``{"items": [records],
        "end": ...}``: ``"raised"``, with the exception that ``__next__`` raised as ``"raised"``
        (StopIteration at the end), or ``"more"`` where the drain stopped first (after ``budget``
        seconds, or a large frame).

        Each item is encoded as it comes, so an iterator that yields one tensor it changes in
        place between items gives each item's values at its time, as one call per item would;
        an item that cannot be encoded fails as that call would (a TypeError, or the worker).
        """
        items, start, first = [], time.monotonic(), len(encoder.buffers)
        paused = self.tripwire.paused if self.tripwire else nullcontext
        header_bytes = payload = 0
        while True:
            try:
                item = step()
            except BaseException as exc:  # what the per-item call would have raised, in order
                return {"items": items, "end": "raised", "raised": _describe(exc)}
            with paused():  # the encoding is the grader's work, not the submission's
                try:
                    record = encoder.encode(item)
                except WireError as exc:
                    error = {"type": "TypeError", "name": "TypeError", "message": str(exc)}
                    return {"items": items, "end": "raised", "raised": error}
                header_bytes += len(_JSON.encode(record))
            items.append(record)
            payload += sum(len(b) for b in encoder.buffers[first:])
            first = len(encoder.buffers)
            if (len(items) >= _DRAIN_ITEMS or header_bytes > _DRAIN_HEADER or payload > _DRAIN_PAYLOAD
                    or time.monotonic() - start > budget):
                return {"items": items, "end": "more"}

    def _target(self, header: dict) -> Any:
        obj = self.module if header.get("handle") is None else self.objects[header["handle"]]
        attr = "__next__" if header.get("op") == "drain" else header.get("method") or header.get("attr")
        return obj if attr is None else getattr(obj, attr)

    def _register(self, obj: Any) -> dict:
        self.objects[id(obj)] = obj
        kind = "iterator" if hasattr(obj, "__next__") else "object"
        record = {"t": "handle", "id": id(obj), "kind": kind, "type": type(obj).__name__}
        cls = type(obj)
        if kind == "object" and id(cls) not in self.classes:
            self.classes[id(cls)] = cls, _methods(cls)
            if self.classes[id(cls)][1]:  # the grader calls these without asking for them first
                record["methods"] = list(self.classes[id(cls)][1])
        methods = self.classes[id(cls)][1] if kind == "object" else ()
        if methods:
            try:  # an instance attribute hides a method of the same name
                shadowed = [n for n in methods if n in vars(obj)]
            except Exception:  # a __dict__ of the submission's making: no method is called unasked
                shadowed = list(methods)
            record["class"] = id(cls)
            if shadowed:
                record["shadowed"] = shadowed
        return record

    def _local(self, record: dict) -> Any:
        if record["t"] == "handle":
            return self.objects[record["id"]]
        return _Callback(self, record["id"])


def _methods(cls: type) -> tuple[str, ...]:
    """The public methods of ``cls`` that ``getattr`` finds without running code of the
    submission's (plain functions of the class, no ``__getattribute__`` of its own)."""
    found: dict[str, bool] = {}
    try:
        if cls.__getattribute__ is not object.__getattribute__:
            return ()
        for klass in cls.__mro__:
            for name, attr in vars(klass).items():
                if type(name) is str and not name.startswith("_"):
                    found.setdefault(name, type(attr) is _FUNCTION)
    except Exception:  # a class of the submission's making that resists looking: none
        return ()
    return tuple(sorted(n for n, is_function in found.items() if is_function))


_FUNCTION = type(_methods)


class _Arguments:
    """A call's arguments as the worker received them, to tell which ones the call changed.

    Each top-level argument gets a fingerprint: its objects by identity (held here, so no id is
    reused meanwhile) and its tensors and generators also by contents, layout and gradient; an
    argument whose fingerprint is the same after the call encodes as it did before, i.e. as the
    grader's own copy. What arrived is plain lists, tuples, dicts, tensors and generators, so
    whatever else an argument holds after the call is new, told apart by its id alone: no
    ``__eq__``, ``__class__`` or ``__torch_function__`` of the submission's runs here.

    Attributes:
        paths: ``{id(obj): path}`` of the arguments and what their lists, tuples and dicts
            hold, so that a result that *is* one travels as a reference to it.
    """

    def __init__(self, call_args: list) -> None:
        self._objects: list = []
        self.paths: dict[int, list] = {id(call_args[0]): [0], id(call_args[1]): [1]}
        self._keys = [(0, i) for i in range(len(call_args[0]))] + [(1, k) for k in call_args[1]]
        self._before = []
        for where, key in self._keys:
            tokens: list = []
            _fingerprint(call_args[where][key], tokens, self._objects, self.paths, [where, key])
            self._before.append(tokens)

    def unchanged(self, call_args: list) -> dict[int, list] | None:
        """``{id(argument): path}`` of the top-level arguments the call left as they were, None
        if it left every one. (The call got ``*args, **kwargs``: which arguments there are
        cannot change.) A call that made an argument hold itself changed it: its encoding then
        fails, as it would."""
        after = []
        for (where, key), before in zip(self._keys, self._before):
            tokens: list = []
            try:
                _fingerprint(call_args[where][key], tokens, self._objects)
            except RecursionError:
                tokens = []
            after.append(tokens == before)
        if all(after):
            return None
        return {id(call_args[w][k]): [w, k] for (w, k), same in zip(self._keys, after) if same}


def _fingerprint(value: Any, tokens: list, objects: list, paths: dict[int, list] | None = None,
                 path: list | None = None) -> None:
    """Append ``value``'s fingerprint to ``tokens``; with ``paths``, note where its parts are,
    ``value`` being at ``path``."""
    objects.append(value)
    tokens.append(id(value))
    if paths is not None:
        paths.setdefault(id(value), path)
    cls = type(value)
    if cls is torch.Tensor:
        tokens.append((value.dtype, tuple(value.shape), value.stride(), value.storage_offset(), value.device,
                       value.requires_grad, value.is_leaf, value.is_conj(), value.is_neg(), _bytes(value)))
        if value.is_leaf:
            _fingerprint(value.grad, tokens, objects)
    elif cls is list or cls is tuple:
        tokens.append(len(value))
        for i, item in enumerate(value):
            _fingerprint(item, tokens, objects, paths, None if paths is None else [*path, i])
    elif cls is dict:
        tokens.append(len(value))
        for key, item in value.items():
            objects.append(key)
            tokens.append(id(key))
            _fingerprint(item, tokens, objects, paths, None if paths is None else [*path, key])
    elif cls is torch.Generator:
        tokens.append(_bytes(value.get_state()))


def _bytes(t: torch.Tensor) -> bytes:
    """The bytes of ``t``'s elements as laid out in memory (row-major if it is not contiguous)."""
    if not (t.is_cpu and t.is_contiguous()):
        t = t.detach().to("cpu").contiguous()
    return ctypes.string_at(t.data_ptr(), t.numel() * t.element_size())


class _Callback:
    """Stands in for a function of the grader's: each call is a round trip to it."""

    def __init__(self, worker: Worker, callback_id: int) -> None:
        self.worker, self.callback_id = worker, callback_id

    def __call__(self, *args: Any) -> Any:
        self.worker.callbacks += 1
        encoder = Encoder(objects=self.worker._register)
        request = {"op": "callback", "id": self.callback_id, "args": encoder.encode(list(args))}
        send_frame(self.worker.sock, request, encoder.buffers)
        header, buffers = recv_frame(self.worker.sock)
        if not header.get("ok"):
            raise RuntimeError(f"the grader's callback failed: {header.get('message', '')}")
        return Decoder(buffers, handle=self.worker._local).decode(header.get("value"))


def _describe(exc: BaseException) -> dict:
    builtin = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
    where, tb = "", exc.__traceback__
    while tb is not None:  # the innermost frame of the student's file; no source lines read
        if tb.tb_frame.f_code.co_filename == _PATH:
            where = f"line {tb.tb_lineno}"
        tb = tb.tb_next
    message = str(exc).replace(_PATH, Path(_PATH).name) if _PATH else str(exc)
    return {"type": builtin.__name__, "name": type(exc).__name__, "message": message[:2000], "where": where}


_PATH = ""  # the submission's file: its frames are the student's own, the rest are ours


def seed_rngs(seed: int) -> None:
    """Seed every global RNG a submission can reach with ``seed``: Python's ``random``, NumPy's
    legacy global RNG (``numpy.random.seed``, where NumPy is installed), torch's CPU generator and
    every CUDA device's (lazily, where CUDA is not initialised yet; where torch has CUDA).

    Called in a worker before it imports the submission and at the start of each test, and in a
    notebook's kernel before each test, so that a submission drawing from them (d2l's
    ``random.shuffle``) behaves the same on every run and under any ``--jobs``. ``seed`` is any
    int (NumPy gets it modulo 2**32, the range it accepts). A torch built without CUDA has no CUDA
    generator to seed: queueing a seed for it formats the caller's stack, most of the time here.
    """
    random.seed(seed)
    if numpy is not None:
        numpy.random.seed(seed % 2**32)
    # Not torch.manual_seed: it also seeds MPS, XPU and custom devices, four times the cost.
    torch.random.default_generator.manual_seed(seed)
    if _CUDA_BUILT:
        torch.cuda.manual_seed_all(seed)


def limit_gpu_memory(mb: int) -> None:
    """Cap torch's CUDA allocator in this worker at ``mb`` MiB of the current device's memory.

    Initialises CUDA (after the fork, as it must be). A larger allocation raises
    ``torch.OutOfMemoryError`` in the submission. The cap lives in this process, so a
    submission could lift it; the grader's resident-memory watch still bounds host memory.

    Raises:
        OSError: CUDA cannot be initialised here.
    """
    try:
        total = torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory
        torch.cuda.set_per_process_memory_fraction(min(1.0, mb * 2**20 / total))
    except (RuntimeError, AssertionError) as exc:
        raise OSError(f"cannot limit the GPU memory of the worker: {exc}") from None


def trust_named_functions(tripwire: Tripwire) -> None:
    """The course's trusted functions (``grad(f, x)``'s f) run unwatched: their calls are not
    the student's."""
    call = NamedFunction.__call__

    def unwatched(self: NamedFunction, *args: Any, **kwargs: Any) -> Any:
        with tripwire.paused():
            return call(self, *args, **kwargs)

    NamedFunction.__call__ = unwatched


def serve(sock: socket.socket, path: str, banned: Mapping[str, Sequence[str]] | None = None,
          tripwire: Tripwire | None = None, seed: int = 0) -> None:
    """Import the submission at ``path`` and answer the grader on ``sock`` until it hangs up.

    Args:
        banned: ``{public function: banned call patterns}``; while a call made for a function's
            tests runs, ``tripwire`` records the banned calls it makes and the reply lists them.
        seed: the global RNGs' seed while the submission is imported (:func:`seed_rngs`): what
            its module-level code draws is the same on every run, whatever the zygote's state.
    """
    global _PATH
    _PATH = path
    torch.set_num_threads(1)
    seed_rngs(seed)
    try:
        module = import_topic(Path(path))
    except BaseException as exc:
        send_frame(sock, {"ok": False, "error": _describe(exc) | {"trace": _student_trace(exc)}}, [])
        return
    public = sorted(n for n in vars(module) if not n.startswith("_"))
    send_frame(sock, {"ok": True, "public": public}, [])
    Worker(sock, module, banned or {}, tripwire).serve()


def _student_trace(exc: BaseException) -> str:
    """The traceback lines in the student's own file: what a student needs to fix an import."""
    lines = traceback.format_exception_only(type(exc), exc)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == _PATH]
    where = "".join(f"  line {f.lineno}: {f.line}\n" for f in frames[-3:])
    # The worker imports a copy in its scratch folder; the student knows the file by its name.
    return (where + "".join(lines)).replace(_PATH, Path(_PATH).name).strip()[-2000:]

