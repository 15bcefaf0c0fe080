"""``dlgrade report GRADES``: writes GRADES/report.html (or --out), prints the largest mistakes."""

from click.testing import CliRunner

from grader.analytics.cli import report_command
from grader.errors import GradesError
from tests.grader.analytics.classes import grades_folder


def test_report_writes_next_to_the_gradebook_and_says_where(tmp_path):
    grades = grades_folder(tmp_path)
    result = CliRunner(env={"COLUMNS": "200"}).invoke(report_command, [str(grades)])
    assert result.exit_code == 0, result.output
    assert (grades / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "test_large_logits" in result.output
    assert result.output.rstrip().endswith(f"wrote {grades / 'report.html'}")


def test_report_writes_where_out_says(tmp_path):
    grades = grades_folder(tmp_path)
    out = tmp_path / "elsewhere" / "class.html"
    result = CliRunner().invoke(report_command, [str(grades), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and not (grades / "report.html").exists()


def test_a_folder_without_a_gradebook_is_a_grades_error(tmp_path):
    result = CliRunner().invoke(report_command, [str(tmp_path)])
    assert isinstance(result.exception, GradesError) and "gradebook.json" in str(result.exception)
