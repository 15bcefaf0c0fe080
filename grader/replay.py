"""Generate once, replay per student: a Hypothesis test's examples, drawn once per topic.

Grading is derandomized, so the examples a property-based test draws do not depend on the
submission until the test fails: every student who passes gets the same inputs. This module
runs each ``@given`` test of a topic once, under Hypothesis as grading runs it, against the
reference solution, and records each example's arguments and, in order with their labels, what
the test drew interactively (``data.draw``). A student's run then calls the test's body on the
recorded examples directly, without Hypothesis's engine or strategies. Only where an example
fails, or behaves in any way other than it did on the reference (an assumption rejected or
not, more or fewer draws, another label), does the engine run the test live under Hypothesis,
as it always did, which draws the same examples, finds the same first failure and shrinks it.
So a score and its message are what a live run gives, at the cost of calling the student's code.

A test whose draws may depend on what the submission returned (a draw after the first use of
``submission``) is never replayed, nor one that fails on the reference or whose examples cannot
be copied. Recorded examples are objects this process drew: they never come from a worker, and
each use gets a deep copy, so no run sees another's mutation.

:class:`Examples` keeps a topic's recordings for a grading process and, given a folder (the
result cache's), on disk under the topic's fingerprint, so that the next run and the other
grading processes reuse them.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import pickle
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from hypothesis.errors import HypothesisDeprecationWarning, StopTest, UnsatisfiedAssumption
from hypothesis.internal import entropy
from hypothesis.internal.reflection import function_digest
from hypothesis.strategies._internal.core import DataObject

from grader.cache import topic_fingerprint
from grader.collect import CourseTest, with_marks
from grader.course import Course, Topic
from grader.drawn import fresh_copy, objects_in, shares
from grader.report import atomic_write

__all__ = ["Example", "Examples", "Recording", "process_examples", "record", "replay", "seed_torch"]


@dataclass(frozen=True)
class Example:
    """One example a test ran on the reference: its drawn arguments (an ``st.data()`` argument
    as None), its interactive draws as ``(label, value)`` in order, and how it ended:
    ``"passed"``, ``"rejected"`` (``assume``) or ``"stopped"`` (Hypothesis ended it at a draw
    that ran out of data; that draw is not among ``draws``)."""

    kwargs: dict[str, Any]
    draws: tuple[tuple[str | None, Any], ...]
    outcome: str


@dataclass(frozen=True)
class Recording:
    """The examples of one test in the order Hypothesis ran them; ``data`` names the test's
    ``st.data()`` arguments."""

    examples: tuple[Example, ...]
    data: tuple[str, ...]


class _Divergence(BaseException):
    """A replayed test drew other than on the reference: it must run live. A BaseException, so
    that no ``except Exception`` of a test's own swallows it."""


class _Stopped(BaseException):
    """A replayed test reached the draw at which Hypothesis stopped it on the reference."""


class _NotReplayable(BaseException):
    """A test drew after using the submission: what it draws may depend on what it returned.
    A BaseException, so Hypothesis passes it up at once instead of shrinking it as a failure."""


def seed_torch(device: torch.device, seed: int) -> None:
    """Seed this process's torch generators that a test on ``device`` draws from with ``seed``:
    the CPU generator, and every CUDA device's where ``device`` is one, as the engine seeds each
    test and :func:`record` seeds the reference's run.

    Not ``torch.manual_seed``: it also queues seeds for CUDA, XPU and MTIA devices that a test on
    the CPU never uses, formatting this deep stack for each (1.3 ms a call, 8 % of a student's
    grading time in the grading process).
    """
    torch.random.default_generator.manual_seed(seed)
    if device.type == "cuda":
        torch.cuda.manual_seed_all(seed)


def record(test: CourseTest, reference: Any, device: torch.device, seed: int) -> Recording | None:
    """Run ``test`` under Hypothesis against the ``reference`` module and record its examples.

    Seeded as the engine seeds a test (torch's global RNG with ``seed``), and with the same
    Hypothesis settings and seed, so Hypothesis draws exactly what it draws for a student.

    Returns:
        The recording, or None where the test cannot be replayed: not ``@given``, fails on the
        reference, draws after using the submission, or draws something that cannot be copied.
    """
    given = test.given
    if given is None:
        return None
    inner = given.hypothesis.inner_test
    examples: list[Example] = []
    data_names: set[str] = set()
    watched = _Watched(reference)
    replayable = True

    def recorder(*args: Any, **kwargs: Any) -> None:
        nonlocal replayable
        drawn = {name: value for name, value in kwargs.items() if name not in ("submission", "device")}
        data = {name for name, value in drawn.items() if isinstance(value, DataObject)}
        data_names.update(data)
        draws: list[tuple[str | None, Any]] = []
        values = {name: None if name in data else value for name, value in drawn.items()}
        try:
            snapshot = copy.deepcopy(values)
        except Exception:  # a value that cannot be copied cannot be replayed to anyone
            replayable = False
            snapshot = {}
        # A strategy of @given may hand out a module's own tensors by identity: never copied. Both
        # sets are taken now, while every object in them is alive, so equal ids are one object.
        if shares(objects_in(values), objects_in(getattr(given.hypothesis, "_given_kwargs", None))):
            replayable = False
        for name in data:
            kwargs[name] = _RecordingData(kwargs[name], draws, watched)
        watched.used = False
        outcome = "passed"
        try:
            inner(*args, **kwargs)
        except UnsatisfiedAssumption:
            outcome = "rejected"
            raise
        except StopTest:
            outcome = "stopped"
            raise
        finally:
            examples.append(Example(snapshot, tuple(draws), outcome))

    hypothesis_seed = test.seed if test.seed is not None else int.from_bytes(function_digest(inner), "big")
    seed_torch(device, seed)
    given.hypothesis.inner_test = recorder
    try:
        with with_marks(given, hypothesis_seed):
            given(**{name: {"submission": watched, "device": device}[name] for name in test.fixtures})
    except (Exception, _NotReplayable):  # a failure on the reference is the live run's to report
        return None
    finally:
        given.hypothesis.inner_test = inner
    return Recording(tuple(examples), tuple(sorted(data_names))) if replayable else None


def replay(test: CourseTest, recording: Recording, fixtures: Mapping[str, Any],
           on_error: Callable[[BaseException], None] | None = None) -> bool:
    """Run ``test``'s body with ``fixtures`` (``submission``, ``device``) on each recorded
    example, without Hypothesis.

    Each example runs as Hypothesis runs one (Python's and every registered global RNG seeded
    with 0 for its duration) on a fresh deep copy of its arguments.

    Args:
        on_error: called with what an example raised, where one raised (a hang, a failure).

    Returns:
        True if every example behaved as on the reference; False at the first that did not
        (it failed, raised, ended otherwise or drew otherwise): the test must run live.
    """
    inner = test.given.hypothesis.inner_test
    with _seeded_per_example() as reseed, warnings.catch_warnings():
        # assume() outside Hypothesis's engine warns, and still raises as inside it
        warnings.simplefilter("ignore", HypothesisDeprecationWarning)
        for example in recording.examples:
            reseed()
            kwargs = fresh_copy(example.kwargs)
            # Test functions take one st.data() argument at most in practice; several share the draws.
            data = _ReplayData(example.draws, stops=example.outcome == "stopped")
            kwargs.update({name: data for name in recording.data})
            try:
                inner(**fixtures, **kwargs)
                outcome = "passed"
            except UnsatisfiedAssumption:
                outcome = "rejected"
            except _Stopped:
                outcome = "stopped"
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                if on_error is not None:
                    on_error(exc)
                return False
            if outcome != example.outcome or not data.exhausted:
                return False
    return True


@contextlib.contextmanager
def _seeded_per_example() -> Iterator[Callable[[], None]]:
    """Hypothesis's ``deterministic_PRNG`` once for a test's examples, and a function that puts
    every RNG it manages (Python's ``random``, Hypothesis's own, any registered with
    ``register_random``) back to the seeded state before each example: what the engine's
    per-example context gives a test body, without saving, hashing and restoring each RNG's
    state around every example (a tenth of a replay's time)."""
    with entropy.deterministic_PRNG():
        managed = list(entropy.RANDOMS_TO_MANAGE.values())
        seeded = [rng.getstate() for rng in managed]

        def reseed() -> None:
            for rng, state in zip(managed, seeded):
                rng.setstate(state)

        yield reseed


class _Watched:
    """The reference module as a test sees it while recording; notes any use of its names."""

    def __init__(self, module: Any) -> None:
        self._module, self.used = module, False

    def __getattr__(self, name: str) -> Any:
        self.used = True
        return getattr(self._module, name)


class _RecordingData:
    """Hypothesis's ``data`` object, noting each draw's label and a copy of its value."""

    def __init__(self, data: DataObject, draws: list, watched: _Watched) -> None:
        self._data, self._draws, self._watched = data, draws, watched

    def draw(self, strategy: Any, label: Any = None) -> Any:
        if self._watched.used:
            raise _NotReplayable
        value = self._data.draw(strategy, label)
        if shares(objects_in(value), objects_in(strategy)):  # e.g. st.permutations(the test's own tensors)
            raise _NotReplayable
        self._draws.append((label, copy.deepcopy(value)))
        return value


class _ReplayData:
    """A ``data`` object that returns the recorded draws in order, if asked for them in order;
    with ``stops``, the draw after the last ends the example as Hypothesis ended it."""

    def __init__(self, draws: tuple[tuple[str | None, Any], ...], stops: bool) -> None:
        self._draws, self._stops, self._next = draws, stops, 0

    @property
    def exhausted(self) -> bool:
        return self._next == len(self._draws)

    def draw(self, strategy: Any, label: Any = None) -> Any:
        if self._next == len(self._draws) and self._stops:
            raise _Stopped
        if self._next == len(self._draws) or self._draws[self._next][0] != label:
            raise _Divergence
        value = self._draws[self._next][1]
        self._next += 1
        return fresh_copy(value)


class Examples:
    """The recordings of each topic's tests, made once per grading process (or read from disk).

    Args:
        course: the course; its tests and reference solutions are recorded.
        device: the device the tests run on (a recording holds what the tests drew there).
        folder: where recordings are kept between processes and runs (None: in memory only).
            A file there is named by the topic's fingerprint (:func:`grader.cache.topic_fingerprint`),
            which covers everything that decides what a test draws; an unreadable one is recorded again.
    """

    def __init__(self, course: Course, device: str, folder: Path | None = None) -> None:
        self.course, self.device, self.folder = course, device, folder
        self._topics: dict[str, dict[str, Recording]] = {}
        self._names: dict[str, str] = {}  # topic id -> file name under its fingerprint

    def for_topic(self, topic: Topic, tests: Sequence[CourseTest],
                  reference: Callable[[], Any]) -> dict[str, Recording]:
        """``{test name: recording}`` of ``topic``'s replayable tests, recorded on first use.

        The topic's files are fingerprinted once per instance (a run), not once per student."""
        if topic.id not in self._names:
            # Pickles of torch's objects are read back by the same Python and torch only.
            key = hashlib.sha256(f"{topic_fingerprint(self.course, topic, self.device)}\0{sys.version}".encode())
            self._names[topic.id] = f"{topic.id}-{key.hexdigest()[:32]}"
        name = self._names[topic.id]
        if name not in self._topics:
            self._topics[name] = self._load(name) or self._record(name, tests, reference)
        return self._topics[name]

    def _load(self, name: str) -> dict[str, Recording] | None:
        if self.folder is None or not (path := self.folder / f"{name}.pickle").is_file():
            return None
        try:  # written by a grading process of this course, never by a worker
            with path.open("rb") as file:
                recordings = pickle.load(file)
        except Exception:
            return None
        return recordings if isinstance(recordings, dict) else None

    def _record(self, name: str, tests: Sequence[CourseTest], reference: Callable[[], Any]) -> dict[str, Recording]:
        device, module = torch.device(self.device), reference()
        recordings = {}
        for test in tests:
            recording = record(test, module, device, self.course.settings.seed)
            if recording is not None:
                recordings[test.name] = recording
        if self.folder is not None:
            buffer = io.BytesIO()
            try:
                _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(recordings)
            except Exception:  # a draw pickle cannot hold: each process records it for itself
                return recordings
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / f"{name}.pickle", buffer.getvalue())
        return recordings


class _Pickler(pickle.Pickler):
    """Pickles a tensor's ``.grad`` too (torch's pickling drops it; a test may draw parameters
    with their gradients, as sgd's do)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, torch.Tensor) and obj.grad is not None:
            return _with_grad, (obj.detach(), obj.requires_grad, obj.grad)
        return NotImplemented


def _with_grad(data: torch.Tensor, requires_grad: bool, grad: torch.Tensor) -> torch.Tensor:
    data.requires_grad_(requires_grad)
    data.grad = grad
    return data


_PROCESS_EXAMPLES: dict[tuple[str, str, Path | None], Examples] = {}


def process_examples(course: Course, device: str, folder: Path | None) -> Examples:
    """This process's :class:`Examples` for ``course``'s settings, ``device`` and ``folder``: a
    pool process reads a topic's recordings once, not once per student it grades."""
    key = (device, course.settings.model_dump_json(), folder)
    if key not in _PROCESS_EXAMPLES:
        _PROCESS_EXAMPLES[key] = Examples(course, device, folder)
    return _PROCESS_EXAMPLES[key]
