"""The worker: imports one submission module and executes the grader's calls on it.

Forked from :mod:`grader.isolation.zygote` into its sandbox. FD is a connected socket inherited
from the grader. The worker answers one frame per request: ``call`` (a public name, a handle or
a handle's attribute, with arguments), ``getattr``; while a call runs it may send ``callback``
requests for the grader's functions and wait for their results. A request whose header carries
``seed`` first seeds every global RNG a submission can reach (:func:`seed_rngs`): the grader
sends one with the first call of each test. Everything the submission returns leaves as data
(see :mod:`grader.isolation.wire`); what cannot, stays here behind a handle. Nothing here is
trusted by the grader.
"""

from __future__ import annotations

import random
import socket
import traceback
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import torch

from grader.isolation.wire import (Decoder, Encoder, WireError, recv_frame, restore_rng, rng_record,
                                   send_frame)
from grader.isolation.tripwire import Tripwire
from grader.submission import import_topic
from grader.testing import NamedFunction

try:  # torch imports NumPy where it is installed, so the zygote has it before any fork
    import numpy
except ImportError:  # optional for torch: a submission without NumPy has no NumPy RNG to seed
    numpy = None


class Worker:
    """The submission side of the pipe: the module, its objects behind handles, the socket."""

    def __init__(self, sock: socket.socket, module: Any, banned: Mapping[str, Sequence[str]],
                 tripwire: Tripwire | None) -> None:
        self.sock, self.module, self.banned, self.tripwire = sock, module, banned, tripwire
        self.objects: dict[int, Any] = {}

    def serve(self) -> None:
        while True:
            try:
                header, buffers = recv_frame(self.sock)
            except EOFError:
                return
            send_frame(self.sock, *self.handle(header, buffers))

    def handle(self, header: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
        decoder = Decoder(buffers, handle=self._local)
        args = decoder.decode(header.get("args", {"t": "list", "v": []}))
        kwargs = decoder.decode(header.get("kwargs", {"t": "dict", "v": {}}))
        if header.get("seed") is not None:  # a new test; torch's state is then the grader's, as for any call
            seed_rngs(int(header["seed"]))
        restore_rng(decoder, header.get("rng") or {})
        patterns = self.banned.get(str(header.get("function")), ())
        watch = self.tripwire.watch(patterns) if self.tripwire and patterns else nullcontext([])
        with watch as banned_calls:  # the function under test's banned calls, however reached
            try:
                target = self._target(header)
                value = target if header.get("op") == "getattr" else target(*args, **kwargs)
                reply: dict = {"ok": True}
            except BaseException as exc:  # SystemExit and KeyboardInterrupt too: the call failed
                value, reply = None, {"ok": False, "error": _describe(exc)}
        reply["banned"] = list(banned_calls)
        call_args = [args, kwargs]
        encoder = Encoder(objects=self._register, args=_paths(call_args))
        try:
            reply["value"] = encoder.encode(value)
        except WireError as exc:
            reply = {"ok": False, "error": {"type": "TypeError", "name": "TypeError", "message": str(exc)}}
        # In-place changes to the arguments (sgd_, xavier_uniform_, a generator's state) go back.
        encoder.args = {}
        reply["args_after"] = encoder.encode(call_args)
        reply["rng"] = rng_record(encoder)
        return reply, encoder.buffers

    def _target(self, header: dict) -> Any:
        obj = self.module if header.get("handle") is None else self.objects[header["handle"]]
        attr = header.get("attr")
        return obj if attr is None else getattr(obj, attr)

    def _register(self, obj: Any) -> dict:
        self.objects[id(obj)] = obj
        kind = "iterator" if hasattr(obj, "__next__") else "object"
        return {"t": "handle", "id": id(obj), "kind": kind, "type": type(obj).__name__}

    def _local(self, record: dict) -> Any:
        if record["t"] == "handle":
            return self.objects[record["id"]]
        return _Callback(self, record["id"])


class _Callback:
    """Stands in for a function of the grader's: each call is a round trip to it."""

    def __init__(self, worker: Worker, callback_id: int) -> None:
        self.worker, self.callback_id = worker, callback_id

    def __call__(self, *args: Any) -> Any:
        encoder = Encoder(objects=self.worker._register)
        request = {"op": "callback", "id": self.callback_id, "args": encoder.encode(list(args))}
        send_frame(self.worker.sock, request, encoder.buffers)
        header, buffers = recv_frame(self.worker.sock)
        if not header.get("ok"):
            raise RuntimeError(f"the grader's callback failed: {header.get('message', '')}")
        return Decoder(buffers, handle=self.worker._local).decode(header.get("value"))


def _describe(exc: BaseException) -> dict:
    builtin = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
    frames = traceback.extract_tb(exc.__traceback__)
    where = next((f"line {f.lineno}" for f in reversed(frames) if f.filename == _PATH), "")
    message = str(exc).replace(_PATH, Path(_PATH).name) if _PATH else str(exc)
    return {"type": builtin.__name__, "name": type(exc).__name__, "message": message[:2000], "where": where}


def _paths(args: Any, prefix: tuple = ()) -> dict[int, list]:
    """``{id(obj): path}`` of the arguments and what their lists, tuples and dicts hold."""
    found: dict[int, list] = {}
    items = args.items() if isinstance(args, dict) else enumerate(args) if isinstance(args, (list, tuple)) else ()
    for key, item in items:
        found.setdefault(id(item), [*prefix, key])
        for k, v in _paths(item, (*prefix, key)).items():
            found.setdefault(k, v)
    return found


_PATH = ""  # the submission's file: its frames are the student's own, the rest are ours


def seed_rngs(seed: int) -> None:
    """Seed every global RNG a submission can reach with ``seed``: Python's ``random``, NumPy's
    legacy global RNG (``numpy.random.seed``, where NumPy is installed), torch's CPU generator and
    every CUDA device's (lazily, where CUDA is not initialised yet).

    Called in a worker before it imports the submission and at the start of each test, and in a
    notebook's kernel before each test, so that a submission drawing from them (d2l's
    ``random.shuffle``) behaves the same on every run and under any ``--jobs``. ``seed`` is any
    int (NumPy gets it modulo 2**32, the range it accepts). About 60 µs on an idle core, most of it
    torch's bookkeeping of a CUDA seed to apply when CUDA initialises.
    """
    random.seed(seed)
    if numpy is not None:
        numpy.random.seed(seed % 2**32)
    # Not torch.manual_seed: it also seeds MPS, XPU and custom devices, four times the cost.
    torch.random.default_generator.manual_seed(seed)
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

