"""Audit a course's tests: grade every mutant, the catalog, the correct alternatives and the stub.

For each topic, :func:`audit` grades through the engine (:func:`grader.engine.grade_topic`, the
path ``dlgrade grade`` takes, with the recorded examples replayed and shrinking off, which
decides no pass or fail):

- each mutant generated from the reference (:mod:`grader.audit.generate`), on the tests of the
  public functions it affects only: it is *killed* where it loses points there;
- each mistake of the hand-written catalog (``tests/grader/mutants/<topic>.py``), on its function;
- the correct alternatives (``tests/grader/submissions/correct_*/<topic>.py``, the "wheats"),
  which must keep full marks, and the stub (``exercises/<topic>.py``), which must score 0.

``jobs`` processes grade at once; each result is kept in a :class:`grader.cache.ResultCache`
keyed by the topic's fingerprint, the functions graded and the mutant's source, so a second
audit after a test changed grades that topic only. Each survivor is then checked for
equivalence (:mod:`grader.audit.equivalence`), and matched against course.yml's accepted ones (audit.accepted).
"""

from __future__ import annotations

import hashlib
import importlib
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from grader.audit.accepted import AcceptedSurvivor, match_accepted
from grader.audit.equivalence import Equivalence, probably_equivalent
from grader.audit.generate import Mutant, mutants
from grader.cache import ResultCache, topic_fingerprint
from grader.collect import prepare
from grader.course import Course, Topic
from grader.engine import grade_topic, record_examples
from grader.replay import process_examples
from grader.scoring import TopicResult

__all__ = ["MutantOutcome", "TopicAudit", "audit"]


@dataclass(frozen=True)
class MutantOutcome:
    """A generated mutant graded: ``killed`` where it lost points; a survivor's ``equivalence``
    verdict, and the course.yml entry (audit.accepted) that ``accepted`` it (None: not listed)."""

    mutant: Mutant
    killed: bool
    equivalence: Equivalence | None = None
    accepted: AcceptedSurvivor | None = None

    @property
    def counts(self) -> bool:
        """A survivor that counts against the score: not equivalent and not accepted."""
        return not self.killed and not self.equivalent and self.accepted is None

    @property
    def equivalent(self) -> bool:
        return self.equivalence is not None and self.equivalence.equivalent


@dataclass(frozen=True)
class TopicAudit:
    """One topic's audit.

    Attributes:
        mutants: the generated mutants' outcomes, in the order generated.
        wheats: ``{correct alternative: whether it kept full marks}``.
        stub_zero: whether the stub scored 0.
        catalog: ``{catalog mutant: whether it lost points on its function}``.
        accepted_killed: course.yml's audit.accepted entries of this topic whose mutant the tests now kill.
        accepted_unmatched: course.yml's audit.accepted entries of this topic that name no generated mutant.
    """

    topic: str
    mutants: tuple[MutantOutcome, ...]
    wheats: dict[str, bool]
    stub_zero: bool
    catalog: dict[str, bool]
    accepted_killed: tuple[AcceptedSurvivor, ...] = ()
    accepted_unmatched: tuple[AcceptedSurvivor, ...] = ()

    def functions(self) -> list[str]:
        """The functions with mutants, in the order of the reference."""
        return list(dict.fromkeys(o.mutant.function for o in self.mutants))

    def outcomes(self, function: str | None = None) -> list[MutantOutcome]:
        """The outcomes of ``function``'s mutants (None: every mutant)."""
        return [o for o in self.mutants if function is None or o.mutant.function == function]


def audit(course: Course, topics: Sequence[str] | None = None, *, jobs: int = 1, device: str = "cpu",
          cache: Path | None = None, on_progress: Callable[[int, int], None] | None = None) -> list[TopicAudit]:
    """Audit ``topics`` (default: all) of ``course``; see the module's docstring.

    Args:
        jobs: processes grading at once.
        cache: folder of results (and recorded examples) kept between audits; None: none kept.
        on_progress: called with (done, total) as each grading finishes.

    Raises:
        CourseError: an unknown topic, or an invalid course.yml.
    """
    chosen = [course.topic(t) for t in topics] if topics else list(course.topics)
    accepted = course.audit.accepted
    unshrunk = course.with_settings(shrink=False)
    prepare(unshrunk)  # course.root on sys.path: the catalog is the course's tests' own package
    tasks = [task for topic in chosen for task in _tasks(unshrunk, topic, device)]
    with tempfile.TemporaryDirectory(prefix="dlgrade-audit-") as scratch, \
            ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
        examples = cache / "examples" if cache is not None else Path(scratch)
        list(pool.map(record_examples, *zip(*[(unshrunk, t, device, examples) for t in chosen])))
        results = _grade_all(pool, unshrunk, tasks, device, examples, cache, on_progress)
        survivors = {task.ident: pool.submit(_equivalence, unshrunk, task.topic, task.source, task.functions, device,
                                             examples)
                     for task in tasks if task.kind == "mutant" and not _lost_points(results[task.ident])}
        verdicts = {ident: future.result() for ident, future in survivors.items()}
    return [_topic_audit(t, [task for task in tasks if task.topic.id == t.id], results, verdicts, accepted)
            for t in chosen]


def _grade_all(pool: ProcessPoolExecutor, course: Course, tasks: list[_Task], device: str, examples: Path,
               cache: Path | None, on_progress: Callable[[int, int], None] | None) -> dict[tuple, TopicResult]:
    """Every task's result: from the cache, else graded in ``pool`` (and then cached)."""
    store = ResultCache(cache) if cache is not None else None
    fingerprints = {t.topic.id: topic_fingerprint(course, t.topic, device) for t in tasks}
    keys = {t.ident: t.key(fingerprints[t.topic.id]) for t in tasks}
    results: dict[tuple, TopicResult] = {}
    pending: dict[Future, _Task] = {}
    for task in tasks:
        hit = store.get(keys[task.ident]) if store is not None else None
        if hit is not None:
            results[task.ident] = hit
        else:
            pending[pool.submit(_grade, course, task.topic, task.source, task.functions, device, examples)] = task
    for future in as_completed(pending):
        task = pending[future]
        results[task.ident] = future.result()
        if store is not None:
            store.put(keys[task.ident], results[task.ident])
        if on_progress is not None:
            on_progress(len(results), len(tasks))
    return results


@dataclass(frozen=True)
class _Task:
    """One grading: a ``kind`` of submission (mutant, catalog, wheat, stub) named ``name``."""

    topic: Topic
    kind: str
    name: str
    source: str
    functions: tuple[str, ...] | None
    mutant: Mutant | None = None

    @property
    def ident(self) -> tuple[str, str, str]:
        return self.topic.id, self.kind, self.name

    def key(self, fingerprint: str) -> str:
        graded = "\0".join(self.functions) if self.functions is not None else "<all>"
        return hashlib.sha256(f"audit\0{fingerprint}\0{graded}\0{self.source}".encode()).hexdigest()


def _tasks(course: Course, topic: Topic, device: str) -> list[_Task]:
    """What to grade for ``topic``: its generated mutants, its catalog, its wheats and its stub."""
    root = course.root
    reference = (root / "solutions" / f"{topic.id}.py").read_text(encoding="utf-8")
    tasks = [_Task(topic, "mutant", m.id, m.source, m.affects, m)
             for m in mutants(reference, list(topic.functions), filename=f"solutions/{topic.id}.py")]
    for name, (function, source) in _catalog(topic, device).items():
        tasks.append(_Task(topic, "catalog", name, source, (function,)))
    for folder in sorted((root / "tests" / "grader" / "submissions").glob("correct_*")):
        if (folder / f"{topic.id}.py").is_file():
            tasks.append(_Task(topic, "wheat", folder.name, (folder / f"{topic.id}.py").read_text(encoding="utf-8"), None))
    stub = (root / "exercises" / f"{topic.id}.py").read_text(encoding="utf-8")
    return [*tasks, _Task(topic, "stub", "stub", stub, None)]


def _catalog(topic: Topic, device: str) -> dict[str, tuple[str, str]]:
    """``{name: (function, whole module source)}`` of the topic's hand-written mistakes (none
    where the course has no catalog); those marked CUDA_ONLY only on a CUDA device."""
    try:
        package = importlib.import_module("tests.grader.mutants")
        module = importlib.import_module(f"tests.grader.mutants.{topic.id}")
    except ModuleNotFoundError:
        return {}
    cuda_only = getattr(module, "CUDA_ONLY", set()) if not device.startswith("cuda") else set()
    return {name: (function, package.mutant_source(topic.id, name))
            for name, (function, _) in package.catalog(topic.id).items() if name not in cuda_only}


def _grade(course: Course, topic: Topic, source: str, functions: tuple[str, ...] | None, device: str,
           examples: Path) -> TopicResult:
    """Grade ``source`` as a student's ``<topic>.py`` (in a pool process)."""
    with tempfile.TemporaryDirectory(prefix="dlgrade-audit-") as folder:
        path = Path(folder) / f"{topic.id}.py"
        path.write_text(source, encoding="utf-8")
        return grade_topic(course, topic, path, device, set(functions) if functions is not None else None,
                           examples=process_examples(course, device, examples))


def _equivalence(course: Course, topic: Topic, source: str, functions: tuple[str, ...], device: str,
                 examples: Path) -> Equivalence:
    return probably_equivalent(course, topic, source, functions, process_examples(course, device, examples))


def _lost_points(result: TopicResult) -> bool:
    return result.status != "graded" or result.score < result.max_score


def _topic_audit(topic: Topic, tasks: list[_Task], results: dict, verdicts: dict[tuple, Equivalence],
                 accepted: Sequence[AcceptedSurvivor]) -> TopicAudit:
    mutant_tasks = [t for t in tasks if t.kind == "mutant"]
    killed = {t.name: _lost_points(results[t.ident]) for t in mutant_tasks}
    matched = match_accepted(topic.id, killed, accepted)
    outcomes = tuple(MutantOutcome(t.mutant, killed[t.name], verdicts.get(t.ident), matched.survivors.get(t.name))
                     for t in mutant_tasks)
    wheats = {t.name: _full_marks(results[t.ident]) for t in tasks if t.kind == "wheat"}
    stub = next(results[t.ident] for t in tasks if t.kind == "stub")
    catalog = {t.name: _lost_points(results[t.ident]) for t in tasks if t.kind == "catalog"}
    return TopicAudit(topic.id, outcomes, wheats, not any(r.passed and not r.grader_error for r in stub.tests),
                      catalog, matched.killed, matched.unmatched)


def _full_marks(result: TopicResult) -> bool:
    return result.status == "graded" and all(t.passed for t in result.tests)
