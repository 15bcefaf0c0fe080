"""The submission protocol the engine calls, and a topic module imported into this process.

The engine runs tests against any :class:`Submission`: a worker's
(:class:`grader.isolation.runner.RemoteSubmission`), a notebook kernel's, or a module in this
process (:class:`InProcessSubmission`), without asking which. Importing a submission here is
only for a student's own code or the course's (``dlgrade check``, ``dlgrade validate``, plain
pytest): ``dlgrade grade`` never imports a submission into the grading process (see
:mod:`grader.isolation`).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

__all__ = ["InProcessSubmission", "Submission", "import_failure", "import_topic"]


class Submission(Protocol):
    """What the engine asks of a submission besides its public names (``submission.softmax``).

    Attributes:
        traceback_file: the file of the submission's code where its frames in a traceback are the
            student's own to show (in this process only; None elsewhere).
    """

    traceback_file: str | None

    def begin_test(self, function: str | None = None, seed: int | None = None, again: bool = False) -> None:
        """A test of ``function`` begins: forget earlier hangs, and with ``seed`` seed every global
        RNG the submission can reach before the test's first call. With ``again`` the test that
        just ran begins again (live, after its replay failed): a call that ran past the time
        limit in it may fail at once where it comes again, as it did."""

    def banned_calls(self) -> dict[str, list[str]]:
        """``{function: [banned API names]}`` seen called at run time while its tests ran."""


class InProcessSubmission:
    """A topic module imported into this process, as a :class:`Submission`.

    Its public names are the module's; run-time bans are not watched here (the static check
    still applies). ``begin_test`` seeds as a worker does.
    """

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        file = getattr(module, "__file__", None)
        self.traceback_file: str | None = file if isinstance(file, str) else None

    def begin_test(self, function: str | None = None, seed: int | None = None, again: bool = False) -> None:
        """Seed ``random``, NumPy's and torch's global RNGs with ``seed`` (if given); no call is
        timed here, so ``again`` changes nothing."""
        if seed is not None:
            from grader.isolation.worker import seed_rngs  # torch: only once there is something to run

            seed_rngs(seed)

    def banned_calls(self) -> dict[str, list[str]]:
        """Nothing: calls are not watched in this process."""
        return {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)

    def __repr__(self) -> str:
        return f"<submission {self.module.__name__}>"


def import_topic(path: Path, prefix: str = "submission") -> ModuleType:
    """Import ``path`` (a ``<topic>.py`` file) as a fresh module named ``<prefix>_<topic>``.

    Args:
        prefix: the module name's prefix; another one keeps two modules of one topic apart
            (the engine's reference solution beside a submission imported by ``dlgrade check``).

    Raises:
        FileNotFoundError: no such file.
        Exception: whatever importing the module raises (SyntaxError, ImportError, ...).
    """
    if not path.is_file():
        raise FileNotFoundError(f"no submission file {path}")
    name = f"{prefix}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a module up by name
    spec.loader.exec_module(module)
    return module


def import_failure(path: Path, exc: BaseException, shown: str | None = None) -> str:
    """One line saying why importing ``path`` raised ``exc``, at the line of ``path`` it comes from.

    ``solutions/softmax.py:12: SyntaxError: invalid syntax``; an exception raised deeper (in a
    module that ``path`` imports, or a function it calls at import) is placed at the line of
    ``path`` that led there. ``shown`` is how the file is named (default: ``path`` as given).
    """
    shown = shown or str(path)
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).resolve() == path.resolve():
        line, what = exc.lineno, exc.msg  # str(SyntaxError) repeats the file and line; msg does not
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()]
        line, what = (frames[-1].lineno if frames else None), str(exc)
    where = f"{shown}:{line}" if line else shown
    first = what.strip().splitlines()[0] if what and what.strip() else ""
    return f"{where}: {type(exc).__name__}: {first}" if first else f"{where}: {type(exc).__name__}"
