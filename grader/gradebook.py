"""A grades folder (what ``dlgrade grade --out`` wrote) read back as a :class:`~grader.scoring.Report`.

Every command that works from a grading run (``dlgrade export``, ``report``, ``gradescope``)
starts here, so a gradebook.json that is not dlgrade's stops it with one line naming the file,
never a traceback. The document is validated with pydantic against grader.md's schema (extra
keys welcome, as the schema says).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from grader.errors import GradesError
from grader.scoring import STATUSES, Report, StudentResult, TestResult, TopicResult

__all__ = ["read_gradebook"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=False)


class _Test(_Model):
    name: str
    function: str
    visibility: Literal["public", "hidden"]
    passed: bool
    weight: float
    message: str = ""
    grader_error: bool = False


class _Topic(_Model):
    id: str
    score: float
    max_score: float
    status: Literal[STATUSES]  # type: ignore[valid-type]
    message: str = ""
    notes: str = ""
    tests: list[_Test]


class _Student(_Model):
    id: str
    total: float
    max_points: float
    topics: list[_Topic]


class _Gradebook(_Model):
    course: str
    device: str
    max_points: float
    seeded: bool = False
    hidden_feedback: Literal["full", "property", "score"] = "full"
    sandbox: str = "none"
    students: list[_Student]


def read_gradebook(grades: Path) -> Report:
    """The run recorded in ``grades`` (a grades folder, or its gradebook.json itself).

    Returns a :class:`Report` equal to the one that wrote the file (topic ``seconds`` aside,
    which gradebook.json does not keep).

    Raises:
        GradesError: no gradebook.json there, it is not JSON, or it does not follow grader.md's
            schema (the message names the file and the first field that is wrong).
    """
    path = grades / "gradebook.json" if grades.is_dir() else grades
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GradesError(f"{path}: cannot read a gradebook.json ({exc.strerror or exc})") from None
    try:
        document = _Gradebook.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise GradesError(f"{path}: not a dlgrade gradebook.json ({where}: {first['msg']})") from None
    return Report(
        course=document.course, device=document.device, seeded=document.seeded,
        hidden_feedback=document.hidden_feedback, sandbox=document.sandbox,
        students=tuple(StudentResult(s.id, tuple(
            TopicResult(t.id, t.status, t.max_score, tuple(TestResult(**x.model_dump()) for x in t.tests),
                        t.message, notes=t.notes) for t in s.topics)) for s in document.students))
