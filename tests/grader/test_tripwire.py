"""The run-time tripwire records banned calls however they are reached.

Installing a :class:`Tripwire` patches torch for good, so each scenario runs in a fresh Python
(:func:`run_child`) that writes its observations as JSON; this process's torch stays clean and
computes the expected values. What the tripwire must not record (the course's correct
submissions) is in test_tripwire_course.py, tampering with it in test_tripwire_tampering.py.
"""

from __future__ import annotations

import importlib
import inspect
import json
import operator
import pickle
import subprocess
import sys
from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import torch

from grader.course import load_course
from grader.isolation.tripwire import ALWAYS_BANNED, Tripwire

ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(ROOT / "course.yml")
SOFTMAX = COURSE.topic("softmax")

# Each is evaluated with x a (2, 3) float64 tensor, under watch(softmax's patterns).
DISGUISES = [
    'getattr(torch, "soft" + "max")(x, 1)',
    'F.__dict__["softmax"](x, 1)',
    'vars(F)["softmax"](x, 1)',
    'importlib.import_module("torch.nn.functional").softmax(x, 1)',
    'eval("torch.softmax")(x, 1)',
    "torch._C._VariableFunctions.softmax(x, 1)",
    "torch._C.TensorBase.softmax(x, 1)",
    "torch.special.softmax(x, 1)",
    'operator.methodcaller("softmax", 1)(x)',
    "torch.nn.functional.softmin(-x, 1)",
    "torch.nn.Softmax(1)(x)",
    "torch.ops.aten._softmax(x, 1, False)",
    "torch.ops.aten._softmax.default(x, 1, False)",
    "x.logsumexp(1)",
    "torch.nn.CrossEntropyLoss()(x, torch.tensor([0, 2]))",
    # The adversarial corpus's: a way around the wrapper, private twins, raw ops, torch's references.
    'getattr(torch.softmax, "__wrapped__", torch.softmax)(x, 1)',
    'getattr(F.softmax, "__wrapped__", F.softmax)(x, 1)',
    "torch._softmax(x, 1, False)",
    "torch._C._VariableFunctions._softmax(x, 1, False)",
    "torch._safe_softmax(x, 1)",
    "torch.special.logsumexp(x, 1)",
    "torch.ops.aten._softmax.default._op(x, 1, False)",
    "torch.ops.aten._softmax._op(x, 1, False)",
    "torch.ops.aten._softmax.default.redispatch(_CPU, x, 1, False)",
    'torch._C._jit_get_operation("aten::_softmax")[0](x, 1, False)',
    'importlib.import_module("torch._refs").softmax(x, 1)',
    'torch.jit.CompilationUnit("def f(O: torch.Tensor) -> torch.Tensor:\\n    return torch.softmax(O, 1)\\n").f(x)',
]
# Outside watch these must give what plain torch gives (values, dtype, gradients).
PLAIN = DISGUISES + [
    "_grad_by_backward(x)",
    "torch.jit.script(torch.nn.Softmax(1))(x)",  # compiles the wrapped F.softmax from its source
    "torch.jit.script(_logsumexp)(x)",  # finds the wrapped builtin in TorchScript's table
    "torch.linalg.vector_norm(x, 3.0, dim=1)",
    "torch.nn.functional.log_softmax(x.float(), 1)",
]


def _grad_by_backward(x: torch.Tensor) -> torch.Tensor:
    leaf = x.clone().requires_grad_()
    (torch.nn.Softmax(1)(leaf) ** 2).sum().backward()
    return leaf.grad


def _autograd_twice(x: torch.Tensor) -> torch.Tensor:
    leaf = x.clone().requires_grad_()
    (g,) = torch.autograd.grad((leaf ** 2).sum(), leaf)
    (leaf ** 2).sum().backward()
    return g + leaf.grad


def _logsumexp(x: torch.Tensor) -> torch.Tensor:
    return torch.logsumexp(x, 1)


def _evaluate(source: str) -> list:
    """``source``'s value as [dtype, nested lists]; x is a (2, 3) float64 tensor."""
    x = torch.arange(6, dtype=torch.float64).reshape(2, 3) / 4
    out = eval(source, {"torch": torch, "F": torch.nn.functional, "importlib": importlib, "operator": operator,
                        "_grad_by_backward": _grad_by_backward, "_autograd_twice": _autograd_twice,
                        "_logsumexp": _logsumexp, "x": x, "_CPU": torch._C.DispatchKeySet(torch._C.DispatchKey.CPU)})
    return [str(out.dtype), out.tolist()]


# -- children (run in fresh processes) ---------------------------------------------------------

def _disguises_child(out: str) -> None:
    tripwire = Tripwire({p for f in SOFTMAX.functions for p in SOFTMAX.banned_in(f)})
    report: dict[str, Any] = {"found": {}}
    for source in DISGUISES:
        with tripwire.watch(SOFTMAX.banned_in("softmax")) as found:
            _evaluate(source)
        report["found"][source] = found
    with tripwire.watch(SOFTMAX.banned_in("softmax")) as report["after_exit"]:
        pass
    report["plain"] = {source: _evaluate(source) for source in PLAIN}
    with tripwire.watch(SOFTMAX.banned_in("softmax")) as report["paused"], tripwire.paused():
        _evaluate("torch.softmax(x, 1)")
    no_autograd = SOFTMAX.banned_in("softmax_cross_entropy_grad")
    with tripwire.watch(no_autograd) as report["incidental"]:
        with torch.no_grad(), torch.enable_grad(), torch.set_grad_enabled(True), torch.inference_mode():
            _evaluate("torch.exp(x)")  # torch.autograd.no_grad is torch.no_grad: not autograd's work
        repr(torch.ones(2, requires_grad=True))  # printing unpacks forward-mode tangents
        torch.testing.assert_close(torch.ones(2), torch.ones(2))  # defines autograd Functions on first use
    with tripwire.watch(no_autograd) as report["autograd"]:
        _evaluate("_autograd_twice(x)")
    with tripwire.watch(SOFTMAX.banned_in("softmax")) as report["nested"]:
        _evaluate("torch.nn.functional.softmax(x, 1)")  # calls Tensor.softmax: one record

    class Subclass(torch.nn.Softmax):
        pass
    with tripwire.watch(SOFTMAX.banned_in("softmax")) as report["subclass"]:
        module = Subclass(1)
    report["usable"] = [isinstance(module, torch.nn.Softmax), isinstance(module, torch.nn.Module),
                        Subclass.__mro__[1] is torch.nn.Softmax, torch.softmax.__name__,
                        torch.nn.functional.softmax.__doc__,
                        [hasattr(f, "__wrapped__") for f in (torch.softmax, torch.nn.functional.softmax,
                                                             torch.nn.Softmax.__init__)],
                        str(inspect.signature(torch.nn.functional.softmax)),
                        [pickle.loads(pickle.dumps(f)) is f
                         for f in (torch.softmax, torch.nn.functional.softmax, torch.Tensor.softmax)]]
    try:
        with tripwire.watch(["torch.relu", "loops"]):
            pass
    except ValueError as exc:
        report["not_installed"] = str(exc)
    Path(out).write_text(json.dumps(report))


def _engine_child(out: str) -> None:
    tripwire = Tripwire(SOFTMAX.banned_in("softmax"))
    x = torch.arange(6, dtype=torch.float64).reshape(2, 3) / 4
    scripted, module = torch.jit.script(_logsumexp), torch.jit.script(torch.nn.Softmax(1))
    compiled = torch.compile(lambda O: O * 2, backend="eager")  # as a submission's import would
    spoof = compile("y = torch._refs.softmax(x, 1)", torch._refs.__file__, "exec")  # torch's file, not its code
    calls = {"script": lambda: torch.jit.script(_logsumexp), "run_script": lambda: scripted(x),
             "run_module": lambda: module(x), "compiled": lambda: compiled(x),
             "exec_in_torch": lambda: exec(spoof, vars(torch._refs), {"x": x}),  # noqa: S102 the attack
             "broadcast_shapes": lambda: torch.broadcast_shapes((2, 1), (3,)),  # calls torch._refs itself
             "is_scripting": lambda: torch.jit.is_scripting()}
    report = {}
    for name, call in calls.items():
        with tripwire.watch(()) as report[name]:
            call()
    Path(out).write_text(json.dumps(report))


# -- the tests -------------------------------------------------------------------------------

def run_child(function: Callable, tmp_path_factory: pytest.TempPathFactory, timeout: float = 120) -> Any:
    """Run ``function(report path)`` of a test module in a fresh Python; its JSON report."""
    out = tmp_path_factory.mktemp("tripwire") / "report.json"
    code = f"from {function.__module__} import {function.__name__}; {function.__name__}({str(out)!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def disguises(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_child(_disguises_child, tmp_path_factory)


@pytest.mark.parametrize("source", DISGUISES)
def test_disguised_banned_call_is_recorded(disguises, source):
    found = disguises["found"][source]
    assert found, f"{source}: nothing recorded"
    assert all(any(fnmatchcase(name, p) for p in SOFTMAX.banned_in("softmax") + ALWAYS_BANNED) for name in found), found


def test_calls_outside_watch_record_nothing_and_equal_plain_torch(disguises):
    assert disguises["after_exit"] == []
    assert disguises["plain"] == {source: _evaluate(source) for source in PLAIN}


def test_paused_and_nested_calls_are_not_recorded(disguises):
    assert disguises["paused"] == []
    assert disguises["nested"] == ["torch.nn.functional.softmax"]


def test_autograd_is_recorded_but_grad_mode_switches_and_printing_are_not(disguises):
    assert disguises["autograd"] == ["torch.autograd.grad", "Tensor.backward"]
    assert disguises["incidental"] == []


def test_banned_class_trips_on_instantiation_and_stays_the_same_class(disguises):
    assert disguises["subclass"] == ["torch.nn.Softmax"]
    assert disguises["usable"] == [True, True, True, "softmax", torch.nn.functional.softmax.__doc__,
                                   [False, False, False], str(inspect.signature(torch.nn.functional.softmax)),
                                   [True, True, True]]


def test_watch_rejects_a_pattern_that_was_not_installed(disguises):
    assert disguises["not_installed"].startswith("Tripwire.watch(): pattern 'torch.relu' was not installed")


def test_engine_wide_bans_are_recorded_in_every_watch_but_not_in_torchs_own_calls(tmp_path_factory):
    report = run_child(_engine_child, tmp_path_factory)
    assert report == {"script": ["torch.jit.script"], "run_script": ["torch.jit.ScriptFunction"],
                      "run_module": ["torch.jit.ScriptModule"], "compiled": ["torch.compile"],
                      "exec_in_torch": ["torch._refs.softmax"], "broadcast_shapes": [], "is_scripting": []}
