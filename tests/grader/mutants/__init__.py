"""The catalog of plausible mistakes, one module per topic: ``MUTANTS = {name: (function, code)}``.

A mutant is the reference module with one function redefined by ``code`` (appended, so it
shadows the reference's definition): every mutant is one wrong function, like a student's
submission with one mistake. ``tests/grader/test_mutants.py`` grades each one and checks that
it loses points on that function only.
"""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parents[3]

__all__ = ["catalog", "mutant_source"]


def catalog(topic: str) -> dict[str, tuple[str, str]]:
    """``{mutant name: (function it breaks, code)}`` for ``topic``."""
    return importlib.import_module(f"{__name__}.{topic}").MUTANTS


def mutant_source(topic: str, name: str) -> str:
    """The source of a whole ``<topic>.py`` submission holding mutant ``name``."""
    reference = (COURSE_ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
    return reference + "\n\n# --- mutant: " + name + "\n" + textwrap.dedent(catalog(topic)[name][1])
