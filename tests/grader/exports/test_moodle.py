"""``dlgrade export moodle``: the CSV, read back by the rules of Moodle's CSV grade import, gives
every submission its scores and feedback; hostile text stays text."""

import csv
import html
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.errors import GradesError
from grader.exports import moodle_csv, read_moodle_roster, topic_feedback
from grader.exports.cli import export
from grader.scoring import TestResult as Outcome  # not collected as a test class
from grader.scoring import TopicResult
from tests.grader.courses import COURSE_ROOT
from tests.grader.exports.reports import CALC, CLASS, HYPERLINK, IMG, SCORES, SUM, grades_folder

COURSE = str(COURSE_ROOT / "course.yml")
TITLES = {"softmax": "Softmax regression and the cross-entropy gradient", "kfold": "K-fold cross-validation"}
# A user list as Moodle exports it (Grades > Export > Plain text file, with the username shown).
ROSTER = [["First name", "Last name", "Username", "ID number", "Institution", "Department", "Email address"],
          ["Ada", "Lovelace", "ada", "1001", "Uni", "CS", "ada@uni.example"],
          ["Ben", "Ngata", "ben", "1002", "Uni", "CS", "ben@uni.example"],
          ["Hyper", "Link", "hl", "1003", "Uni", "CS", HYPERLINK],  # a folder named after an "address"
          ["At", "Sum", SUM, "1004", "Uni", "CS", "sum@uni.example"],
          ["Carl", "Okafor", "carl", "1005", "Uni", "CS", "carl@uni.example"]]
EMAIL = {row[2]: row[6] for row in ROSTER[1:]} | {HYPERLINK: HYPERLINK}


def moodle_import(text: str, id_column: str) -> dict[str, dict[str, float | str | None]]:
    """What Moodle's CSV grade import (gradeimport_csv_load_data) takes from ``text``, its columns
    mapped as the instructor would: ``id_column`` identifies the user, each topic's title to its
    grade item, ``Feedback for <title>`` to that item's feedback. A blank or ``-`` grade is none;
    any other must be a number (Moodle's unformat_float), or the import stops."""
    header, *rows = csv.reader(io.StringIO(text))
    header = [h.strip() for h in header]
    users: dict[str, dict[str, float | str | None]] = {}
    for row in rows:
        user = row[header.index(id_column)]
        if not user:  # Moodle skips a row without an identifier
            continue
        items: dict[str, float | str | None] = {}
        for name, cell in zip(header, row):
            if name.startswith("Feedback for "):
                items[name] = cell
            elif name != id_column:
                items[name] = None if cell.strip() in ("", "-") else float(cell)
        users[user] = items
    return users


def run(tmp_path: Path, *args: str):
    return CliRunner().invoke(export, ["moodle", str(grades_folder(tmp_path)), "--out", str(tmp_path / "moodle.csv"),
                                       "--course", COURSE, *args])


def write_roster(path: Path, rows: list[list[str]] = ROSTER) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


def test_every_submission_reads_back_with_its_scores_and_feedback(tmp_path):
    result = run(tmp_path, "--id-field", "username", "--feedback")
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1 and "moodle.csv: 4 students, 4 column(s)" in result.output
    text = (tmp_path / "moodle.csv").read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(text))) == [
        "Username", TITLES["softmax"], f"Feedback for {TITLES['softmax']}", TITLES["kfold"],
        f"Feedback for {TITLES['kfold']}"]
    users = moodle_import(text, "Username")
    assert set(users) == {"ada", "ben", "'" + HYPERLINK, "'" + SUM}  # formulas neutralised
    for student in CLASS.students:
        items = users[next(u for u in users if u.removeprefix("'") == student.id)]
        for topic in student.topics:  # its score, and its feedback as the student's browser shows it
            assert items[TITLES[topic.id]] == SCORES[student.id][topic.id]
            assert html.unescape(items[f"Feedback for {TITLES[topic.id]}"]) == topic_feedback(topic)


def test_hostile_messages_stay_text_in_moodle_and_in_a_spreadsheet(tmp_path):
    assert run(tmp_path, "--id-field", "username", "--feedback").exit_code == 0
    text = (tmp_path / "moodle.csv").read_text(encoding="utf-8")
    users = moodle_import(text, "Username")
    ada = users["ada"][f"Feedback for {TITLES['softmax']}"]
    assert html.escape(IMG, quote=False) in ada and "<img" not in ada and "more lines" not in ada
    assert CALC in users["ben"][f"Feedback for {TITLES['kfold']}"]  # inside the cell, not at its start
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]


def test_without_feedback_there_is_a_grade_column_per_topic_only(tmp_path):
    assert run(tmp_path, "--id-field", "idnumber").exit_code == 0
    text = (tmp_path / "moodle.csv").read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(text))) == ["ID number", TITLES["softmax"], TITLES["kfold"]]
    assert moodle_import(text, "ID number")["ben"] == {TITLES["softmax"]: 10.0, TITLES["kfold"]: 0.0}


def test_a_roster_gives_each_folder_its_moodle_email(tmp_path):
    roster = write_roster(tmp_path / "roster.csv")
    result = run(tmp_path, "--id-field", "email", "--roster", str(roster))
    assert result.exit_code == 0, result.output
    users = moodle_import((tmp_path / "moodle.csv").read_text(encoding="utf-8"), "Email address")
    assert set(users) == {"ada@uni.example", "ben@uni.example", "'" + HYPERLINK, "sum@uni.example"}
    for folder, scores in SCORES.items():
        address = EMAIL[folder]
        assert users[address if address != HYPERLINK else "'" + HYPERLINK] == {
            TITLES["softmax"]: scores["softmax"], TITLES["kfold"]: scores["kfold"]}


def test_a_submission_the_roster_does_not_know_stops_with_one_line_and_no_file(tmp_path):
    roster = write_roster(tmp_path / "roster.csv", [r for r in ROSTER if r[2] != "ben"])
    result = run(tmp_path, "--id-field", "email", "--roster", str(roster))
    assert isinstance(result.exception, GradesError)
    assert "\n" not in str(result.exception) and "'ben'" in str(result.exception)
    assert not (tmp_path / "moodle.csv").exists()
    left_out = run(tmp_path, "--id-field", "email", "--roster", str(roster), "--allow-unmatched")
    assert left_out.exit_code == 0 and "'ben'" in left_out.output
    users = moodle_import((tmp_path / "moodle.csv").read_text(encoding="utf-8"), "Email address")
    assert "ben@uni.example" not in users and users["ada@uni.example"][TITLES["kfold"]] == SCORES["ada"]["kfold"]


@pytest.mark.parametrize(("args", "culprit"), [
    (["--id-field", "email"], "not email addresses"),  # Moodle would stop at the first unknown address
    (["--id-field", "username", "--roster", "names.csv"], "no user identifier column"),
])
def test_what_moodle_would_refuse_is_one_line_naming_it(tmp_path, args, culprit):
    (tmp_path / "names.csv").write_text("Name\nAda\n")
    args = [str(tmp_path / a) if a.endswith(".csv") else a for a in args]
    result = run(tmp_path, *args)
    assert isinstance(result.exception, GradesError) and culprit in str(result.exception)
    assert "\n" not in str(result.exception) and not (tmp_path / "moodle.csv").exists()


def test_a_roster_without_the_id_field_is_one_line(tmp_path):
    roster = write_roster(tmp_path / "roster.csv", [[r[2], r[6]] for r in ROSTER])  # Username, Email address
    with pytest.raises(GradesError, match="no 'ID number' column"):
        moodle_csv(CLASS, id_field="idnumber", roster=read_moodle_roster(roster))


TOPIC = TopicResult("softmax", "graded", 10.0, (
    Outcome("test_public", "softmax", "public", False, 4.0, "public: got nan"),
    Outcome("test_hidden", "softmax", "hidden", False, 6.0, "hidden: counterexample X=[[1e4]]"),
    Outcome("test_broken", "softmax", "hidden", True, 0.0, "fails on the reference too", grader_error=True)))


@pytest.mark.parametrize(("level", "shown", "hidden"), [
    ("full", ["test_public: public: got nan", "test_hidden: hidden: counterexample"], []),
    ("property", ["test_public: public: got nan", "hidden test test_hidden"], ["counterexample"]),
    ("score", ["test_public: public: got nan"], ["test_hidden", "counterexample"]),
])
def test_feedback_shows_hidden_tests_as_the_feedback_file_does(level, shown, hidden):
    text = topic_feedback(TOPIC, level)
    assert text.startswith("0 / 10 (graded)") and "test_broken" not in text
    assert all(s in text for s in shown) and not any(h in text for h in hidden)
    report = CLASS.__class__(CLASS.course, CLASS.device, CLASS.students, hidden_feedback=level)
    moodle = moodle_csv(report, id_field="username", feedback=True)
    ada = list(csv.reader(io.StringIO(moodle.text)))[1]
    assert ada[2] == html.escape(topic_feedback(CLASS.students[0].topics[0], level), quote=False)
