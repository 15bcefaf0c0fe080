"""Pairs of students whose code for a topic is suspiciously similar (winnowing, with copydetect).

Per topic, every two students' ``<topic>.py`` are compared with copydetect, the MOSS-style
detector: the code is tokenized (names become ``V``/``F``/``O``, strings ``S``, comments and
whitespace vanish, so renaming variables or reformatting changes nothing), cut into k-grams of
``NOISE_CHARS`` filtered characters, and the k-grams both files share are found; the course's
stub ``exercises/<topic>.py`` is boilerplate, its k-grams never count (signatures, docstrings
and ``__all__`` that every student keeps). A pair's similarity is, for each student, the
fraction of their own (non-stub) code found in the other's; its score is the larger of the two,
so a short submission copied into a longer one is caught from the short side.

Every k-gram is kept (copydetect's guarantee threshold = noise threshold, window 1): winnowing
with a larger window picks the k-grams by the value of Python's salted ``hash()``, which would
make the scores change from run to run.

Measured (k = 25, score = the larger share; copydetect 0.5.0; the stub as the only boilerplate
unless said):

- Independent honest code, every pair per topic of correct_a, correct_b, solutions/ and the real
  public code under tests/grader/submissions (real_pytorch, real_numpy_style, real_mlfromscratch,
  real_d2l, real_wrong_*), less the pairs of one origin: 70 pairs, median 0.11, 90th percentile
  0.24, max 0.41 (norms, correct_a vs real_numpy_style: the same formulas, written alike).
- Code from one public source: both from d2l's own code (correct_a's dropout and sgd are "the
  d2l way", real_d2l is the book's) 0.45-0.90; real_wrong_dask vs real_numpy_style (the same
  scikit-learn functions) 0.95. Such pairs are flagged, rightly: the code is the same. Give
  the book's code with ``boilerplate`` and they no longer count.
- The sample class examples/class is not independent: each of its files is a copy of
  correct_a's or correct_b's, byte for byte or with the student's mistake edited in, so with the
  stub alone 172 of its 619 pairs score 1.0. With correct_a and correct_b as boilerplate (what
  the class was built from), what each student wrote is compared: max 0.43 (emma and mia's xavier
  both call ``W.uniform_(-bound, bound)``), every other pair 0.
- A copy with every local name renamed, the functions in reverse order and ``ast.unparse``'s
  layout (tests/grader/similarity/disguise.py), of each of 42 independent files: min 0.74, 10th
  percentile 0.79 (reordering only breaks the k-grams that span two functions).
- Other k: at 15, honest pairs reach 0.50 (90th percentile 0.43) and copies 0.84 at the least,
  the same gap as at 25 with the honest pairs crowded nearer to it; at 40, honest pairs reach
  0.32 but copies fall to 0.54, a gap of 0.22. Hence copydetect's default, k = 25.

Hence ``DEFAULT_THRESHOLD`` = 0.6: 0.17 above the highest honest pair measured, 0.14 below the
lowest disguised copy. A flagged pair is a lead to read, not a verdict. A student who wrote
only a line or two (the rest left as the stub) has a tiny denominator, so one shared idiom can
score high: the report shows the characters shared next to the score.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from markupsafe import Markup

from grader.course import Course
from grader.grading import student_folders

__all__ = ["DEFAULT_THRESHOLD", "NOISE_CHARS", "Pair", "Similarity", "TopicComparison", "find_similar"]

DEFAULT_THRESHOLD = 0.6
NOISE_CHARS = 25  # copydetect's default noise threshold: shorter matches are idioms, not copies


@dataclass(frozen=True)
class Pair:
    """Two students' code for one topic, compared.

    Attributes:
        topic: the topic id.
        students: the two student ids (folder names, hostile text), sorted.
        similarity: for each student, the fraction in [0, 1] of their non-stub code found in the
            other's.
        overlap: filtered characters (tokens) the first student shares with the second.
        code: each student's source as HTML: escaped, shared parts in ``<mark>``.
    """

    topic: str
    students: tuple[str, str]
    similarity: tuple[float, float]
    overlap: int
    code: tuple[Markup, Markup]

    @property
    def score(self) -> float:
        """The larger similarity of the two, in [0, 1]."""
        return max(self.similarity)


@dataclass(frozen=True)
class TopicComparison:
    """What was compared for one topic: ``students`` with the file, ``pairs`` = C(students, 2)."""

    topic: str
    students: int
    pairs: int


@dataclass(frozen=True)
class Similarity:
    """The result of :func:`find_similar`.

    Attributes:
        threshold: the score at or above which a pair is flagged.
        topics: per topic compared, how many students and pairs.
        pairs: the flagged pairs, highest score first.
    """

    threshold: float
    topics: tuple[TopicComparison, ...]
    pairs: tuple[Pair, ...]


def find_similar(course: Course, submissions: Path, *, topics: Sequence[str] | None = None,
                 threshold: float = DEFAULT_THRESHOLD, boilerplate: Sequence[Path] = ()) -> Similarity:
    """Compare every two students' code for each topic and keep the pairs scoring ``threshold`` or more.

    Args:
        course: the course, whose ``exercises/<topic>.py`` stubs are the boilerplate.
        submissions: one folder per student holding some ``<topic>.py`` files.
        topics: topic ids to compare (default: every topic of the course).
        threshold: score in [0, 1] from which a pair is flagged; 0 keeps every pair.
        boilerplate: more folders of code every student may use (the lectures', the book's):
            their ``<topic>.py`` files count as the stub does, as nothing.

    Raises:
        SubmissionsError: ``submissions`` is not a folder.
        CourseError: a topic the course does not have.
        ValueError: ``threshold`` outside [0, 1].
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold={threshold} is not in [0, 1]")
    folders = student_folders(submissions)
    chosen = [course.topic(t).id for t in topics] if topics else [t.id for t in course.topics]
    compared, flagged = [], []
    for topic in chosen:
        prints = _fingerprints(course, folders, topic, boilerplate)
        compared.append(TopicComparison(topic, len(prints), len(prints) * (len(prints) - 1) // 2))
        for (a, fa), (b, fb) in combinations(prints.items(), 2):
            pair = _compare(topic, a, fa, b, fb, threshold)
            if pair is not None:
                flagged.append(pair)
    flagged.sort(key=lambda p: (-p.score, p.topic, p.students))
    return Similarity(threshold, tuple(compared), tuple(flagged))


def _fingerprints(course: Course, folders: list[Path], topic: str, boilerplate: Sequence[Path]) -> dict:
    """``{student: CodeFingerprint}`` of each student who has ``<topic>.py``, the boilerplate's k-grams removed."""
    from copydetect import CodeFingerprint  # pulls in matplotlib and tqdm: only for this command

    name = f"{topic}.py"  # the lexer is chosen by this name, never by a folder a student named
    given = [course.root / "exercises" / name, *(Path(b) / name for b in boilerplate)]
    hashes = set().union(*(CodeFingerprint(name, NOISE_CHARS, 1, fp=io.StringIO(_read(p))).hashes
                           for p in given if p.is_file()))
    common = np.array(sorted(hashes))
    prints = {}
    for folder in folders:
        path = folder / name
        # a link could show the instructor's own files (its target) in the report
        if path.is_file() and not path.is_symlink():
            prints[folder.name] = CodeFingerprint(name, NOISE_CHARS, 1, common, fp=io.StringIO(_read(path)))
    return prints


def _read(path: Path) -> str:
    """The file's text; bytes that are not UTF-8 become U+FFFD, so such a file is still compared."""
    return path.read_bytes().decode("utf-8", errors="replace")


def _compare(topic: str, a: str, fa, b: str, fb, threshold: float) -> Pair | None:
    """The pair (a, b) if its score reaches ``threshold``, with its highlighted code; else None."""
    from copydetect import compare_files

    overlap, similarity, slices = compare_files(fa, fb)
    similarity = (float(similarity[0]), float(similarity[1]))
    if max(similarity) < threshold:
        return None
    code = (_highlight(fa.raw_code, slices[0]), _highlight(fb.raw_code, slices[1]))
    return Pair(topic, (a, b), similarity, int(overlap), code)


def _highlight(code: str, slices: np.ndarray) -> Markup:
    """``code`` as escaped HTML with the shared ``slices`` (2 x N: starts, ends) in ``<mark>``."""
    from copydetect.utils import highlight_overlap

    if slices.size == 0:  # nothing shared (threshold 0): highlight_overlap would warn
        return Markup.escape(code)
    html, _ = highlight_overlap(code, slices, "<mark>", "</mark>", escape_html=True)
    return Markup(html)  # every piece of the student's text was escaped by markupsafe in there
