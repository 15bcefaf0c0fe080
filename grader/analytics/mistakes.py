"""The class's failures grouped into common mistakes: the same function, property and cause.

A test's name is the property it checks (``test_softmax_rows_sum_to_one``). Within one test, two
students made the same mistake when their failure messages say the same thing once the values
in them are normalised away (numbers, tensors, lists and shapes of numbers, object addresses):
Hypothesis shrinks each student's counterexample separately, so the same bug reads
``expected shape (3, 2), got (2, 2)`` for one and ``expected shape (2,), got (1,)`` for another.
``nan`` and ``inf`` are kept: an overflow is a different mistake from a wrong value.

Failures that say why a test could not judge the property are not mistakes of the property and
are counted per topic instead (:func:`failure_kind`): a topic that is missing, failed to import,
timed out or crashed; a stub not attempted; a banned call; a call that hung or crashed the
submission's process.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from grader.scoring import Report

__all__ = ["KINDS", "Mistake", "common_mistakes", "expected_and_got", "failure_kind", "normalise"]

# The kinds of failure that are counted per topic (grader/scoring.py's statuses other than
# graded, then what a test's message says), in the order a report shows them.
KINDS = ("missing", "import_error", "timeout", "crashed", "banned", "not_attempted")

# Each pattern matches the start of the message one place of the engine writes, named beside it;
# a message may start with the function's name (grader/isolation/remote.py adds it to a hang).
_KIND_PATTERNS = (
    # grader/engine.py run_tests (static check, BannedCall.__str__) and _charge_banned_calls (tripwire)
    ("banned", re.compile(r"[\w.]+ (?:uses an? (?:banned|reference to the grader)|called banned |"
                          r"tampered with the grader while it ran)")),
    # grader/isolation/runner.py CallTimeout; grader/engine.py's topic deadline
    ("timeout", re.compile(r"(?:[\w.]+: )?no answer within [\d.]+ s \(killed\)|not run: the topic's time limit")),
    # grader/isolation/runner.py WorkerCrashed (_death, the memory watch)
    ("crashed", re.compile(r"(?:[\w.]+: )?the submission's process (?:used|was killed|exited|closed)")),
    # grader/failures.py _headline for NotImplementedError
    ("not_attempted", re.compile(r"not attempted: ")),
)
# Hypothesis's notes that follow the failure: the shrunk call and its draws (grader/failures.py).
_NOTES = re.compile(r"^(?:Failing test case|Falsifying example|Draw \d+)", re.MULTILINE)
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?(?![\w])", re.IGNORECASE)
_ADDRESS = re.compile(r"\b0x[0-9a-f]+\b", re.IGNORECASE)
# A list or tuple of values already normalised: [#, #], (#,), [[…], […]]
_SEQUENCE = re.compile(r"(?<!tensor)[\[(]\s*(?:#|…|nan|inf)(?:\s*,\s*(?:#|…|nan|inf))*\s*,?\s*[\])]")
_EXPECTED_GOT = re.compile(r"\bexpected\s(?P<expected>[^\n]+?)[,;]?\s+got\s")
_BLOCK = re.compile(r"^expected:\s*(?P<expected>.+?)\n\s*actual:\s*(?P<got>.+)", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Mistake:
    """Students whose code broke one property (``test``) of ``function`` in the same way.

    ``pattern`` is the failure with its values normalised away (what the students share);
    ``example`` the shortest message among them (the smallest shrunk counterexample), and
    ``expected``/``got`` what it says was expected and what came back ("" where it does not
    say). ``points`` is what the mistake cost the class: the test's weight times the students.
    """

    topic: str
    function: str
    test: str
    visibility: str
    students: tuple[str, ...]
    pattern: str
    example: str
    expected: str
    got: str
    points: float

    @property
    def size(self) -> int:
        """How many students made the mistake."""
        return len(self.students)


def failure_kind(message: str) -> str | None:
    """The kind of a failed test's ``message`` that is counted rather than grouped (one of
    ``banned``, ``timeout``, ``crashed``, ``not_attempted``), or None for a broken property."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.match(message):
            return kind
    return None


def normalise(message: str) -> str:
    """What ``message`` says without its values: the failure before Hypothesis's notes, with
    tensors as ``tensor(…)`` (``tensor(…nan…)`` where one holds nan or inf), numbers as ``#``,
    sequences of numbers as ``…``, object addresses as ``0x…`` and runs of spaces as one."""
    text = _NOTES.split(message, maxsplit=1)[0]
    text = _ADDRESS.sub("0x…", _tensors(text))
    text = _NUMBER.sub("#", text)
    previous = None
    while previous != text:  # innermost sequences first: [[#, #], [#, #]] -> […, …] -> …
        previous, text = text, _SEQUENCE.sub("…", text)
    return " ".join(text.split())


def _tensors(text: str) -> str:
    """``text`` with each ``tensor(...)`` repr (parentheses balanced) as ``tensor(…)``."""
    out, start = [], 0
    for match in re.finditer(r"\btensor\(", text):
        if match.start() < start:
            continue  # inside a tensor already replaced
        depth, end = 0, match.end() - 1
        while end < len(text):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
            end += 1
        inner = text[match.end():end].lower()
        special = "…nan…" if "nan" in inner else "…inf…" if "inf" in inner else "…"
        out += [text[start:match.start()], f"tensor({special})"]
        start = end + 1
    return "".join(out) + text[start:]


def expected_and_got(message: str) -> tuple[str, str]:
    """What ``message`` says was expected and what came back, or ``("", "")`` where it does
    not say. Reads torch's ``expected: ... actual: ...`` block where there is one, else the
    first ``expected X, got Y`` of the failure (before Hypothesis's notes); a ``Y`` that is a
    tensor or a list runs to its closing bracket, over several lines if it takes them."""
    failure = _NOTES.split(message, maxsplit=1)[0].rstrip()
    block = _BLOCK.search(failure)
    if block:
        return block["expected"].strip(), block["got"].strip()
    match = _EXPECTED_GOT.search(failure)
    if not match:
        return "", ""
    return match["expected"].strip(), _value_at(failure, match.end())


def _value_at(text: str, start: int) -> str:
    """The value written at ``text[start:]``, to the end of its line; where a bracket opens on
    that line and closes on a later one (a tensor's repr), to the end of the closing line."""
    end = _line_end(text, start)
    opening = min((i for i in (text.find(b, start, end) for b in "([{") if i >= 0), default=-1)
    depth = 0
    for i in range(max(opening, start), len(text) if opening >= 0 else start):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(text[i], 0)
        if depth == 0:
            end = max(end, _line_end(text, i))
            break
    return text[start:end].strip()


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def common_mistakes(report: Report) -> list[Mistake]:
    """The failures of ``report``'s graded topics grouped into mistakes, largest first.

    A failure belongs to a group by its topic, function, test and :func:`normalise`d message;
    failures of topics not graded (missing, import_error, timeout, crashed), grader errors and
    the kinds of :func:`failure_kind` are left out (a report counts them per topic). Ties in
    size go to the mistake that cost the class more points, then to course order.
    """
    groups: dict[tuple[str, str, str, str], list[tuple[str, str, float, str]]] = defaultdict(list)
    order: dict[tuple[str, str, str, str], int] = {}
    for student in report.students:
        for topic in student.topics:
            if topic.status != "graded":
                continue
            for test in topic.tests:
                if test.passed or test.grader_error or failure_kind(test.message):
                    continue
                key = (topic.id, test.function, test.name, normalise(test.message))
                order.setdefault(key, len(order))
                groups[key].append((student.id, test.message, test.weight, test.visibility))
    mistakes = []
    for key, failures in groups.items():
        topic, function, test, pattern = key
        example = min((message for _, message, _, _ in failures), key=lambda m: (len(m), m))
        expected, got = expected_and_got(example)
        mistakes.append(Mistake(topic, function, test, failures[0][3], tuple(s for s, _, _, _ in failures), pattern,
                                example, expected, got, round(sum(w for _, _, w, _ in failures), 4)))
    return sorted(mistakes, key=lambda m: (-m.size, -m.points, order[(m.topic, m.function, m.test, m.pattern)]))
