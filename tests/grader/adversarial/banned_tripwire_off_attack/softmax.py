"""Attack: switch off the run-time detection of banned calls from inside the worker.

Tries: find the detector's state (grader.isolation.tripwire._STATE, already imported in
the worker) and mark it busy around a disguised torch.softmax, so that no wrapper records
the call: any recorder that lives in the worker's process can be reached by the code it
watches.
Would gain: softmax's points through a banned call.
Must stop it: detection the submission cannot reach or undo (or that tells it was undone),
e.g. checking the recorder's integrity after every call.
The twin raises NotImplementedError in softmax instead.
"""

import importlib

import torch


def softmax(O):
    try:
        state = importlib.import_module("grader.isolation.tripwire")._STATE
        state.busy += 1
    except (ImportError, AttributeError):
        state = None
    try:
        return getattr(torch, "soft" + "max")(O, 1)
    finally:
        if state is not None:
            state.busy -= 1


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
