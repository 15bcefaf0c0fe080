"""The IPython extension a course notebook loads: ``%load_ext grader.notebook``.

It gives a notebook the engine's tests and scores, in the notebook's own kernel:

- ``%dlgrade_topic {json}`` (line magic, in the locked imports cell): the topic's functions,
  points and banned calls, and the grading settings; loads the ``grading`` Hypothesis profile.
- ``%%dlgrade_module NAME`` (cell magic): the cell is the source of the course's module NAME
  (``tests.helpers``, ``tests.public.test_norms``), importable from then on.
- ``%%dlgrade_tests FUNCTION`` (cell magic, one nbgrader test cell per public function): runs
  the cell's tests of FUNCTION on the notebook's definitions, prints one line per test and
  evaluates to the points earned, which nbgrader reads as the cell's partial credit. The part
  of the cell between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` runs in the
  topic's hidden test module, the rest in its public one, so a test's source, and with it the
  examples Hypothesis draws, is the same as in ``dlgrade grade``.

Scores follow ``dlgrade grade``: the same tests, weights and messages; a student code cell that
raised scores the topic 0, as a module that fails to import does; a banned call the source
names fails the function's tests. What differs is isolation: here the student's code and the
tests share one process, so nothing stops a submission from tampering with them (grade
untrusted classes with ``dlgrade nbgrader import`` and ``dlgrade grade``, docs/notebooks.md).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import linecache
import os
import re
import signal
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import torch
from hypothesis import settings as hypothesis_settings

from grader.banned import BannedCall, find_banned
from grader.collect import CourseTest, under_grading
from grader.course import Settings, Topic
from grader.engine import failed_topic, run_tests
from grader.isolation.arguments import mutated_arguments
from grader.isolation.remote import CallTimeout, CircuitBreaker
from grader.isolation.worker import seed_rngs
from grader.notebook.cells import HIDDEN_BEGIN, HIDDEN_END, module_source
from grader.scoring import TestResult, test_points
from grader.testing import register_profiles

__all__ = ["LocalSubmission", "define_module", "load_ipython_extension"]

_FILE = "<dlgrade {}>"


def define_module(name: str, source: str) -> types.ModuleType:
    """Execute ``source`` as the module ``name`` (dotted) and make it importable.

    Parents are created as empty packages where missing; the source is registered with
    ``linecache`` so ``inspect.getsource`` (and Hypothesis's derandomized seeds) see it.

    Raises:
        Exception: whatever executing ``source`` raises.
    """
    module = types.ModuleType(name)
    module.__file__ = _register_source(_FILE.format(name), source)
    _attach(name, module)
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def _attach(name: str, module: types.ModuleType) -> None:
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        if parent not in sys.modules:
            package = types.ModuleType(parent)
            package.__path__ = []
            _attach(parent, package)
        setattr(sys.modules[parent], child, module)


def _register_source(filename: str, source: str) -> str:
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    return filename


class LocalSubmission:
    """The ``submission`` of the tests in a notebook: the topic's public names in ``namespace``.

    Calls behave as in ``dlgrade grade``'s workers where that can be had in one process: a
    function whose name does not end in ``_`` may not change a tensor argument, a call is cut
    after ``call_timeout_s`` (SIGALRM, so a hang in pure Python, not inside a C call), and a
    function that timed out fails at once for the rest of the test.
    """

    traceback_file = None  # the cells' frames are shown by the kernel itself

    def __init__(self, namespace: dict[str, Any], topic: Topic, call_timeout_s: float) -> None:
        self._namespace, self._topic, self._timeout = namespace, topic, call_timeout_s
        self._breaker = CircuitBreaker()

    def begin_test(self, function: str | None = None, seed: int | None = None, again: bool = False) -> None:
        """Forget which functions timed out: each test gives them a fresh chance. With ``seed``,
        seed every global RNG the student's code can reach (``random``, NumPy, torch), as a
        worker does in ``dlgrade grade`` (:func:`grader.isolation.worker.seed_rngs`).
        ``function``, whose test begins, is taken as a worker's submission takes it
        (:class:`grader.isolation.runner.RemoteSubmission`); in one process no run-time ban is
        watched per function. ``again``: the test that just ran begins again, and the call that
        timed out in it times out at once where it comes again, as a worker's submission does."""
        self._breaker.begin_test(again)
        if seed is not None:
            seed_rngs(seed)

    def banned_calls(self) -> dict[str, list[str]]:
        """Nothing: in one process no run-time ban is watched (the static check still applies)."""
        return {}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in self._topic.functions or name not in self._namespace:
            raise AttributeError(f"the submission's {self._topic.id}.py defines no {name!r}")
        return lambda *args, **kwargs: self._call(name, args, kwargs)

    def _call(self, name: str, args: tuple, kwargs: dict) -> Any:
        breaker = self._breaker
        if name not in breaker.failed and not breaker.hangs_again(name):
            before = [list(_cloned(args)), dict(_cloned(kwargs))]
            try:
                with _alarm(self._timeout):
                    value = self._namespace[name](*args, **kwargs)
            except CallTimeout:
                breaker.fail(name, CallTimeout(f"{name}: did not return within {self._timeout:g} s"), timed_out=True)
            else:
                mutated = mutated_arguments(before, [list(args), dict(kwargs)])
                if mutated and not name.endswith("_"):
                    raise AssertionError(f"{name} modified its argument {mutated[0]} in place: a function whose "
                                         "name does not end in _ must leave its arguments untouched")
                return value
        # One raise site outside the except, as RemoteFunction's: a hang and its repeats are one
        # failure to Hypothesis, not a flaky one.
        raise CallTimeout(*breaker.failed[name].args)

    def __repr__(self) -> str:
        return f"<submission {self._topic.id}>"


def _cloned(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return type(value)(_cloned(v) for v in value) if type(value) in (list, tuple) else value
    if isinstance(value, dict):
        return {k: _cloned(v) for k, v in value.items()}
    return value


class _alarm:
    """Raise CallTimeout in the code running ``seconds`` after entering, and again every
    ``_RETRY_S`` until the block is left: Python drops an exception raised while a gc callback
    (Hypothesis keeps one) or a ``__del__`` runs, so one alarm alone can leave a loop running."""

    _RETRY_S = 0.05

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        self.previous = signal.signal(signal.SIGALRM, self._expire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)

    def _expire(self, signum: int, frame: types.FrameType | None) -> None:
        if frame is not None and frame.f_code is _alarm.__exit__.__code__:
            return  # leaving already: let __exit__ disarm
        signal.setitimer(signal.ITIMER_REAL, self._RETRY_S)
        raise CallTimeout(f"did not return within {self.seconds:g} s")


class _Notebook:
    """What the extension keeps per kernel: the topic, the settings and the student's cells."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.topic: Topic | None = None
        self.settings = Settings()
        self.cells: dict[object, tuple[int, str, str]] = {}  # cell id -> (order, source, error)

    def record(self, result: Any) -> None:
        """post_run_cell: keep each student code cell's latest source and whether it raised."""
        source = result.info.raw_cell
        if source.lstrip().startswith("%%dlgrade"):
            return
        error = result.error_before_exec or result.error_in_exec
        key = getattr(result.info, "cell_id", None) or len(self.cells)
        order = self.cells[key][0] if key in self.cells else len(self.cells)
        self.cells[key] = (order, source, "" if error is None else f"{type(error).__name__}: {error}")

    def configure(self, line: str) -> None:
        """%dlgrade_topic {"topic": {...}, "settings": {...}}"""
        config = json.loads(line)
        self.topic = Topic.model_validate(config["topic"])
        self.settings = Settings.model_validate(config.get("settings", {}))
        register_profiles(self.settings.max_examples, self.settings.shrink)
        hypothesis_settings.load_profile("grading")

    def run_tests(self, function: str, cell: str) -> float:
        """%%dlgrade_tests FUNCTION: the cell's tests of FUNCTION; the points they earn."""
        if self.topic is None or function not in self.topic.functions:
            raise ValueError(f"%%dlgrade_tests {function}: not a function of this notebook's topic "
                             "(run the imports cell first)")
        public, hidden = split_hidden(cell)
        tests = self._define_tests(function, public, "public") + self._define_tests(function, hidden, "hidden")
        with _quiet():
            outcomes = self._outcomes(function, tests)
        # Rounded as dlgrade rounds a topic's score, and never above the cell's points, which nbgrader refuses.
        score = min(round(sum(t.weight for t in outcomes if t.passed), 4), self.topic.function_points(function))
        _print_outcomes(function, outcomes, score, self.topic.function_points(function))
        return score

    def _define_tests(self, function: str, source: str, visibility: str) -> list[tuple[str, Callable]]:
        module = sys.modules.get(_test_module(self.topic.id, visibility))
        if module is None:
            module = define_module(_test_module(self.topic.id, visibility), "")
        if not source.strip():
            return []
        tree = ast.parse(source)
        filename = _register_source(_FILE.format(f"{module.__name__}:{function}"), source)
        exec(compile(tree, filename, "exec"), module.__dict__)
        names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
        return [(name, getattr(module, name)) for name in names
                if getattr(getattr(module, name), "dlgrade_function", None) == function]

    def _outcomes(self, function: str, tests: list[tuple[str, Callable]]) -> list[TestResult]:
        points = test_points(self.topic, [(function, test.dlgrade_weight) for _, test in tests])
        course_tests = [CourseTest(name, function, _visibility(test), p, under_grading(test))
                        for (name, test), p in zip(tests, points)]
        failed = [error for _, _, error in sorted(self.cells.values()) if error]
        if failed:
            message = (f"a code cell of the notebook raised {failed[0]}: the topic scores 0, as a module that fails "
                       "to import (fix it, then restart the kernel and run all cells)")
            return list(failed_topic(self.topic, course_tests, "import_error", message).tests)
        submission = LocalSubmission(self.shell.user_ns, self.topic, self.settings.call_timeout_s)
        banned, outcomes = self._banned_calls(), []
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # as in a worker: the same reductions, the same rounding
        try:
            for test in course_tests:
                outcomes += run_tests([test], submission, torch.device("cpu"), seed=self.settings.seed,
                                      banned=banned)[0]
        finally:
            torch.set_num_threads(threads)
        return [_with_hint(outcome, self.topic) for outcome in outcomes]

    def _banned_calls(self) -> dict[str, list[BannedCall]]:
        """The banned calls the student's cells name, per function, as ``dlgrade grade`` finds them."""
        source, _ = module_source(source for _, source, _ in sorted(self.cells.values()))
        try:
            return find_banned(ast.parse(source), {f: self.topic.banned_in(f) for f in self.topic.functions})
        except SyntaxError:  # a cell that does not parse has raised, and scored the topic 0
            return {}


def _with_hint(outcome: TestResult, topic: Topic) -> TestResult:
    """A NameError for one of the topic's functions: a notebook runs in order, a module does not."""
    missing = re.match(r"NameError: name '(\w+)' is not defined", outcome.message)
    if outcome.passed or not missing or missing[1] not in topic.functions:
        return outcome
    first, _, rest = outcome.message.partition("\n")
    hint = (f"({missing[1]} is defined in a later cell, or its cell has not run: a notebook runs its cells in "
            "order, so define what a function calls before the test cell that calls it)")
    return replace(outcome, message="\n".join([first, hint, *([rest] if rest else [])]))


def split_hidden(cell: str) -> tuple[str, str]:
    """``(public, hidden)``: the cell's lines outside and inside the hidden-tests markers (matched as
    nbgrader matches them), every other line blank, so line numbers stay those of the cell."""
    public, hidden, inside = [], [], False
    for line in cell.splitlines():
        if HIDDEN_BEGIN in line or HIDDEN_END in line:
            inside = HIDDEN_BEGIN in line
            public.append("")
            hidden.append("")
            continue
        (hidden if inside else public).append(line)
        (public if inside else hidden).append("")
    return "\n".join(public) + "\n", "\n".join(hidden) + "\n"


def _test_module(topic: str, visibility: str) -> str:
    return f"tests.public.test_{topic}" if visibility == "public" else f"tests.hidden.test_{topic}_props"


def _visibility(test: Callable) -> str:
    return "hidden" if test.__module__.startswith("tests.hidden.") else "public"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warning and nothing on stderr while the tests run: nbgrader scores a test cell with any
    stderr output 0, and a warning a correct answer triggers must not cost points."""
    saved = os.dup(2)
    with open(os.devnull, "w") as null, warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        sys.stderr.flush()
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _print_outcomes(function: str, outcomes: list[TestResult], score: float, points: float) -> None:
    for t in outcomes:
        print(f"{'✓' if t.passed else '✗'} {t.name} ({t.visibility})")
        if not t.passed:
            print("\n".join("    " + line for line in t.message.splitlines()))
    print(f"{function}: {sum(t.passed for t in outcomes)} of {len(outcomes)} tests passed, "
          f"{score:g} of {points:g} points")


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext grader.notebook``: register the magics and start recording code cells."""
    notebook = _Notebook(shell)
    shell.events.register("post_run_cell", notebook.record)
    shell.register_magic_function(notebook.configure, "line", "dlgrade_topic")
    shell.register_magic_function(lambda line, cell: define_module(line.strip(), cell) and None,
                                  "cell", "dlgrade_module")
    shell.register_magic_function(lambda line, cell: notebook.run_tests(line.strip(), cell),
                                  "cell", "dlgrade_tests")

