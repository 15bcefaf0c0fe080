"""What no feedback file or CLI output may hold: :func:`assert_no_leak`, for every corpus's test.

A student reads the failure (expected vs got, the shrunk example), never the grader's
internals: a traceback or one of its frames, a path (absolute, or under ``tests/``), a line of
a hidden test's source, or Hypothesis's own error names and texts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from grader.failures import HYPOTHESIS_NAMES

__all__ = ["assert_no_leak", "hidden_source_lines", "leaks"]

COURSE_ROOT = Path(__file__).resolve().parents[2]
MIN_LINE = 30  # shorter lines of a test may occur in feedback by chance ("assert_close(actual, expected)")
_FORBIDDEN = [
    (re.compile(r"Traceback \(most recent call last\)"), "a traceback"),
    (re.compile(r'File "[^"\n]*", line \d+'), "a traceback's frame"),
    (re.compile(r"(?<![\w./~:-])/(?:[\w.@+-]+/)+[\w.@+-]+"), "an absolute path"),
    (re.compile(r"(?<![\w/.-])tests/"), "a path under tests/"),
    (re.compile(r"\b(?:" + "|".join(HYPOTHESIS_NAMES) + r")\b"), "a Hypothesis error's name"),
    (re.compile(r"hypothesis\.errors|produces unreliable results|reproduce_failure|Unreliable test timings"
                r"|Failed to reproduce|while generating|Explanation:|These lines were always"), "Hypothesis's own text"),
]


@functools.cache
def hidden_source_lines(root: Path = COURSE_ROOT) -> frozenset[str]:
    """The stripped lines, at least MIN_LINE long, of the hidden tests under ``root/tests/hidden``."""
    return frozenset(line.strip() for path in sorted((root / "tests" / "hidden").glob("*.py"))
                     for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) >= MIN_LINE)


def leaks(text: str, sources: Iterable[Path] = (), allow: Iterable[str] = ()) -> list[str]:
    """What ``text`` shows that it must not: one line per finding, with the text around it.

    Args:
        sources: more files whose lines count as hidden test source (besides the course's
            hidden tests).
        allow: strings the text may hold, taken out before looking: the folders a command
            was told to write to (``--out``), which the CLI names.
    """
    for part in allow:
        text = text.replace(part, "<allowed>")
    found = [f"{what}: ...{text[max(m.start() - 60, 0):m.end() + 60]!r}..."
             for pattern, what in _FORBIDDEN for m in pattern.finditer(text)]
    lines = set(hidden_source_lines())
    for path in sources:
        lines |= {s for s in (line.strip() for line in path.read_text(encoding="utf-8").splitlines()) if len(s) >= MIN_LINE}
    return found + [f"a line of a hidden test's source: {line!r}" for line in sorted(lines) if line in text]


def assert_no_leak(text: str, where: str = "output", sources: Iterable[Path] = (), allow: Iterable[str] = ()) -> None:
    """Fail, naming ``where`` and each finding, if ``text`` (a feedback file, CLI output, a
    message) holds a traceback, a path, a hidden test's line or Hypothesis's internals (:func:`leaks`)."""
    found = leaks(text, sources, allow)
    assert not found, f"{where} shows the grader's internals:\n" + "\n".join(found[:10])
