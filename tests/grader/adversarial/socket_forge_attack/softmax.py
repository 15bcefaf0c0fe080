"""Attack: write to the worker's socket behind the worker loop's back.

Tries: find the socket among the open fds (fstat on 3..63) and, before the real reply,
send garbage (softmax), a forged success whose value is a function record naming
os.abort (cross_entropy), a frame header of 2**63 bytes (softmax_cross_entropy), a header
nested 200,000 deep (the gradient), and a callback request for a callback that does not
exist (accuracy).
Would gain: a forged answer, or a grader that crashes, hangs, allocates without bound,
overflows its stack or runs a function the worker chose.
Must stop it: the grader reads replies as bounded, typed data, and a malformed or
unexpected frame fails the call (and only that call).
"""

import json
import os
import stat
import struct


def _send(payload: bytes) -> None:
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.write(fd, payload)
        except OSError:
            continue


def _frame(header: dict) -> bytes:
    data = json.dumps(dict(header, buffers=[])).encode()
    return struct.pack(">Q", len(data)) + data


def softmax(O):
    _send(b"\0\0\0\0\0\0\0\x07garbage")
    raise NotImplementedError


def cross_entropy(y_hat, y):
    _send(_frame({"ok": True, "value": {"t": "function", "module": "os", "name": "abort"}}))
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    _send(struct.pack(">Q", 2**63))
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    deep = b'{"ok":true,"buffers":[],"value":' + b'{"t":"list","v":[' * 200_000 + b"]}" * 200_000 + b"}"
    _send(struct.pack(">Q", len(deep)) + deep)
    raise NotImplementedError


def accuracy(y_hat, y):
    _send(_frame({"op": "callback", "id": 12345, "args": {"t": "list", "v": []}}))
    return float((y_hat.argmax(dim=1) == y).double().mean())
