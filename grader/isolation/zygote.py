"""A warm parent for workers: torch imported once, each worker forked from it in milliseconds.

    python -m grader.isolation.zygote FD

Importing torch costs about 2 s; a worker forked from this process starts with torch, the wire
format and the worker loop already imported. It forks only from a single-threaded state (torch
limited to one thread, no CUDA initialised: CUDA must be initialised after the fork, and OpenMP
threads do not survive one). Each request on the control socket FD carries the worker's
connected socket (SCM_RIGHTS) and a JSON ``{"op": "spawn", "path", "memory_mb", "cwd"}``; the
reply is the child's pid. The child starts a new session, so the grader can kill its whole
process group. ``{"op": "status", "pid"}`` answers how a child ended (its wait status), or
null while it runs: the grader is not its parent and cannot wait for it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

import torch

from grader.isolation import worker


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
        os.chdir(request["cwd"])
        worker.serve(socket.socket(fileno=fd), request["path"], int(request["memory_mb"]))
    finally:
        os._exit(0)


def main(control: socket.socket) -> None:
    torch.set_num_threads(1)
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
    main(socket.socket(fileno=int(sys.argv[1])))
