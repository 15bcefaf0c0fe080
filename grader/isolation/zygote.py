"""A warm parent for workers: torch imported once, each worker forked from it in milliseconds.

    python -m grader.isolation.zygote FD '{"trusted": [MODULE, ...], "watch": [PATTERN, ...]}'

Importing torch costs about 2 s; a worker forked from this process starts with torch, the wire
format, the worker loop and the course's trusted modules (``tests.functions``) already imported,
so the sandbox need not let it read the course, and the run-time tripwire over the banned
calls of ``watch`` (:mod:`grader.isolation.tripwire`), installed once for every worker. It forks only from a single-threaded state
(torch limited to one thread, no CUDA initialised: CUDA must be initialised after the fork, and
OpenMP threads do not survive one). Each request on the control socket FD carries the worker's
connected socket (SCM_RIGHTS) and a JSON ``{"op": "spawn", "path", "scratch", "sandbox",
"readable", "limits", "banned", "seed"}``; the reply is the child's pid. The child starts a new
session and confines itself (:func:`grader.isolation.sandbox.confine`), then seeds its global
RNGs with ``seed`` (they are the zygote's, the same for every child and new on every run) before
it imports the submission.
``{"op": "status", "pid"}`` answers how a child ended (its wait status), or null while it runs:
the grader is not its parent and cannot wait for it. :class:`Zygote` is the grading process's
side: it starts the zygote and asks it for workers.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from grader.errors import ZygoteError
from grader.isolation import worker
from grader.isolation.sandbox import Sandbox, bwrap_prefix, confine, readable_paths
from grader.isolation.tripwire import Tripwire
from grader.isolation.wire import send_frame

__all__ = ["TRUSTED_MODULES", "Zygote", "readable", "scratch_base", "zygote_for"]

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding `grader`
_MODULE = "grader.isolation.zygote"  # what the grading process runs: python -m _MODULE
# The course's modules whose functions tests hand to a submission (grader.testing.NamedFunction):
# imported by the zygote, the only ones a worker's reply may name.
TRUSTED_MODULES = frozenset({"tests.functions"})


_ended: dict[int, int] = {}


def _reap(signum: int, frame: object) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _ended[pid] = status


_tripwire: Tripwire | None = None


def _spawn(control: socket.socket, request: dict, fd: int) -> int:
    pid = os.fork()
    if pid:
        os.close(fd)
        return pid
    try:
        control.close()  # the submission must not reach the zygote
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):  # what the submission prints is nobody's business
            os.dup2(null, stream)
        os.setsid()
        sock = socket.socket(fileno=fd)
        try:
            confine(Sandbox(tuple(request["sandbox"])), request["readable"], request["scratch"], request["limits"])
            if request["limits"].get("gpu_memory_mb"):
                worker.limit_gpu_memory(int(request["limits"]["gpu_memory_mb"]))
        except OSError as exc:  # never run a submission in a sandbox weaker than promised
            send_frame(sock, {"ok": False, "sandbox": True,
                              "error": {"type": "OSError", "name": "OSError", "message": str(exc)}}, [])
        else:
            worker.serve(sock, request["path"], request.get("banned") or {}, _tripwire, int(request.get("seed", 0)))
    finally:
        os._exit(0)


def main(control: socket.socket, trusted: list[str], watch: list[str]) -> None:
    global _tripwire
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: ends with the grader
    torch.set_num_threads(1)
    torch.ones(2) @ torch.ones(2)  # torch reads the CPU's features now, while /proc is readable
    for name in trusted:
        importlib.import_module(name)
    if watch:
        _tripwire = Tripwire(watch)
        worker.trust_named_functions(_tripwire)
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    control.sendall(b"null\n")
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 65536, 1)
        except OSError:
            return
        if not data:
            return
        request = json.loads(data)
        if request["op"] == "spawn":
            answer = _spawn(control, request, fds[0])
        else:
            answer = _ended.pop(request["pid"], None)
        control.sendall(json.dumps(answer).encode() + b"\n")


# ------------------------------------------------------------------ in the grading process


class Zygote:
    """The grading process's handle on a zygote: starts ``python -m grader.isolation.zygote`` and
    asks it for workers.

    It gets only the environment variables Python, torch and CUDA need (no secrets, no
    DLGRADE_*); with bubblewrap it runs in a mount namespace that holds no course files but the
    trusted modules it imports before any worker is forked. What it writes to stderr goes to a
    temporary file, whose last line a :class:`~grader.errors.ZygoteError` quotes.

    Args:
        course_root: folder holding the course's trusted modules (``tests/functions.py``).
        sandbox: the layers its workers confine themselves with.
        device: ``cpu`` or ``cuda`` (CUDA needs the GPU's device files to stay visible).
        watched: the banned-call patterns its tripwire wraps, for every worker.

    Raises:
        ZygoteError: the zygote did not start.
    """

    def __init__(self, course_root: Path, sandbox: Sandbox, device: str, watched: frozenset[str]) -> None:
        self.control, child = socket.socketpair()
        env = {k: v for k, v in os.environ.items() if k in _ENVIRONMENT or k.startswith(("LC_", "CUDA_", "NVIDIA_"))}
        paths = [str(_PACKAGE_ROOT), str(course_root), *filter(None, [os.environ.get("PYTHONPATH")])]
        env.update(PYTHONPATH=os.pathsep.join(paths), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONDONTWRITEBYTECODE="1")
        trusted = [course_root / "tests" / "__init__.py", course_root / "tests" / "functions.py"]
        options = {"trusted": sorted(TRUSTED_MODULES) if trusted[1].is_file() else [], "watch": sorted(watched)}
        command = [sys.executable, "-m", _MODULE, str(child.fileno()), json.dumps(options)]
        if "bubblewrap" in sandbox.layers:
            visible = [*readable((course_root,), device), *(str(p) for p in trusted if p.is_file())]
            command = [*bwrap_prefix(visible, scratch_base(), "namespaces" in sandbox.layers), *command]
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(command, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.stderr, env=env)
        child.close()
        self.replies = self.control.makefile("r")
        if not self.replies.readline():
            raise self._ended("failed to start")

    def spawn(self, sock: socket.socket, request: dict) -> int:
        """Fork a worker that talks on ``sock`` and serves ``request`` (see above); its pid.

        Raises:
            ZygoteError: the zygote has ended (a submission may have killed it); this one is
                closed, and :func:`zygote_for` starts another.
        """
        try:
            socket.send_fds(self.control, [json.dumps(dict(request, op="spawn")).encode()], [sock.fileno()])
            reply = self.replies.readline()
        except OSError:
            reply = ""
        if not reply:
            raise self._ended("stopped answering")
        return int(reply)

    def status(self, pid: int) -> int | None:
        """The wait status of the ended worker ``pid``, waiting up to a second for it; None if it
        has not ended, or if the zygote has (and with it what it knew)."""
        for _ in range(100):
            try:
                self.control.sendall(json.dumps({"op": "status", "pid": pid}).encode())
                reply = self.replies.readline()
            except OSError:
                return None
            if not reply:
                return None
            status = json.loads(reply)
            if status is not None:
                return status
            time.sleep(0.01)
        return None

    def _ended(self, doing: str) -> ZygoteError:
        """Close this zygote, which has ended or is ending, and say why in one line."""
        try:
            code = self.proc.wait(timeout=1)
            how = f"exit status {code}" if code >= 0 else f"killed by signal {-code}"
        except subprocess.TimeoutExpired:
            how = "still running"
        self.stderr.seek(max(self.stderr.seek(0, os.SEEK_END) - 65536, 0))
        lines = self.stderr.read().decode(errors="replace").splitlines()
        last = next((line.strip() for line in reversed(lines) if line.strip()), "it wrote nothing to stderr")
        self.close()
        return ZygoteError(f"the worker zygote (python -m {_MODULE}) {doing} ({how}): {last[:300]}")

    def close(self) -> None:
        """Kill the zygote and wait for it."""
        self.replies.close()
        self.control.close()
        self.proc.kill()
        self.proc.wait()
        self.stderr.close()


_ENVIRONMENT = {"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "LD_LIBRARY_PATH", "PYTHONHOME"}
_zygotes: dict[tuple, Zygote] = {}


def zygote_for(course_root: Path, sandbox: Sandbox, device: str, watched: frozenset[str]) -> Zygote:
    """This process's zygote for these course, sandbox, device kind and tripwire, (re)started when needed."""
    key = (course_root, sandbox, device, watched)
    if key not in _zygotes or _zygotes[key].proc.poll() is not None:
        _zygotes[key] = Zygote(course_root, sandbox, device, watched)
    return _zygotes[key]


@functools.cache
def scratch_base() -> str:
    """This process's folder for its workers' scratch folders, removed at exit."""
    return tempfile.mkdtemp(prefix="dlgrade-")


@functools.cache
def readable(protected: tuple[Path, ...], device: str) -> list[str]:
    """What a worker may read (:func:`grader.isolation.sandbox.readable_paths`), once per process."""
    return readable_paths(protected, device)


@atexit.register  # in the grading process; the zygote itself has none
def _close_zygotes() -> None:
    for zygote in _zygotes.values():
        zygote.close()
    if scratch_base.cache_info().currsize:
        shutil.rmtree(scratch_base(), ignore_errors=True)


if __name__ == "__main__":
    options = json.loads(sys.argv[2])
    main(socket.socket(fileno=int(sys.argv[1])), options["trusted"], options["watch"])
