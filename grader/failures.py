"""What a failed test says, and whose failure it is: the one rule for every output.

Whatever reaches a student's feedback, gradebook.json or the CLI is built from the failure
itself: the message of the assertion that failed (expected vs got), what the submission raised,
and Hypothesis's shrunk counterexample (its "Failing test case" / "Falsifying example" note and
its "Draw n" notes). :func:`sanitize` then takes out what a failure may still carry: tracebacks
(the student's own frames stay), paths of the grader, the course or the tests, lines of the
test's source, and Hypothesis's class names. Hypothesis's own error texts are never used:
each kind has a sentence of ours (a flaky test: "gives different results on the same input").

Whose failure (:func:`is_students`): surely the student's are an assertion of the test, pytest's
``Failed`` ("DID NOT RAISE"), ``NotImplementedError`` (a stub), whatever the submission raised
(rebuilt by :mod:`grader.isolation.runner`, or raised through the submission's own frames in
this process), and a Hypothesis failure whose cause is one of these. Anything else the test's
own code raised (a ``TypeError`` on what came back, an error in a strategy, a health check) may
be a bug of the test or caused by what the submission returned; :mod:`grader.engine` decides by
running the test on the reference solution.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import traceback
from collections.abc import Callable, Collection
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import errors as hypothesis_errors

from grader.isolation import runner
from grader.isolation.runner import CallTimeout, SubmissionError, WorkerCrashed

if sys.version_info < (3, 11):  # a builtin from 3.11; Hypothesis brings the backport before
    from exceptiongroup import BaseExceptionGroup

__all__ = ["FLAKY", "HYPOTHESIS_NAMES", "MESSAGE_LIMIT", "describe_failure",
           "describe_grader_error", "is_students", "sanitize", "source_lines"]

MESSAGE_LIMIT = 4000
FLAKY = "{function} gives different results on the same input (uses a random source other than the generator?)"
# Class names of Hypothesis's errors and of the groups it raises: none may reach an output.
HYPOTHESIS_NAMES = ("FlakyFailure", "FlakyReplay", "FlakyStrategyDefinition", "FlakyBackendFailure", "Flaky",
                    "FailedHealthCheck", "DeadlineExceeded", "InvalidArgument", "InvalidDefinition",
                    "ResolutionFailed", "Unsatisfiable", "UnsatisfiedAssumption", "HypothesisException",
                    "HypothesisDeprecationWarning", "HypothesisWarning", "DidNotReproduce", "InvalidState",
                    "MultipleFailures", "BaseExceptionGroup", "ExceptionGroup", "StopTest")

_FAILED = pytest.fail.Exception  # pytest.raises() that saw nothing, pytest.fail()
# Where a call goes into the submission: an exception raised in the runner (a rebuilt one, a
# timeout, a crash) or through the notebook's LocalSubmission is the submission's.
_RUNNER = os.path.abspath(runner.__file__)
_KERNEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notebook", "kernel.py")
# Hypothesis's notes worth a student's reading: the shrunk call and the values drawn in it. The
# rest ("Explanation", "while generating ... from <strategy>", "Failed to reproduce exception"
# with a traceback, "Unreliable test timings", @reproduce_failure) quote the test or Hypothesis.
_USEFUL_NOTES = ("Falsifying", "Failing test case", "Draw ")
_PLAIN = ((hypothesis_errors.FailedHealthCheck, "no usable example could be drawn (a health check failed)"),
          (hypothesis_errors.Unsatisfiable, "no example the test drew met its assumptions"),
          (hypothesis_errors.InvalidArgument, "a strategy of the test got an invalid argument"),
          (hypothesis_errors.Flaky, "it gives different results on the same input"),
          (hypothesis_errors.HypothesisException, "the test could not draw its examples"))

_TRACEBACK_HEADER = re.compile(r"(?:Exception Group )?Traceback \(most recent call last\):")
_TRACEBACK_LINE = re.compile(r"^[\s|+-]*(During handling of the above exception|The above exception was the direct"
                             r" cause|\+-+ [\d.]+ -+$|\+-+$|\.\.\. \d+ more exception)")
_FRAME = re.compile(r'^[\s|+-]*File "(?P<file>[^"]*)", line (?P<line>\d+)(?:, in (?P<name>.*))?\s*$')
_ABSOLUTE = re.compile(r"(?<![\w./~:-])/(?:[^\s/'\"(),:;<>\[\]{}]+/)+[^\s/'\"(),:;<>\[\]{}]*")
_UNDER_TESTS = re.compile(r"(?<![\w/.-])tests/[^\s'\"(),:;<>\[\]{}]*")
_HYPOTHESIS_NAME = re.compile(r"\b(?:hypothesis\.errors\.)?(?:" + "|".join(HYPOTHESIS_NAMES) + r")\b")
_SHORTEST_SOURCE_LINE = 12  # shorter lines (")", "x = 1") occur in any text by chance


def is_students(exc: BaseException, submission_file: str | None = None) -> bool:
    """Whether ``exc``, raised by a test, is surely the submission's failure.

    Args:
        submission_file: the submission module's file where it runs in this process (``dlgrade
            check``); None where it runs in a worker, whose exceptions come through the runner.
    """
    if isinstance(exc, BaseExceptionGroup):  # flaky, or several distinct failures: one of the student's
        return any(is_students(e, submission_file) for e in exc.exceptions)
    if isinstance(exc, (AssertionError, NotImplementedError, CallTimeout, WorkerCrashed, SubmissionError, _FAILED)):
        return True
    if isinstance(exc, hypothesis_errors.HypothesisException):
        return False
    missing = getattr(exc, "obj", None) if isinstance(exc, AttributeError) else None
    if isinstance(missing, ModuleType) and submission_file and _same_file(getattr(missing, "__file__", "") or "",
                                                                           submission_file):
        return True  # the submission module lacks the function
    files = [os.path.abspath(frame.f_code.co_filename) for frame, _ in traceback.walk_tb(exc.__traceback__)]
    if files and files[-1] == _RUNNER:
        return True
    return any(f == _KERNEL or (submission_file is not None and _same_file(f, submission_file)) for f in files)


def _same_file(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def describe_failure(exc: BaseException, function: str, *, submission_file: str | None = None,
                     hidden: Collection[str] = ()) -> str:
    """What a student reads of a failed test of ``function``: the failure and its shrunk example.

    An exception that is not surely the student's (:func:`is_students`) is told as "the test
    could not use what <function> returned: ..." (the engine asks so only after the reference
    solution passed the test).

    Args:
        submission_file: as for :func:`is_students`; its frames are the ones a traceback keeps.
        hidden: lines of the test's source (:func:`source_lines`), never shown.
    """
    own = Path(submission_file).name if submission_file else None
    return sanitize(_what(exc, function, submission_file), hidden, own)


def describe_grader_error(exc: BaseException, test: str, hidden: Collection[str] = ()) -> str:
    """What the instructor reads of ``test``, which failed on the reference solution too, by
    ``exc``: a first line naming the test, then Hypothesis's shrunk example where it has one."""
    if isinstance(exc, BaseExceptionGroup) and not isinstance(exc, hypothesis_errors.Flaky):
        exc = exc.exceptions[0]  # several distinct failures: the first tells the test is broken
    what = _headline(exc, "the reference", None) if is_students(exc) else _test_error(exc)
    return sanitize("\n".join([f"grader error: {test} fails on the reference solution too, so its points were "
                               f"given: {what}", *_notes(exc)]), hidden)


def _what(exc: BaseException, function: str, submission_file: str | None) -> str:
    notes = _notes(exc)
    if isinstance(exc, hypothesis_errors.Flaky):
        lines = [_headline(exc, function, submission_file)]
        first = next(iter(getattr(exc, "exceptions", ())), None)
        if first is not None:
            lines.append(f"one run failed with: {_headline(first, function, submission_file)}")
        return "\n".join(lines + notes)
    if isinstance(exc, BaseExceptionGroup):
        parts = [f"{len(exc.exceptions)} different failures:"]
        parts += [f"({i}) {_what(e, function, submission_file)}" for i, e in enumerate(exc.exceptions, 1)]
        return "\n".join(parts + notes)
    return "\n".join([_headline(exc, function, submission_file), *notes])


def _headline(exc: BaseException, function: str, submission_file: str | None) -> str:
    """The failure in one sentence, without Hypothesis's notes."""
    if isinstance(exc, NotImplementedError):
        return f"not attempted: {function} raises NotImplementedError"
    if isinstance(exc, hypothesis_errors.Flaky):
        return FLAKY.format(function=function)
    if isinstance(exc, (CallTimeout, WorkerCrashed, SubmissionError)):
        return str(exc)
    if isinstance(exc, _FAILED):
        missing = re.match(r"DID NOT RAISE (.+)", str(exc))
        if missing:
            names = re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", missing[1])
            return f"expected {names} to be raised, but nothing was raised"
        return str(exc) or "the test failed"
    if isinstance(exc, hypothesis_errors.DeadlineExceeded):
        took = re.match(r"Test took ([\d.]+)ms, which exceeds the deadline of ([\d.]+)ms", str(exc))
        return (f"{function} took {float(took[1]):.0f} ms on one example, over the test's limit of "
                f"{float(took[2]):.0f} ms" if took else f"{function} took longer than the test allows on one example")
    if not is_students(exc, submission_file):
        return f"the test could not use what {function} returned: {_test_error(exc)}"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _test_error(exc: BaseException) -> str:
    """An exception of the test's own code, in words of ours where Hypothesis raised it."""
    for kind, words in _PLAIN:
        if isinstance(exc, kind):
            return words
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _notes(exc: BaseException) -> list[str]:
    return [n for n in getattr(exc, "__notes__", ()) if isinstance(n, str) and n.startswith(_USEFUL_NOTES)]


def sanitize(text: str, hidden: Collection[str] = (), own_file: str | None = None) -> str:
    """``text`` with nothing of the grader's or the tests' internals, cut to MESSAGE_LIMIT.

    Takes out traceback headers and frames (a frame in ``own_file``, the submission's file name,
    stays as ``own_file, line N, in f`` with its code line), paths under ``tests/`` (as "<test
    file>"), the folders of every other absolute path (its file name stays), the lines of
    ``hidden`` (stripped, at least 12 characters) and Hypothesis's class names.
    """
    kept, skipping, frame_indent = [], False, 0
    hidden = {line for line in hidden if len(line) >= _SHORTEST_SOURCE_LINE}
    for line in _TRACEBACK_HEADER.sub("", text).splitlines():
        indent = len(line) - len(line.lstrip(" |+-"))
        if skipping and line.strip() and indent > frame_indent:
            continue  # the code line and ^^^ markers of a frame that is not the student's
        skipping = False
        frame = _FRAME.match(line)
        if frame:
            if own_file and Path(frame["file"]).name == own_file:
                kept.append(f"  {own_file}, line {frame['line']}" + (f", in {frame['name']}" if frame["name"] else ""))
            else:
                skipping, frame_indent = True, indent
            continue
        if _TRACEBACK_LINE.match(line) or line.strip() in hidden:
            continue
        kept.append(line)
    text = "\n".join(kept)
    text = _UNDER_TESTS.sub("<test file>", text)
    text = _ABSOLUTE.sub(lambda m: "<test file>" if "/tests/" in m[0] else m[0].rstrip("/").rsplit("/", 1)[-1], text)
    text = _HYPOTHESIS_NAME.sub("error", text)
    return text.strip()[:MESSAGE_LIMIT]


def source_lines(test: Callable) -> frozenset[str]:
    """The stripped lines of the module that defines ``test`` (empty if its source is unknown)."""
    module = sys.modules.get(getattr(test, "__module__", None) or "")
    try:
        source = inspect.getsource(module) if module is not None else ""
    except (OSError, TypeError):
        source = ""
    return frozenset(line.strip() for line in source.splitlines())
