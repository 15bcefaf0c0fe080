"""dlgrade: auto-graded exercises for the fundamentals of Dive into Deep Learning (PyTorch).

The library under the ``dlgrade`` command: load a course, grade a class of submissions into a
:class:`Report`, check a student's work, validate a course.
"""

from grader.checks import TopicValidation, check, validate
from grader.course import Course, Topic, find_course, load_course
from grader.errors import CourseError, DeviceError, DlgradeError, SubmissionsError
from grader.grading import grade, grade_topic
from grader.report import write_report
from grader.scoring import Report, StudentResult, TestResult, TopicResult

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
