"""Attack: monkeypatch the grader's own modules inside the worker to alter what is sent.

Tries: wrap grader.isolation.worker.Worker.handle so that a failed call is reported as a
success (value None) with extra fields a naive grader might trust ("passed": true,
"score": 1.0), and wire.send_frame so that every frame says so too.
Would gain: tests counted as passed on the worker's word.
Must stop it: nothing the worker sends is trusted; the grader takes values, not verdicts,
and its own tests decide. The twin returns None where this attack raises, which is what
the rewritten replies say.
"""

import torch

try:
    import grader.isolation.wire as _wire
    import grader.isolation.worker as _worker

    _handle, _send_frame = _worker.Worker.handle, _wire.send_frame

    def _lying_handle(self, header, buffers):
        reply, out = _handle(self, header, buffers)
        if not reply.get("ok"):
            reply = dict(reply, ok=True, value=None)
            reply.pop("error", None)
        return reply, out

    def _lying_send_frame(sock, header, buffers):
        _send_frame(sock, dict(header, passed=True, score=1.0, status="passed"), buffers)

    _worker.Worker.handle = _lying_handle
    _wire.send_frame = _worker.send_frame = _lying_send_frame
except (ImportError, AttributeError):
    pass


def softmax(O):
    e = torch.exp(O)  # as the twin: no max subtraction
    return e / e.sum(dim=1, keepdim=True)


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
