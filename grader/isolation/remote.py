"""What the tests hold of a submission while it is graded: proxies of objects that live in its worker.

:class:`RemoteSubmission` is the ``submission`` object of the tests; its functions, and the
objects they return (a ``Dropout`` module, a ``data_iter`` iterator), are proxies whose every use
is a round trip to the :class:`~grader.isolation.runner.Worker` that imported the student's code.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.isolation.runner import Worker

__all__ = ["CallTimeout", "CircuitBreaker", "RemoteFunction", "RemoteMethod", "RemoteObject", "RemoteSubmission", "SubmissionError",
           "WorkerCrashed"]


class SubmissionError(Exception):
    """The submission raised something a test cannot expect (SystemExit, a BaseException)."""


class CallTimeout(Exception):
    """A call into the submission ran past its time limit; the worker was killed."""


class WorkerCrashed(Exception):
    """The worker died during a call (os._exit, a signal) or broke the protocol."""


class CircuitBreaker:
    """One test's record of the submission's functions that hung or crashed: each fails at once
    for the rest of the test, and gets a fresh chance in the next.

    It also counts each function's calls from the test's start. Where a test runs again (live,
    after its replay failed), the call that ran past the time limit in the run before fails at
    once where it comes again: both runs call alike up to it, so it would hang again.

    Attributes:
        failed: ``{function: what its calls raise for the rest of the test}``.
    """

    def __init__(self) -> None:
        self.failed: dict[str, BaseException] = {}
        self._calls: dict[str, int] = {}
        self._hung: dict[str, tuple[int, BaseException]] = {}  # {function: (its call that hung, what it raised)}
        self._hangs_again: dict[str, tuple[int, BaseException]] = {}

    def begin_test(self, again: bool = False) -> None:
        """A test begins; with ``again``, the one that just ran, again."""
        self._hangs_again = self._hung if again else {}
        self.failed.clear()
        self._calls.clear()
        self._hung = {}

    def hangs_again(self, function: str) -> bool:
        """Count a call of ``function``; True (and ``function`` failed) if it is the call that
        hung in the run before."""
        call = self._calls[function] = self._calls.get(function, 0) + 1
        hang = self._hangs_again.get(function)
        if hang is not None and hang[0] == call:
            self.failed[function] = hang[1]
            return True
        return False

    def fail(self, function: str, exc: BaseException, timed_out: bool) -> None:
        """``function``'s current call raised ``exc``: it hung (``timed_out``) or crashed."""
        self.failed[function] = exc
        if timed_out:
            self._hung[function] = self._calls[function], exc


class RemoteSubmission:
    """The ``submission`` object of the tests when grading: the topic's public names, remote.

    ``submission.softmax(O)`` sends O to the worker, calls the student's ``softmax`` there and
    returns the rebuilt result.
    """

    traceback_file = None  # the worker's tracebacks are sanitized there, against the student's file name

    def __init__(self, worker: Worker, topic: str) -> None:
        self._worker, self._topic = worker, topic
        self._breaker = CircuitBreaker()

    def begin_test(self, function: str | None = None, seed: int | None = None, again: bool = False) -> None:
        """Forget which functions hung or crashed: each test gives them a fresh chance.
        Calls from now on are made for ``function``'s tests: its banned calls are watched.
        With ``seed``, the worker seeds its global RNGs (``random``, NumPy, torch) with it when
        the test's first call reaches it, as the engine seeds torch here.

        With ``again``, the test that just ran begins again (run live after its replay failed):
        the call that ran past the time limit in it fails at once where it comes again, and the
        worker is restarted, as after the hang (:class:`CircuitBreaker`)."""
        self._breaker.begin_test(again)
        self._worker.function = function
        if seed is not None:
            self._worker.seed, self._worker.reseed = seed, True

    def banned_calls(self) -> dict[str, list[str]]:
        """``{function: [banned API names]}`` the worker saw called while that function's tests ran."""
        return {f: sorted(names) for f, names in self._worker.banned_calls.items()}

    def __getattr__(self, name: str) -> RemoteFunction:
        if name.startswith("_") or name not in self._worker.public:
            raise AttributeError(f"the submission's {self._topic}.py defines no {name!r}")
        return RemoteFunction(self, name)

    def __repr__(self) -> str:
        return f"<submission {self._topic}>"


class RemoteFunction:
    """A public function (or class) of the submission; calling it is a call into the worker."""

    def __init__(self, submission: RemoteSubmission, name: str) -> None:
        self._submission, self._name = submission, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        worker, breaker, name = self._submission._worker, self._submission._breaker, self._name
        if name not in breaker.failed:
            if breaker.hangs_again(name):
                worker.stop()
            else:
                try:
                    return worker.request({"op": "call", "attr": name}, list(args), kwargs, {})
                except (CallTimeout, WorkerCrashed) as exc:
                    breaker.fail(name, type(exc)(f"{name}: {exc}"), timed_out=isinstance(exc, CallTimeout))
        # One raise site, outside the except: Hypothesis tells failures apart by where they were
        # raised and what they were raised during, so the first hang and its repeats must agree
        # there, or a hang is reported as flaky.
        raise type(breaker.failed[name])(*breaker.failed[name].args)

    def __repr__(self) -> str:
        return f"<submission's {self._name}>"


class RemoteObject:
    """An object that lives in the worker (a ``Dropout`` module, a ``data_iter`` iterator).

    ``obj.name`` asks the worker for the attribute, except for the methods of the object's
    class, whose call (``obj.train()``) is one round trip. An iterator consumed whole by
    ``list()`` or ``tuple()`` is fetched in one round trip; its items come out one by one as
    they would have, an exception raised after the k-th item after the k-th item.
    """

    def __init__(self, worker: Worker, handle: int, kind: str, type_name: str) -> None:
        self._worker, self._handle, self._kind, self._type = worker, handle, kind, type_name
        self._methods: frozenset[str] = frozenset()
        self._ahead: deque = deque()  # items drained but not yet taken
        self._raised: BaseException | None = None  # what ``__next__`` raises after them
        self._more = False  # the last drain stopped early: the next item is drained too

    def _call(self, attr: str | None, args: tuple, kwargs: dict) -> Any:
        return self._worker.request({"op": "call", "handle": self._handle, "attr": attr}, list(args), kwargs, {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._methods:
            return RemoteMethod(self, name)
        return self._worker.request({"op": "getattr", "handle": self._handle, "attr": name}, [], {}, {})

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(None, args, kwargs)

    def __iter__(self) -> Any:
        return self if self._kind == "iterator" else self._call("__iter__", (), {})

    def __next__(self) -> Any:
        if not self._ahead and self._raised is None and self._more:
            self._drain()
        if self._ahead:
            return self._ahead.popleft()
        if self._raised is not None:
            raised, self._raised = self._raised, None
            raise raised
        return self._call("__next__", (), {})

    def __length_hint__(self) -> Any:
        """Asked by ``list()`` and ``tuple()`` before they take every item: drain the iterator
        now (NotImplemented, so they guess, for an object that is not an iterator)."""
        if self._kind != "iterator":
            return NotImplemented
        if not self._ahead and self._raised is None:
            try:
                self._drain()
            except (CallTimeout, WorkerCrashed):
                raise
            except Exception:  # no drain here (the worker says why): item by item, as before
                return NotImplemented
        return len(self._ahead)

    def _drain(self) -> None:
        items, self._raised, self._more = self._worker.drain(self._handle)
        self._ahead.extend(items)

    def __repr__(self) -> str:
        return f"<{self._type} in the submission>"


class RemoteMethod:
    """A method of a :class:`RemoteObject` (``layer.train``): calling it is one call into the
    worker, which looks the method up and calls it, as fetching it and calling that would."""

    def __init__(self, obj: RemoteObject, name: str) -> None:
        self._obj, self._name = obj, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        header = {"op": "call", "handle": self._obj._handle, "method": self._name}
        return self._obj._worker.request(header, list(args), kwargs, {})

    def __repr__(self) -> str:
        return f"<method {self._name} of {self._obj!r}>"
