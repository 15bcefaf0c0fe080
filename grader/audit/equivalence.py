"""Is a surviving mutant probably equivalent to the reference? Ask the topic's own tests' inputs.

A mutant that no test kills is either a gap in the tests or a rewrite that computes the same
thing (``alpha * x`` for ``x * alpha``). To tell them apart without a prover, the topic's tests
of the functions the mutant affects are run once more in this process, on the examples recorded
on the reference (:mod:`grader.replay`; a test that cannot be replayed runs live, drawing the
same examples), with a ``submission`` that calls *both* the reference and the mutant for each
call the test makes (:class:`PairedSubmission`). Each pair of calls starts from the same global
RNG state and from equal copies of the arguments, and must end alike:

- both raise the same exception type, or both return equal values: tensors of the same dtype,
  shape and device whose values agree to 1e-12 in float64 (to 1e-5 in a lower precision, where
  the call is made once more with every floating argument promoted to float64, and compared
  there to 1e-12), the same ``requires_grad`` and ``.grad``; an iterator's items; equal plain
  values;
- the arguments are left equal (what one changes in place, the other does too), and an output
  is an argument itself (or a view of it) for both or for neither.

The test then goes on with the reference's results, so it draws and checks exactly as it did on
the reference. The mutant is probably equivalent when every test ran to its end, at least
:data:`MIN_CALLS` calls were compared, and no pair differed. Anything else (a difference, a test
that failed, a value that cannot be copied, a run past the time limit) says "not equivalent":
the audit then counts the survivor, the safe side. Both modules are the course's reference and a
mutant of it, imported and run in this process.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import itertools
import math
import random
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from grader.collect import CourseTest, collect_tests
from grader.course import Course, Topic
from grader.replay import Examples, replay
from grader.submission import InProcessSubmission, import_topic

__all__ = ["MIN_CALLS", "Equivalence", "PairedSubmission", "probably_equivalent"]

MIN_CALLS = 10
"""Fewer compared calls than this decide nothing: not equivalent."""

_ITEMS = 100_000  # an iterator longer than this is compared on its first items only


@dataclass(frozen=True)
class Equivalence:
    """The verdict on one mutant: ``equivalent``, the number of ``calls`` compared, and ``reason``
    (why not, or what was compared)."""

    equivalent: bool
    calls: int
    reason: str


def probably_equivalent(course: Course, topic: Topic, source: str, functions: tuple[str, ...],
                        examples: Examples, timeout_s: float = 120.0) -> Equivalence:
    """Run ``topic``'s tests of ``functions`` with a :class:`PairedSubmission` of the reference
    and the mutant module ``source`` (see the module's docstring).

    Args:
        examples: the recorded examples the tests replay (recorded on first use).
        timeout_s: wall-clock limit for all the tests (a mutant may loop on some input): past
            it, not equivalent.
    """
    tests = collect_tests(course, topic)
    reference = _reference(course, topic)
    recordings = examples.for_topic(topic, tests, lambda: reference)
    with tempfile.TemporaryDirectory(prefix="dlgrade-audit-") as folder:
        path = Path(folder) / f"{topic.id}.py"
        path.write_text(source, encoding="utf-8")
        try:
            mutant = import_topic(path, prefix="dlgrade_audit_mutant")
        except Exception as exc:
            return Equivalence(False, 0, f"the mutant does not import: {type(exc).__name__}")
        paired = PairedSubmission(reference, mutant)
        try:
            with _deadline(timeout_s):
                for test in (t for t in tests if t.function in functions):
                    problem = _run(test, paired, recordings.get(test.name), course.settings.seed)
                    if problem or paired.difference:
                        return Equivalence(False, paired.calls, paired.difference or problem)
        except _TimedOut:
            return Equivalence(False, paired.calls, f"the tests ran past {timeout_s:g} s")
        finally:
            sys.modules.pop(mutant.__name__, None)
    if paired.calls < MIN_CALLS:
        return Equivalence(False, paired.calls, f"only {paired.calls} calls compared (fewer than {MIN_CALLS})")
    return Equivalence(True, paired.calls, f"the same results on {paired.calls} calls")


def _run(test: CourseTest, paired: PairedSubmission, recording: Any, seed: int) -> str:
    """Run one test on ``paired``: replayed where it has a recording, else live. Returns what
    went wrong ("" if nothing)."""
    fixtures = {name: {"submission": paired, "device": torch.device("cpu")}[name] for name in test.fixtures}
    paired.begin_test(test.function, seed)
    errors: list[BaseException] = []
    try:
        if recording is not None:
            if not replay(test, recording, fixtures, errors.append):
                error = f": {type(errors[0]).__name__}" if errors else ""
                return f"{test.name} did not replay as on the reference{error}"
        else:
            test.run(**fixtures)
    except (_TimedOut, KeyboardInterrupt):
        raise
    except BaseException as exc:  # pytest.fail's Failed is a BaseException too
        return f"{test.name} failed on the pair: {type(exc).__name__}"
    return ""


@functools.cache
def _reference_module(path: Path) -> ModuleType:
    return import_topic(path, prefix="dlgrade_audit_reference")


def _reference(course: Course, topic: Topic) -> ModuleType:
    return _reference_module(course.root / "solutions" / f"{topic.id}.py")


class PairedSubmission(InProcessSubmission):
    """A submission whose every public name calls the reference and the mutant alike, compares
    what they did and returns the reference's result (``begin_test`` seeds and nothing is
    watched, as :class:`InProcessSubmission`).

    Attributes:
        calls: pairs of calls compared so far.
        difference: the first difference found ("" while none).
    """

    def __init__(self, reference: ModuleType, mutant: ModuleType) -> None:
        super().__init__(reference)
        self.traceback_file = None  # a failure is the pair's, never attributed to one file
        self._reference, self._mutant = reference, mutant
        self.calls, self.difference = 0, ""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.pair(name, getattr(self._reference, name), getattr(self._mutant, name))

    def pair(self, what: str, ours: Any, theirs: Any) -> Any:
        """``ours`` (the reference's) as the test sees it: a callable calls both; an object of a
        class of the reference module is paired; anything else is compared, and ours returned."""
        if isinstance(ours, ModuleType) or not callable(ours):
            self._note(what, _same(ours, theirs))
            return ours
        return functools.partial(self._call, what, ours, theirs)

    def _call(self, what: str, ours: Callable, theirs: Callable, *args: Any, **kwargs: Any) -> Any:
        try:
            copied = copy.deepcopy((args, kwargs))
        except Exception:
            self._note(what, "its arguments cannot be copied")
            return ours(*args, **kwargs)
        start = _rng_states()
        result, raised = _called(ours, args, kwargs)
        after = _rng_states()
        _set_rng_states(start)
        other, other_raised = _called(theirs, *copied)
        self.calls += 1
        if type(raised) is not type(other_raised):
            self._note(what, f"raised {type(raised).__name__} where the reference raised {type(other_raised).__name__}")
        elif raised is None:
            self._note(what, _same(result, other) or _same((args, kwargs), copied, "the arguments after the call")
                       or _same(_aliases(result, (args, kwargs)), _aliases(other, copied), "which outputs are inputs"))
            self._compare_in_float64(what, ours, theirs, copied, start)
        _set_rng_states(after)
        if raised is not None:
            raise raised
        if isinstance(result, _Items):  # the test gets an iterator, as the reference gave
            return iter(result)
        if type(result).__module__ == self._reference.__name__:
            return _PairedObject(self, what, result, other)
        return result

    def _compare_in_float64(self, what: str, ours: Callable, theirs: Callable, arguments: Any,
                            start: Any) -> None:
        """Where a floating argument is not float64, call both again with float64 arguments."""
        if not _has_low_precision(arguments):
            return
        try:
            promoted = [_to_float64(copy.deepcopy(arguments)) for _ in range(2)]
        except Exception:
            return
        outputs = []
        for function, (args, kwargs) in zip((ours, theirs), promoted):
            _set_rng_states(start)
            outputs.append(_called(function, args, kwargs))
        (result, raised), (other, other_raised) = outputs
        if type(raised) is not type(other_raised):
            self._note(what, "in float64: they raise differently")
        elif raised is None:
            self._note(what, _same(result, other, "in float64: the result"))

    def _note(self, what: str, difference: str) -> None:
        if difference and not self.difference:
            self.difference = f"{what}: {difference}"


class _PairedObject:
    """An object made by the reference (a module's instance), paired with the mutant's."""

    def __init__(self, paired: PairedSubmission, what: str, ours: Any, theirs: Any) -> None:
        self._paired, self._what, self._ours, self._theirs = paired, what, ours, theirs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._paired._call(f"{self._what}(...)", self._ours, self._theirs, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._paired.pair(f"{self._what}.{name}", getattr(self._ours, name), getattr(self._theirs, name))


def _called(function: Callable, args: tuple, kwargs: dict) -> tuple[Any, BaseException | None]:
    """What ``function`` returned (an iterator's items, as a list) or raised."""
    try:
        result = function(*args, **kwargs)
        if isinstance(result, Iterator) and not isinstance(result, torch.Tensor):
            result = _Items(itertools.islice(result, _ITEMS))
        return result, None
    except Exception as exc:
        return None, exc


class _Items(list):
    """The items of an iterator a function returned, taken at once so that both can be compared."""


def _same(a: Any, b: Any, what: str = "the result") -> str:
    """"" if ``a`` and ``b`` are equal as the module's docstring says; else what differs."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return _same_tensor(a, b, what)
    if type(a) is not type(b):
        return f"{what}: {type(b).__name__} where the reference gives {type(a).__name__}"
    if isinstance(a, (list, tuple)):  # _Items too
        if len(a) != len(b):
            return f"{what}: {len(b)} items where the reference gives {len(a)}"
        return next((d for x, y in zip(a, b) if (d := _same(x, y, what))), "")
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return f"{what}: other keys"
        return next((d for k in a if (d := _same(a[k], b[k], what))), "")
    if isinstance(a, float):
        return "" if math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b)) \
            else f"{what}: {b!r} where the reference gives {a!r}"
    if isinstance(a, torch.Generator):
        return _same(a.get_state(), b.get_state(), f"{what} (a generator's state)")
    if callable(a):
        return "" if getattr(a, "__qualname__", None) == getattr(b, "__qualname__", None) else f"{what}: another function"
    try:
        equal = a == b
    except Exception:
        equal = False
    if isinstance(equal, bool):
        return "" if equal else f"{what}: differs"
    return _same(vars(a), vars(b), what) if hasattr(a, "__dict__") and hasattr(b, "__dict__") else f"{what}: differs"


def _same_tensor(a: Any, b: Any, what: str) -> str:
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return f"{what}: {type(b).__name__} where the reference gives {type(a).__name__}"
    for attribute in ("dtype", "shape", "device", "requires_grad"):
        if getattr(a, attribute) != getattr(b, attribute):
            return f"{what}: {attribute} {getattr(b, attribute)} where the reference gives {getattr(a, attribute)}"
    x, y = a.detach().cpu(), b.detach().cpu()
    if x.is_floating_point() or x.is_complex():
        tight = x.dtype in (torch.float64, torch.complex128)
        wide = x.to(torch.complex128) if x.is_complex() else x.double()
        other = y.to(torch.complex128) if y.is_complex() else y.double()
        close = torch.allclose(wide, other, rtol=1e-12 if tight else 1e-5, atol=1e-12 if tight else 1e-6,
                               equal_nan=True)
    else:
        close = torch.equal(x, y)
    if not close:
        return f"{what}: other values"
    if a.is_leaf and b.is_leaf and (a.grad is not None or b.grad is not None):
        return _same(a.grad, b.grad, f"{what}'s .grad")
    return ""


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def _aliases(result: Any, arguments: Any) -> list[int | None]:
    """For each output tensor, the index of the argument tensor whose memory it shares (None: its own)."""
    inputs = [t for t in _tensors(arguments) if t.numel()]
    pointers = [t.untyped_storage().data_ptr() for t in inputs]
    return [pointers.index(t.untyped_storage().data_ptr())
            if t.numel() and t.untyped_storage().data_ptr() in pointers else None for t in _tensors(result)]


def _has_low_precision(value: Any) -> bool:
    return any(t.is_floating_point() and t.dtype != torch.float64 for t in _tensors(value))


def _to_float64(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        if not value.is_floating_point():
            return value
        promoted = value.detach().double()
        return promoted.requires_grad_(value.requires_grad) if value.is_leaf else promoted
    if isinstance(value, (list, tuple)):
        return type(value)(_to_float64(v) for v in value)
    if isinstance(value, dict):
        return {k: _to_float64(v) for k, v in value.items()}
    return value


def _rng_states() -> tuple[Any, ...]:
    return random.getstate(), torch.get_rng_state()


def _set_rng_states(states: tuple[Any, ...]) -> None:
    random.setstate(states[0])
    torch.set_rng_state(states[1])


class _TimedOut(BaseException):
    """The tests ran past their time limit (a BaseException: no test's ``except`` swallows it)."""


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`_TimedOut` in this (main) thread after ``seconds`` of wall clock."""
    def expire(signum: int, frame: Any) -> None:
        raise _TimedOut

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
