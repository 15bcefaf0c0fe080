"""The grading side of a worker: start it, call into it with limits, rebuild what comes back.

:class:`Worker` owns one process that imported one submission module; :class:`RemoteSubmission`
is the ``submission`` object the tests call. A call that hangs past its time limit or kills
its process raises :class:`CallTimeout` / :class:`WorkerCrashed` in the test, and the worker is
started afresh for the next call; within one test a function that hung or crashed fails fast
thereafter, so Hypothesis's shrinking does not wait on it again.

A call is one round trip, kept lean (issue 13): torch's RNG state and the arguments travel back
only when the call changed them; a remote iterator that ``list()`` or ``tuple()`` consumes
whole comes in one round trip (they ask for ``__length_hint__`` first, a ``for`` loop does not);
a method of a remote object is called without first fetching it.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

from grader.errors import ZygoteError
from grader.isolation.arguments import apply_changes, mutated_arguments
from grader.isolation.remote import CallTimeout, RemoteObject, RemoteSubmission, SubmissionError, WorkerCrashed
from grader.isolation.sandbox import Sandbox, detect
from grader.isolation.wire import (Decoder, Encoder, WireError, recv_frame, restore_rng, rng_record,
                                   rng_state, send_frame)
from grader.isolation.zygote import TRUSTED_MODULES, readable, scratch_base, zygote_for

__all__ = ["CallTimeout", "ImportFailure", "Limits", "RemoteSubmission", "SubmissionError", "Worker",
           "WorkerCrashed"]

# Exceptions a submission may raise that the tests may expect (pytest.raises) or report as is.
_RAISABLE = {cls.__name__: cls for cls in (
    ValueError, TypeError, IndexError, KeyError, LookupError, RuntimeError, NotImplementedError,
    StopIteration, ZeroDivisionError, ArithmeticError, OverflowError, AttributeError,
    AssertionError, MemoryError, RecursionError, UnboundLocalError, NameError, OSError)}
# A drain computes items ahead for at most this long before it answers with what it has: an
# item that takes almost a call's time limit still has it, as when fetched alone.
_DRAIN_BUDGET_S = 0.05

@dataclass(frozen=True)
class Limits:
    """Per-worker limits: wall clock per call and per import (s), address space (MiB; 0: none, as
    on CUDA), CPU time of the worker (s), size of any file it writes and of its scratch (MiB)."""

    call_timeout_s: float
    import_timeout_s: float
    memory_mb: int
    cpu_time_s: float = 600.0
    disk_mb: int = 64
    rss_mb: int = 0  # resident memory the grader watches for (0: none); on CUDA instead of memory_mb
    gpu_memory_mb: int = 0  # cap of torch's CUDA allocator in the worker (0: none)


@dataclass(frozen=True)
class ImportFailure:
    """Why a submission module could not be imported: status (grader.md) and message."""

    status: str  # "import_error", "timeout" or "crashed"
    message: str


class Worker:
    """One worker process for the submission file ``path``, restarted after a timeout or crash.

    The worker sees a read-only copy of the submission, never the file itself, and works in a
    private scratch folder; ``sandbox`` says how it is confined (:mod:`grader.isolation.sandbox`).

    Args:
        path: the submission's ``<topic>.py``.
        course_root: folder holding the course's trusted modules (``tests.functions``).
        limits: time, memory, CPU and disk limits.
        sandbox: the layers to confine the worker with (default: all this machine offers).
        device: ``cpu`` or ``cuda...``: CUDA needs the GPU's device files and driver information.
        banned: ``{public function: banned call patterns}`` the worker watches at run time while
            that function's tests call (:meth:`RemoteSubmission.begin_test`).
        watched: every pattern of the course: what the zygote's tripwire wraps, once for all
            topics (default: those of ``banned``).
        seed: the seed of every global RNG in the worker (``random``, NumPy, torch; see
            :func:`grader.isolation.worker.seed_rngs`) while it imports the submission;
            :meth:`RemoteSubmission.begin_test` sets each test's, which a (re)started worker
            imports with and the next call carries.
    """

    def __init__(self, path: Path, course_root: Path, limits: Limits, sandbox: Sandbox | None = None,
                 device: str = "cpu", banned: Mapping[str, Sequence[str]] | None = None,
                 watched: Collection[str] = (), seed: int = 0) -> None:
        self.path, self.course_root, self.limits, self.seed = path.resolve(), course_root, limits, seed
        self.banned = {f: list(p) for f, p in (banned or {}).items()}
        self.watched = frozenset(watched) | {p for patterns in self.banned.values() for p in patterns}
        self.device = "cuda" if device.startswith("cuda") else "cpu"
        self.sandbox = detect() if sandbox is None else sandbox
        self.pid: int | None = None
        self.sock: socket.socket | None = None
        self.public: list[str] = []
        self.function: str | None = None  # whose tests are calling: the worker watches its bans
        self.banned_calls: dict[str, set[str]] = {}
        self.reseed = False  # the next call carries ``seed``: a new test began, or a new process
        self._objects: dict[int, RemoteObject] = {}
        self._methods: dict[int, frozenset[str]] = {}  # by class: the methods called without a getattr
        self._rng: tuple[bytes, bytes | None] | None = None  # torch's RNG state the worker has too
        self._scratch = tempfile.TemporaryDirectory(prefix="worker-", dir=scratch_base())

    def start(self) -> ImportFailure | None:
        """Start the process and import the submission; an ImportFailure if that failed.

        Raises:
            ZygoteError: no worker process can be started (:mod:`grader.isolation.zygote`).
        """
        self.stop()
        request = {"path": self._copy_submission(), "scratch": self._scratch.name, "sandbox": self.sandbox.layers,
                   "readable": readable((self.course_root, self.path.parent.parent), self.device), "limits": asdict(self.limits),
                   "banned": self.banned, "seed": self.seed}
        parent, child = socket.socketpair()
        with child:
            try:
                self.pid = self._spawn(child, request)
            except ZygoteError:
                parent.close()
                raise
        # Restarted within a test, the worker's RNGs start the test afresh at its next call.
        self.sock, self._objects, self._methods, self._rng, self.reseed = parent, {}, {}, None, True
        try:
            header, _ = self._recv(time.monotonic() + self.limits.import_timeout_s)
        except CallTimeout:
            return ImportFailure("timeout", f"importing {self.path.name} took over {self.limits.import_timeout_s:g} s")
        except WorkerCrashed as exc:
            return ImportFailure("crashed", f"importing {self.path.name}: {exc}")
        if not header.get("ok"):
            error = header.get("error") or {}
            if header.get("sandbox"):
                return ImportFailure("crashed", f"the sandbox could not be set up: {error.get('message')}")
            return ImportFailure("import_error", str(error.get("trace") or error.get("message", "import failed")))
        self.public = [str(n) for n in header.get("public", [])]
        return None

    def _spawn(self, child: socket.socket, request: dict) -> int:
        zygote = zygote_for(self.course_root, self.sandbox, self.device, self.watched)
        try:
            return zygote.spawn(child, request)
        except ZygoteError:  # it ended (a submission may kill it): ask a fresh one, once
            return zygote_for(self.course_root, self.sandbox, self.device, self.watched).spawn(child, request)

    def _copy_submission(self) -> str:
        """Copy the submission into ``scratch/src`` (read only) and make ``scratch/work``."""
        src, work = Path(self._scratch.name, "src"), Path(self._scratch.name, "work")
        src.mkdir(exist_ok=True)
        work.mkdir(mode=0o700, exist_ok=True)
        copy = src / self.path.name
        if not copy.exists() and self.path.is_file():
            shutil.copyfile(self.path, copy)
            copy.chmod(0o444)
        return str(copy)

    def stop(self) -> None:
        """Kill the worker's whole process group (no-op if none is running)."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.pid = None

    def close(self) -> None:
        self.stop()
        self._scratch.cleanup()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, header: dict, args: list, kwargs: dict, callbacks: dict[int, Callable]) -> Any:
        """Send one call and return its rebuilt result; raise what the submission raised."""
        return self._exchange(header, args, kwargs, callbacks)[0]

    def drain(self, handle: int) -> tuple[list, BaseException | None, bool]:
        """The next items of the remote iterator ``handle``, in one round trip: ``(items,
        exception, more)``, the exception its ``__next__`` raised after them (StopIteration at
        its end) or None where ``more`` items may follow.

        Raises:
            CallTimeout, WorkerCrashed: as a call.
            AttributeError, ...: the drain could not start (the handle is no iterator).
        """
        header = {"op": "drain", "handle": handle, "budget": _DRAIN_BUDGET_S}
        items, reply = self._exchange(header, [], {}, {}, items=True)
        raised = _exception(reply["raised"]) if reply["end"] == "raised" else None
        return items, raised, reply["end"] == "more"

    def _exchange(self, header: dict, args: list, kwargs: dict, callbacks: dict[int, Callable],
                  items: bool = False) -> tuple[Any, dict]:
        """Send one request; the rebuilt result (or ``items``: the drained items) and the reply."""
        if self.pid is None and self.start() is not None:
            raise WorkerCrashed("the submission could not be imported again after a crash")
        encoder = Encoder(callbacks=lambda fn: _register_callback(callbacks, fn))
        call_args = [list(args), dict(kwargs)]
        header = dict(header)
        if args:
            header["args"] = encoder.encode(call_args[0])
        if kwargs:
            header["kwargs"] = encoder.encode(call_args[1])
        if self.function is not None:
            header["function"] = self.function
        state = rng_state()
        if self.reseed or state != self._rng:  # the worker draws from torch's state as it is here
            header["rng"] = rng_record(encoder, state)
        if self.reseed:  # on the call's own frame: a new test costs no round trip of its own
            header["seed"], self.reseed = self.seed, False
        deadline = time.monotonic() + self.limits.call_timeout_s + (_DRAIN_BUDGET_S if items else 0)
        try:
            self.sock.settimeout(self.limits.call_timeout_s)  # not what the last call had left
            send_frame(self.sock, header, encoder.buffers)
            reply, buffers = self._recv(deadline, callbacks)
            decoder = Decoder(buffers, handle=self._remote, args=call_args, functions=TRUSTED_MODULES)
            if items and reply.get("ok"):
                value = decoder.decode({"t": "list", "v": reply.get("items")})
                end = reply.get("end")
                if not (end == "more" or end == "raised" and isinstance(reply.get("raised"), dict)):
                    raise WireError("a drain without its end")
            else:
                value = decoder.decode(reply.get("value")) if reply.get("ok") else None
            mutated = []
            if "args_after" in reply:  # else the call changed no argument: the worker's copies are still ours
                after = decoder.decode(reply["args_after"])
                mutated = mutated_arguments(call_args, after)
                apply_changes(call_args, after)
            # Without a state the call drew nothing: the worker's is still ours.
            if reply.get("rng"):
                restore_rng(decoder, reply["rng"])
            self._rng = rng_state() if reply.get("rng") else state
        except (WireError, RuntimeError, KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            self.stop()
            raise WorkerCrashed(f"the submission's process sent a malformed reply ({exc})") from None
        except OSError as exc:
            self.stop()
            raise WorkerCrashed(f"the submission's process broke the connection ({exc})") from None
        self._note_banned(reply.get("banned"))
        if not reply.get("ok"):
            raise _exception(reply.get("error") or {})
        name = str(header.get("attr") or "")
        if mutated and not name.endswith("_"):  # the spec: only a name ending in _ works in place
            raise AssertionError(f"{name or 'the call'} modified its argument {mutated[0]} in place: a function "
                                 "whose name does not end in _ must leave its arguments untouched")
        return value, reply

    def _note_banned(self, names: Any) -> None:
        if self.function is not None and isinstance(names, list) and names:
            self.banned_calls.setdefault(self.function, set()).update(str(n)[:200] for n in names[:20])

    def _recv(self, deadline: float, callbacks: dict[int, Callable] | None = None) -> tuple[dict, list[bytes]]:
        """The next reply, answering the worker's callback requests on the way. The deadline
        holds whatever arrives: a worker that keeps calling back is cut like one that is silent."""
        while True:
            if time.monotonic() >= deadline:
                self._time_out()
            self._watch_until_readable(deadline)
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                header, buffers = recv_frame(self.sock)
            except (socket.timeout, TimeoutError):
                self._time_out()
            except (EOFError, ConnectionError):
                raise WorkerCrashed(self._death()) from None
            if header.get("op") != "callback" or callbacks is None:
                return header, buffers
            self._answer_callback(header, buffers, callbacks)

    def _time_out(self) -> NoReturn:
        self.stop()
        raise CallTimeout(f"no answer within {self.limits.call_timeout_s:g} s (killed)") from None

    def _watch_until_readable(self, deadline: float) -> None:
        """Where no address-space limit can apply (CUDA), kill a worker whose resident memory
        exceeds ``limits.rss_mb`` while it computes; a no-op otherwise."""
        if not self.limits.rss_mb:
            return
        while not select.select([self.sock], [], [], max(min(deadline - time.monotonic(), 0.1), 0))[0]:
            if time.monotonic() >= deadline:
                return
            if _resident_mb(self.pid) > self.limits.rss_mb:
                self.stop()
                raise WorkerCrashed(f"the submission's process used over {self.limits.rss_mb} MiB of memory (killed)")

    def _answer_callback(self, header: dict, buffers: list[bytes], callbacks: dict[int, Callable]) -> None:
        fn = callbacks[header["id"]]
        args = Decoder(buffers, handle=self._remote, functions=TRUSTED_MODULES).decode(header.get("args"))
        encoder = Encoder()
        try:
            reply = {"ok": True, "value": encoder.encode(fn(*args))}
        except Exception as exc:  # the test's own function failed: tell the submission
            encoder, reply = Encoder(), {"ok": False, "message": f"{type(exc).__name__}: {exc}"}
        send_frame(self.sock, reply, encoder.buffers)

    def _death(self) -> str:
        status = zygote_for(self.course_root, self.sandbox, self.device, self.watched).status(self.pid)
        self.stop()
        if status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
            return f"the submission's process used up its {self.limits.cpu_time_s:g} s of CPU time (killed)"
        if status is not None and os.WIFSIGNALED(status):
            return f"the submission's process was killed by {signal.Signals(os.WTERMSIG(status)).name}"
        if status is not None:
            return f"the submission's process exited (status {os.WEXITSTATUS(status)})"
        return "the submission's process closed the connection"

    def _remote(self, record: dict) -> RemoteObject:
        handle = int(record["id"])
        if handle not in self._objects:
            self._objects[handle] = RemoteObject(self, handle, str(record.get("kind")), str(record.get("type")))
        obj = self._objects[handle]
        if "class" in record:  # its methods, sent with the first object of its class
            cls = int(record["class"])
            if isinstance(record.get("methods"), list):
                self._methods[cls] = frozenset(str(m) for m in record["methods"])
            shadowed = record.get("shadowed")
            obj._methods = self._methods.get(cls, frozenset()) - set(shadowed if isinstance(shadowed, list) else ())
        return obj


def _resident_mb(pid: int | None) -> float:
    """Resident memory of process ``pid`` in MiB (0 if it is gone). A worker cannot fork, so
    its own process is all there is to count."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _register_callback(callbacks: dict[int, Callable], fn: Callable) -> dict:
    callbacks[id(fn)] = fn
    return {"t": "callback", "id": id(fn)}


def _exception(error: dict) -> BaseException:
    kind, name, message = error.get("type"), str(error.get("name", "")), str(error.get("message", ""))
    if kind in _RAISABLE and kind != "OSError":
        return _RAISABLE[kind](message)
    return SubmissionError(f"the submission raised {name}: {message}".rstrip(": "))
