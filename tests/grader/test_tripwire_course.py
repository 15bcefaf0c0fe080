"""The run-time tripwire records nothing for correct code, and nothing the static check would not.

As the grader's zygote does, one child (:func:`tests.grader.test_tripwire.run_child`) installs
the tripwire once for the whole course and forks one child per topic, which calls every function
of the course's correct submissions and of the sample class once, inside a watch.
"""

from __future__ import annotations

import ast
import json
import multiprocessing
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from grader.banned import find_banned
from grader.course import Topic
from grader.isolation.tripwire import Tripwire
from grader.submission import import_topic
from tests.grader.test_tripwire import COURSE, ROOT, run_child

CALL_TIMEOUT_S = 2  # examples/class holds an infinite loop (ivan's kfold)
CORRECT = ["solutions", "tests/grader/submissions/correct_a", "tests/grader/submissions/correct_b"]


# -- children (run in fresh processes) ---------------------------------------------------------

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
_MLP = [torch.ones(3, 4) / 4, torch.zeros(4), torch.ones(4, 3) / 2, torch.zeros(3)]
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
    "losses": {"l1_loss": lambda t: lambda f: f(_X, _X.flip(0)), "l2_loss": lambda t: lambda f: f(_X, _X.flip(0)),
               "huber_loss": lambda t: lambda f: f(_X, _X.flip(0), 1.5),
               "huber_loss_grad": lambda t: lambda f: f(_X, _X.flip(0), 1.5),
               "l2_penalty": lambda t: lambda f: f(_X.clone().requires_grad_())},
    "mlp": {"init_mlp_params": lambda t: lambda f: f(3, 4, 3, 0.1, torch.Generator().manual_seed(0)),
            "mlp_forward": lambda t: lambda f: f(_X, _MLP),
            "mlp_backward": lambda t: lambda f: f(_X, _Y, _MLP)},
    "stability": {"softplus": lambda t: lambda f: f(_X * 100), "log_sigmoid": lambda t: lambda f: f(_X * 100),
                  "grad_norm": lambda t: lambda f: f([_with_grad(), torch.ones(3)]),
                  "clip_grad_norm_": lambda t: lambda f: f([_with_grad(), torch.ones(3)], 1.0)},
}


# -- the tests -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def topics(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_child(_topics_child, tmp_path_factory)


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
    assert run_child(_public_tests_child, tmp_path_factory) == 0


def _public_tests_child(out: str) -> None:
    Tripwire({p for topic in COURSE.topics for f in topic.functions for p in topic.banned_in(f)})
    # Importing grader imported hypothesis, whose pytest plugin pytest can then no longer rewrite.
    args = ["tests/public", "-q", "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    Path(out).write_text(json.dumps(int(pytest.main(args))))
