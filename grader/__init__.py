"""dlgrade: auto-graded exercises for the fundamentals of Dive into Deep Learning (PyTorch).

The library under the ``dlgrade`` command: load a course, grade a class of submissions into a
:class:`Report`, check a student's work, validate a course.
"""

import importlib

from grader.course import Course, Topic, find_course, load_course
from grader.errors import CourseError, DeviceError, DlgradeError, SubmissionsError
from grader.grading import grade
from grader.report import write_report
from grader.scoring import Report, StudentResult, TestResult, TopicResult

# These need torch, imported on first use: a command that needs none (a regrade that finds
# every result in the cache) starts in a fraction of a second.
_LAZY = {"TopicValidation": "grader.checks", "check": "grader.checks", "validate": "grader.checks",
         "grade_topic": "grader.engine"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")

__all__ = [
    "Course",
    "CourseError",
    "DeviceError",
    "DlgradeError",
    "Report",
    "StudentResult",
    "SubmissionsError",
    "TestResult",
    "Topic",
    "TopicResult",
    "TopicValidation",
    "check",
    "find_course",
    "grade",
    "grade_topic",
    "load_course",
    "validate",
    "write_report",
]
