"""The run-time tripwire: disguised banned calls are recorded, correct submissions record nothing.

Installing a :class:`Tripwire` patches torch for good, so each scenario runs in a fresh Python
(``subprocess``) that writes its observations as JSON; this process's torch stays clean and
computes the expected values. The false-positive scenario installs the tripwire once for the
whole course and forks one child per topic, as the grader's zygote does.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import multiprocessing
import operator
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import torch

from grader.banned import find_banned
from grader.course import Topic, load_course
from grader.isolation.tripwire import ALWAYS_BANNED, TAMPERING, Tripwire
from grader.submission import import_topic

ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(ROOT / "course.yml")
SOFTMAX = COURSE.topic("softmax")
CALL_TIMEOUT_S = 2  # examples/class holds an infinite loop (ivan's kfold)
CORRECT = ["solutions", "tests/grader/submissions/correct_a", "tests/grader/submissions/correct_b"]

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


def _topics_child(out: str) -> None:
    # As the zygote: one tripwire over every pattern of the course, one forked worker per topic.
    torch.set_num_threads(1)
    tripwire = Tripwire({p for topic in COURSE.topics for f in topic.functions for p in topic.banned_in(f)})
    context = multiprocessing.get_context("fork")
    report = {}
    for topic in COURSE.topics:
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_topic_child, args=(tripwire, topic, send))
        child.start()
        send.close()  # so that recv() ends in EOFError if the child dies without a report
        report[topic.id] = receive.recv()
        child.join()
    Path(out).write_text(json.dumps(report))


def _topic_child(tripwire: Tripwire, topic: Topic, send: Any) -> None:
    signal.signal(signal.SIGALRM, _time_out)
    report: dict[str, dict] = {}
    for folder in [ROOT / folder for folder in CORRECT] + sorted((ROOT / "examples/class").iterdir()):
        path = folder / f"{topic.id}.py"
        if not path.is_file():
            continue
        try:
            module = import_topic(path)
        except BaseException as exc:  # broken on purpose (hana's SyntaxError)
            report[str(path.relative_to(ROOT))] = {"import": repr(exc)}
            continue
        report[str(path.relative_to(ROOT))] = {name: _watched_call(tripwire, topic, module, name, setup)
                                               for name, setup in CALLS[topic.id].items()}
    send.send(report)


def _time_out(signum: int, frame: Any) -> None:
    raise TimeoutError(f"no answer in {CALL_TIMEOUT_S} s")


def _watched_call(tripwire: Tripwire, topic: Topic, module: Any, name: str, setup: Callable) -> dict:
    run = setup(tripwire)
    error = None
    with tripwire.watch(topic.banned_in(name)) as found:
        signal.alarm(CALL_TIMEOUT_S)
        try:
            run(getattr(module, name))
        except BaseException as exc:  # a student's exception, exit or endless loop
            error = repr(exc)[:200]
        finally:
            signal.alarm(0)
    return {"found": found, "error": error}


def _trusted(tripwire: Tripwire, fn: Callable) -> Callable:
    """A course function passed to a submission: the worker runs it paused."""
    def call(*args: Any) -> Any:
        with tripwire.paused():
            return fn(*args)
    return call


def _with_grad() -> torch.Tensor:
    w = torch.ones(2, 1, requires_grad=True)
    (3 * w).sum().backward()
    return w


_X = torch.tensor([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]])
_Y = torch.tensor([2, 0])
_FEATURES = torch.arange(10.0).reshape(5, 2) / 10
_LABELS = _FEATURES @ torch.tensor([[2.0], [-1.0]]) + 0.5

# topic -> function -> setup(tripwire) -> run(function), which makes one small valid call.
CALLS: dict[str, dict[str, Callable]] = {
    "norms": {"l1_norm": lambda t: lambda f: f(_X), "l2_norm": lambda t: lambda f: f(_X, dim=1),
              "lp_norm": lambda t: lambda f: f(_X, 3.0), "frobenius_norm": lambda t: lambda f: f(_X)},
    "broadcasting": {"broadcast_shape": lambda t: lambda f: f((2, 1), (3,)),
                     "pairwise_sq_dists": lambda t: lambda f: f(_X, _X[:1]),
                     "standardize": lambda t: lambda f: f(_X.T)},
    "autograd": {name: lambda t: lambda f: f(_trusted(t, lambda v: torch.sin(v) * v), _X[0].double())
                 for name in ("grad", "numerical_grad", "jacobian")},
    "sgd": {"data_iter": lambda t: lambda f: list(f(2, _FEATURES, _LABELS)),
            "linreg": lambda t: lambda f: f(_FEATURES, torch.ones(2, 1), torch.zeros(1)),
            "squared_loss": lambda t: lambda f: f(_LABELS + 1, _LABELS),
            "sgd_": lambda t: (lambda w: lambda f: f([w], 0.1, 2))(_with_grad()),
            "train_linreg": lambda t: lambda f: f(_FEATURES, _LABELS, num_epochs=1, batch_size=2)},
    "softmax": {"softmax": lambda t: lambda f: f(_X), "cross_entropy": lambda t: lambda f: f(_X.abs() / 4, _Y),
                "softmax_cross_entropy": lambda t: lambda f: f(_X, _Y),
                "softmax_cross_entropy_grad": lambda t: lambda f: f(_X, _Y),
                "accuracy": lambda t: lambda f: f(_X, _Y)},
    "activations": {name: lambda t: lambda f: f(_X)
                    for name in ("relu", "sigmoid", "tanh", "relu_grad", "sigmoid_grad", "tanh_grad")},
    "dropout": {"dropout_layer": lambda t: lambda f: f(_X, 0.5, torch.Generator().manual_seed(0)),
                "Dropout": lambda t: lambda f: (f(0.5)(_X), f(0.5).eval()(_X))},
    "xavier": {"fan_in_and_fan_out": lambda t: lambda f: f((3, 4, 5)),
               "xavier_uniform_": lambda t: lambda f: f(torch.nn.Parameter(torch.empty(3, 4))),
               "xavier_normal_": lambda t: lambda f: f(torch.empty(3, 4), 2.0)},
    "kfold": {"kfold_indices": lambda t: lambda f: f(7, 3, True, torch.Generator().manual_seed(0)),
              "get_k_fold_data": lambda t: lambda f: f(3, 1, _FEATURES, _LABELS),
              "k_fold_cross_validate": lambda t: lambda f: f(
                  _trusted(t, lambda Xt, yt, Xv, yv: (float(Xt.sum()), float(Xv.sum()))), 2, _FEATURES, _LABELS)},
}


# -- the tests -------------------------------------------------------------------------------

def _run_child(function: Callable, tmp_path_factory: pytest.TempPathFactory, timeout: float = 120) -> Any:
    out = tmp_path_factory.mktemp("tripwire") / "report.json"
    code = f"from tests.grader.test_tripwire import {function.__name__}; {function.__name__}({str(out)!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def disguises(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _run_child(_disguises_child, tmp_path_factory)


@pytest.fixture(scope="module")
def topics(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _run_child(_topics_child, tmp_path_factory)


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


def _reports(topics: dict, prefixes: tuple[str, ...]) -> list[tuple[str, str, str, dict]]:
    return [(topic, path, name, result) for topic, files in topics.items() for path, calls in files.items()
            if path.startswith(prefixes) and "import" not in calls for name, result in calls.items()]


@pytest.mark.parametrize("folder", CORRECT)
def test_correct_submissions_record_nothing(topics, folder):
    reports = _reports(topics, (folder + "/",))
    assert len(reports) == sum(len(calls) for calls in CALLS.values())
    assert [r for r in reports if r[3] != {"found": [], "error": None}] == []


def test_class_examples_record_only_what_the_static_check_finds(topics):
    for topic_id, path, name, result in _reports(topics, ("examples/",)):
        topic = COURSE.topic(topic_id)
        static = find_banned(ast.parse((ROOT / path).read_text()), {name: topic.banned_in(name)})
        assert set(result["found"]) <= {c.name for c in static.get(name, [])}, (path, name, result)
    assert topics["softmax"]["examples/class/kim/softmax.py"]["softmax"]["found"] == ["torch.softmax"]
    assert topics["norms"]["examples/class/kim/norms.py"]["l2_norm"]["found"] == ["torch.linalg.vector_norm"]


def test_public_tests_pass_against_the_reference_with_the_tripwire_installed(tmp_path_factory):
    assert _run_child(_public_tests_child, tmp_path_factory) == 0


def _public_tests_child(out: str) -> None:
    Tripwire({p for topic in COURSE.topics for f in topic.functions for p in topic.banned_in(f)})
    # Importing grader imported hypothesis, whose pytest plugin pytest can then no longer rewrite.
    args = ["tests/public", "-q", "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    Path(out).write_text(json.dumps(int(pytest.main(args))))


def test_watch_rejects_a_pattern_that_was_not_installed(disguises):
    assert disguises["not_installed"].startswith("Tripwire.watch(): pattern 'torch.relu' was not installed")


# -- engine-wide bans and tampering ------------------------------------------------------------

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


def test_engine_wide_bans_are_recorded_in_every_watch_but_not_in_torchs_own_calls(tmp_path_factory):
    report = _run_child(_engine_child, tmp_path_factory)
    assert report == {"script": ["torch.jit.script"], "run_script": ["torch.jit.ScriptFunction"],
                      "run_module": ["torch.jit.ScriptModule"], "compiled": ["torch.compile"],
                      "exec_in_torch": ["torch._refs.softmax"], "broadcast_shapes": [], "is_scripting": []}


def _tampering_child(out: str) -> None:
    import grader.isolation.tripwire as module

    tripwire = Tripwire(SOFTMAX.banned_in("softmax"))
    state = tripwire._Tripwire__state  # what a submission could dig out of a wrapper's closure
    wrapper, aten = torch.softmax, dict(state.aten)

    def unwrap() -> None:
        torch.softmax = lambda *args, **kwargs: None

    def forget_ops() -> None:
        state.aten.clear()

    def replace_found() -> None:
        state.found = []

    def silence() -> None:
        state.active = frozenset()

    def stay_busy() -> None:
        state.busy += 1

    report: dict[str, Any] = {"module_state": [n for n in vars(module) if "state" in n.lower() and n != "_State"]}
    for tamper in (unwrap, forget_ops, replace_found, silence, stay_busy):
        with tripwire.watch(SOFTMAX.banned_in("softmax")) as report[tamper.__name__]:
            tamper()
        torch.softmax = wrapper
        state.aten.update(aten)
    with tripwire.watch(SOFTMAX.banned_in("softmax")) as report["untouched"]:
        torch.exp(torch.ones(2))
    try:
        Tripwire(["torch.relu"])
    except RuntimeError as exc:
        report["second"] = str(exc)
    Path(out).write_text(json.dumps(report))


def test_tampering_with_the_tripwire_during_a_call_is_recorded(tmp_path_factory):
    report = _run_child(_tampering_child, tmp_path_factory)
    assert report.pop("module_state") == []  # no grader.isolation.tripwire._STATE to reach
    assert report.pop("second").startswith("Tripwire(): this process already has one")
    assert report == {"unwrap": [TAMPERING], "forget_ops": [TAMPERING], "replace_found": [TAMPERING],
                      "silence": [TAMPERING], "stay_busy": [TAMPERING], "untouched": []}
