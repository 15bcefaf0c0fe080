"""Never grade the same thing twice: each student-topic's result, keyed by what decides it.

The key of a student-topic is a SHA-256 over

- the topic's fingerprint: the engine's source (``grader/``), the torch and Hypothesis
  versions (from the installed packages' metadata: a lookup imports neither), the device,
  course.yml's settings (the secret grading seed included: only its hash reaches the key; not
  where it runs, nor how much feedback shows), the topic's entry, and the files its tests read:
  its public and hidden test modules, its reference solution and the shared test support
  (``tests/*.py``);
- the submission file's bytes (or that it is missing) and its ``<topic>.notes``.

So a regrade after one student resubmits grades that student's changed topics only, after a
test changes only that topic, and a run stopped by Ctrl-C or ``kill -9`` resumes with every
student-topic it finished: each result is written, atomically, the moment it arrives.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from functools import cache
from pathlib import Path

from grader.course import Course, Topic
from grader.machine import package_versions
from grader.report import atomic_write
from grader.scoring import TestResult, TopicResult

__all__ = ["ResultCache", "engine_fingerprint", "topic_fingerprint"]

_ENGINE = Path(__file__).resolve().parent


class ResultCache:
    """TopicResults in ``folder/<key[:2]>/<key>.json``; an unreadable entry is a miss."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def keys(self, course: Course, tasks: list[tuple[Path, Topic]], device: str) -> dict[tuple[Path, str], str]:
        """The key of grading each ``(submission folder, topic)`` on ``device``, read now: the
        files that decide a result may change between runs."""
        topics = {t.id: t for _, t in tasks}
        fingerprints = {name: topic_fingerprint(course, topic, device) for name, topic in topics.items()}
        return {(folder, topic.id): _submission_key(fingerprints[topic.id], folder / f"{topic.id}.py")
                for folder, topic in tasks}

    def get(self, key: str) -> TopicResult | None:
        """The result stored under ``key``, or None."""
        try:
            record = json.loads(self._path(key).read_text(encoding="utf-8"))
            return TopicResult(**{**record, "tests": tuple(TestResult(**t) for t in record["tests"])})
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, result: TopicResult) -> None:
        """Store ``result`` under ``key`` (atomically: a reader sees all of it or nothing)."""
        self._path(key).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self._path(key), json.dumps(asdict(result), ensure_ascii=False))

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"


def _submission_key(topic_fingerprint: str, path: Path) -> str:
    digest = hashlib.sha256(topic_fingerprint.encode())
    for file in (path, path.with_suffix(".notes")):
        digest.update(b"\0" + (file.read_bytes() if file.is_file() else b"<absent>"))
    return digest.hexdigest()


def topic_fingerprint(course: Course, topic: Topic, device: str) -> str:
    """SHA-256 over everything but the submission that decides a result of ``topic`` on
    ``device`` (see the module's docstring)."""
    root = course.root
    files = [root / "tests" / "public" / f"test_{topic.id}.py", root / "tests" / "hidden" / f"test_{topic.id}_props.py",
             root / "solutions" / f"{topic.id}.py", *sorted((root / "tests").glob("*.py"))]
    digest = hashlib.sha256(engine_fingerprint().encode())
    # Where it runs and how much feedback shows decide nothing in a result.
    settings = course.settings.model_dump_json(exclude={"scheduler", "hidden_feedback"})
    parts = [*package_versions().values(), device, settings, topic.model_dump_json()]
    for part in parts:
        digest.update(b"\0" + part.encode())
    for file in files:
        digest.update(b"\0" + str(file.relative_to(root)).encode() + b"\0"
                      + (file.read_bytes() if file.is_file() else b"<absent>"))
    return digest.hexdigest()


@cache
def engine_fingerprint() -> str:
    """SHA-256 over the engine's source (``grader/**/*.py``): a result depends on it."""
    digest = hashlib.sha256()
    for file in sorted(_ENGINE.rglob("*.py")):
        digest.update(str(file.relative_to(_ENGINE)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()
