"""A warm parent for workers: torch imported once, each worker forked from it in milliseconds.

    python -m grader.isolation.zygote FD '{"trusted": [MODULE, ...], "watch": [PATTERN, ...]}'

Importing torch costs about 2 s; a worker forked from this process starts with torch, the wire
format, the worker loop and the course's trusted modules (``tests.functions``) already imported,
so the sandbox need not let it read the course, and the run-time tripwire over the banned
calls of ``watch`` (:mod:`grader.isolation.tripwire`), installed once for every worker. It forks only from a single-threaded state
(torch limited to one thread, no CUDA initialised: CUDA must be initialised after the fork, and
OpenMP threads do not survive one). Each request on the control socket FD carries the worker's
connected socket (SCM_RIGHTS) and a JSON ``{"op": "spawn", "path", "scratch", "sandbox",
"readable", "limits"}``; the reply is the child's pid. The child starts a new session and
confines itself (:func:`grader.isolation.sandbox.confine`) before it imports the submission.
``{"op": "status", "pid"}`` answers how a child ended (its wait status), or null while it runs:
the grader is not its parent and cannot wait for it.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import signal
import socket
import sys

import torch

from grader.isolation import worker
from grader.isolation.sandbox import Sandbox, confine
from grader.isolation.tripwire import Tripwire
from grader.isolation.wire import send_frame


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
            worker.serve(sock, request["path"], request.get("banned") or {}, _tripwire)
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


if __name__ == "__main__":
    options = json.loads(sys.argv[2])
    main(socket.socket(fileno=int(sys.argv[1])), options["trusted"], options["watch"])
