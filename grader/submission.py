"""Import a submission's topic module in this process (``dlgrade check``, plain pytest).

Only for a student's own code or the course's: ``dlgrade grade`` never imports a submission
into the grading process (see :mod:`grader.isolation`).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["import_topic"]


def import_topic(path: Path) -> ModuleType:
    """Import ``path`` (a ``<topic>.py`` file) as a fresh module named ``submission_<topic>``.

    Raises:
        FileNotFoundError: no such file.
        Exception: whatever importing the module raises (SyntaxError, ImportError, ...).
    """
    if not path.is_file():
        raise FileNotFoundError(f"no submission file {path}")
    name = f"submission_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a module up by name
    spec.loader.exec_module(module)
    return module
