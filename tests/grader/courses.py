"""Copies of the course for tests of the engine's mechanics.

A test of the cache, the CLI or the Dask backend compares gradings with each other, not with
the scores of the real course.yml: a copy with fewer Hypothesis examples, shorter limits or
fewer topics grades the same way in a fraction of the time. ``ENGINE`` are such settings.
"""

import shutil
from pathlib import Path

import yaml

COURSE_ROOT = Path(__file__).resolve().parents[2]
# Few examples, short limits: enough for a wrong function to fail, a fraction of the time.
ENGINE = {"max_examples": 5, "call_timeout_s": 2.0, "import_timeout_s": 10.0, "topic_timeout_s": 60.0}


def course_copy(dest: Path, settings: dict | None = None, topics: list[str] | None = None) -> Path:
    """Write a copy of the course under ``dest``; return its course.yml.

    ``settings`` update course.yml's, ``topics`` (ids) keep only those topics. The exercises,
    solutions and tests are copied (without the grader's own tests and caches), so a test may
    change them.
    """
    dest.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((COURSE_ROOT / "course.yml").read_text(encoding="utf-8"))
    data["settings"].update(settings or {})
    if topics is not None:
        data["topics"] = [t for t in data["topics"] if t["id"] in topics]
        if "audit" in data:  # an accepted survivor must name a topic of the course
            data["audit"]["accepted"] = [a for a in data["audit"].get("accepted", []) if a["topic"] in topics]
    (dest / "course.yml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    for name in ("exercises", "solutions", "tests"):
        shutil.copytree(COURSE_ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "grader"))
    return dest / "course.yml"
