"""A small graded class for the analytics tests: shared mistakes, every status kind, hostile text.

``ana`` and ``ben`` broke the same property of ``softmax`` the same way (their messages differ
only in the values Hypothesis shrank to), as did ``ana`` and a student whose id is rich markup
for ``get_k_fold_data``; ``ben`` also broke another property. A student id and a message are
hostile HTML.
"""

from pathlib import Path

from grader.report import write_report
from grader.scoring import Report, StudentResult, TopicResult
from grader.scoring import TestResult as Outcome  # not collected as a test class

IMG = "<img src=x onerror=alert(1)>"  # a folder name: no "/"
SCRIPT = "<script>alert(1)</script>"
MARKUP = "[blink]pwned"  # rich markup, no "/" (a folder name)

ANA_OVERFLOW = ("AssertionError: softmax(O): expected finite values, got tensor([   nan, 0.5000])\n"
                "Failing test case: test_large_logits(\n    O=tensor([1000.,    0.]),\n)")
BEN_OVERFLOW = ("AssertionError: softmax(O): expected finite values, got tensor([nan])\n"
                "Failing test case: test_large_logits(\n    O=tensor([100.]),\n)")
BEN_ROWS = "AssertionError: expected rows summing to 1.0, got 0.5"
BANNED = ("get_k_fold_data uses a banned call `torch.tensor_split` (line 3): this exercise asks you to compute it "
          "yourself")
TIMEOUT = "get_k_fold_data: no answer within 5 s (killed)"
CRASH = "the submission's process was killed by SIGKILL"
STUB = "not attempted: softmax raises NotImplementedError"
REMAINDER = "AssertionError: X_valid: expected shape (3, 2), got (2, 2)"
REMAINDER_SHRUNK = "AssertionError: X_valid: expected shape (2,), got (1,)"


def _softmax(rows: tuple[bool, str], large: tuple[bool, str]) -> TopicResult:
    return TopicResult("softmax", "graded", 10.0, (
        Outcome("test_rows_sum_to_one", "softmax", "public", rows[0], 4.0, rows[1]),
        Outcome("test_large_logits", "softmax", "hidden", large[0], 6.0, large[1])))


def _kfold(folds: tuple[bool, str], status: str = "graded") -> TopicResult:
    return TopicResult("kfold", status, 5.0, (
        Outcome("test_remainder_in_first_fold", "get_k_fold_data", "public", folds[0], 3.0, folds[1]),
        Outcome("test_mean_score", "k_fold_cross_validate", "hidden", True, 2.0)))


PASS = (True, "")
CLASS = Report("demo course", "cpu", sandbox="landlock", students=(
    StudentResult("ana", (_softmax(PASS, (False, ANA_OVERFLOW)), _kfold((False, REMAINDER)))),
    StudentResult("ben", (_softmax((False, BEN_ROWS), (False, BEN_OVERFLOW)), _kfold((False, BANNED)))),
    StudentResult(IMG, (_softmax((False, SCRIPT), PASS), TopicResult("kfold", "missing", 5.0, (
        Outcome("test_remainder_in_first_fold", "get_k_fold_data", "public", False, 3.0, "no kfold.py"),
        Outcome("test_mean_score", "k_fold_cross_validate", "hidden", False, 2.0, "no kfold.py"))))),
    StudentResult(MARKUP, (_softmax(PASS, (False, STUB)), _kfold((False, REMAINDER_SHRUNK)))),
    StudentResult("eve", (_softmax(PASS, (False, CRASH)), _kfold((False, TIMEOUT)))),
    StudentResult("fay", (_softmax(PASS, PASS), _kfold(PASS)))))


def grades_folder(tmp_path: Path, report: Report = CLASS) -> Path:
    """``report`` written as ``dlgrade grade --out`` writes it; returns the folder."""
    grades = tmp_path / "grades"
    write_report(report, grades)
    return grades
