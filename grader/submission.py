"""Import a submission's topic module in this process (``dlgrade check``, plain pytest).

Only for a student's own code or the course's: ``dlgrade grade`` never imports a submission
into the grading process (see :mod:`grader.isolation`).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType

__all__ = ["import_failure", "import_topic"]


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
