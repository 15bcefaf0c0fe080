"""``dlgrade export canvas``: the CSV, read back by the rules of Canvas's gradebook importer, gives
every student of the roster the score gradebook.json gives them."""

import csv
import io
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.errors import GradesError
from grader.exports import canvas_csv, read_canvas_roster
from grader.exports.cli import export
from grader.gradebook import read_gradebook
from tests.grader.courses import COURSE_ROOT, course_copy
from tests.grader.exports.reports import CLASS, HYPERLINK, SCORES, SUM, grades_folder

COURSE = str(COURSE_ROOT / "course.yml")
SOFTMAX = "Softmax regression (555)"  # an assignment that exists in Canvas
KFOLD = "K-fold cross-validation"  # the course's title of kfold: no such assignment yet
IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# Canvas user id -> (name, SIS user id, SIS login id) of the roster; carl has no submission.
STUDENTS = {"101": ("Lovelace, Ada", "S-1", "ada"), "102": ("Ngata, Ben", "S-2", "ben"),
            "103": ("Link, Hyper", "S-3", HYPERLINK), "104": ("Sum, At", "S-4", SUM),
            "105": ("Okafor, Carl", "S-5", "carl")}
FOLDER = {user_id: login for user_id, (_, _, login) in STUDENTS.items() if login != "carl"}


def write_roster(path: Path, students: dict[str, tuple[str, str, str]] = STUDENTS) -> Path:
    """A gradebook as Canvas exports it: BOM, a Manual Posting row, Points Possible, read-only
    totals, an assignment of ours and one of someone else's, the test student last."""
    totals = ["Current Score", "Unposted Current Score", "Final Score", "Final Grade"]
    rows = [[*IDENTITY, SOFTMAX, "Quiz 1 (77)", *totals],
            ["", "", "", "", "", "Manual Posting", "", "", "", "", ""],
            ["    Points Possible", "", "", "", "", "10.00", "5.00", *["(read only)"] * 4]]
    rows += [[name, user_id, sis, login, "Section A", "", "4.00", "80", "80", "80", "B"]
             for user_id, (name, sis, login) in students.items()]
    rows.append(["Student, Test", "999", "", "", "Section A", "", "", "", "", "", ""])
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


_TITLE_AND_ID = re.compile(r"(.*)\s\((\d+)\)", re.DOTALL)
_TOTALS = re.compile(r"Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade")


def canvas_import(text: str) -> tuple[list[str], dict[str, float], dict[str, dict[str, str]]]:
    """What Canvas's GradebookImporter reads from ``text``: its assignment columns, their Points
    Possible, and the grade cells of each student row by Canvas user id (the importer's first way
    to find a student). Follows gradebook_importer.rb: header?, update_column_count,
    strip_non_assignment_columns, check_for_non_student_row."""
    header, *rows = csv.reader(io.StringIO(text))
    assert len(header) > 3 and re.search("Student", header[0]) and re.search("ID", header[1]), header
    student_columns = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        student_columns += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        student_columns += 2
    assert re.search("Section", header[student_columns - 1]), f"Canvas: Invalid header row {header}"
    columns = header[student_columns:]
    while columns and _TOTALS.search(columns[-1]):
        columns.pop()
    points: dict[str, float] = {}
    grades: dict[str, dict[str, str]] = {}
    for row in rows:
        if re.search("Points Possible", row[0]):
            points = {c: float(p) for c, p in zip(columns, row[student_columns:])}
        elif not all(re.fullmatch(r"(Muted|)", c.strip(), re.IGNORECASE) for c in row):
            grades[row[1]] = dict(zip(columns, row[student_columns:]))
    return columns, points, grades


def run(tmp_path: Path, *args: str, roster: Path | None = None, course: str = COURSE):
    """``export canvas`` of the test class into tmp_path/canvas.csv; returns click's result."""
    roster = roster or write_roster(tmp_path / "roster.csv")
    return CliRunner().invoke(export, ["canvas", str(grades_folder(tmp_path)), "--roster", str(roster),
                                       "--out", str(tmp_path / "canvas.csv"), "--course", course, *args])


def assert_no_formula(text: str) -> None:
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]


def test_every_roster_student_reads_back_with_their_score_by_canvas_rules(tmp_path):
    result = run(tmp_path, "--assignment", f"softmax={SOFTMAX}")
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1 and "canvas.csv: 5 students" in result.output
    text = (tmp_path / "canvas.csv").read_text(encoding="utf-8")
    header, second = list(csv.reader(io.StringIO(text)))[:2]
    assert header[:5] == IDENTITY and second[:5] == ["    Points Possible", "", "", "", ""]
    columns, points, grades = canvas_import(text)
    assert columns == [SOFTMAX, KFOLD]
    assert _TITLE_AND_ID.fullmatch(columns[0])[2] == "555" and not _TITLE_AND_ID.fullmatch(columns[1])
    assert points == {SOFTMAX: 10.0, KFOLD: 10.0}
    assert set(grades) == set(STUDENTS)  # the test student is left out
    for user_id, folder in FOLDER.items():
        assert {c: float(grades[user_id][c]) for c in columns} == {
            SOFTMAX: SCORES[folder]["softmax"], KFOLD: SCORES[folder]["kfold"]}
    assert grades["105"] == {SOFTMAX: "", KFOLD: ""}  # no submission: Canvas keeps carl's grades
    assert grades["104"][KFOLD] == "7.25" and grades["102"][SOFTMAX] == "10"  # gradebook.csv's numbers


def test_a_folder_named_like_a_formula_comes_out_as_text(tmp_path):
    assert run(tmp_path, "--assignment", f"softmax={SOFTMAX}").exit_code == 0
    text = (tmp_path / "canvas.csv").read_text(encoding="utf-8")
    logins = {row[1]: row[3] for row in csv.reader(io.StringIO(text))}
    assert logins["103"] == "'" + HYPERLINK and logins["104"] == "'" + SUM
    assert_no_formula(text)


def test_a_submission_no_roster_student_matches_stops_the_export_with_one_line_and_no_file(tmp_path):
    roster = write_roster(tmp_path / "roster.csv", {k: v for k, v in STUDENTS.items() if k not in ("102", "104")})
    (tmp_path / "canvas.csv").write_text("the last export\n")
    result = run(tmp_path, roster=roster)
    assert isinstance(result.exception, GradesError)  # dlgrade's group prints it as "Error: ..." and exits 1
    message = str(result.exception)
    assert "\n" not in message and "'ben'" in message and repr(SUM) in message and "'ada'" not in message
    assert (tmp_path / "canvas.csv").read_text() == "the last export\n"  # untouched, not half-written
    assert not list(tmp_path.glob(".canvas.csv.*"))


def test_allow_unmatched_leaves_them_out_and_says_which(tmp_path):
    roster = write_roster(tmp_path / "roster.csv", {k: v for k, v in STUDENTS.items() if k != "102"})
    result = run(tmp_path, "--allow-unmatched", roster=roster)
    assert result.exit_code == 0 and "left out 1 unmatched submission(s): 'ben'" in result.output
    _, _, grades = canvas_import((tmp_path / "canvas.csv").read_text(encoding="utf-8"))
    assert set(grades) == set(STUDENTS) - {"102"}
    assert float(grades["101"]["Softmax regression and the cross-entropy gradient"]) == SCORES["ada"]["softmax"]


def test_missing_zero_gives_a_student_without_a_submission_zero(tmp_path):
    assert run(tmp_path, "--missing", "zero", "--assignment", f"softmax={SOFTMAX}").exit_code == 0
    _, _, grades = canvas_import((tmp_path / "canvas.csv").read_text(encoding="utf-8"))
    assert grades["105"] == {SOFTMAX: "0", KFOLD: "0"}
    assert float(grades["101"][KFOLD]) == SCORES["ada"]["kfold"]


@pytest.mark.parametrize(("match_on", "field"), [("sis_user", 1), ("id", None), ("name", 0)])
def test_folders_match_the_column_match_on_names(tmp_path, match_on, field):
    report = CLASS.__class__(CLASS.course, CLASS.device, tuple(
        s.__class__(next(user_id if field is None else STUDENTS[user_id][field]
                         for user_id, folder in FOLDER.items() if folder == s.id), s.topics) for s in CLASS.students))
    roster = write_roster(tmp_path / "roster.csv")
    result = CliRunner().invoke(export, ["canvas", str(grades_folder(tmp_path, report)), "--roster", str(roster),
                                         "--out", str(tmp_path / "canvas.csv"), "--match-on", match_on,
                                         "--course", COURSE])
    assert result.exit_code == 0, result.output
    columns, _, grades = canvas_import((tmp_path / "canvas.csv").read_text(encoding="utf-8"))
    for user_id, folder in FOLDER.items():
        assert [float(grades[user_id][c]) for c in columns] == [SCORES[folder]["softmax"], SCORES[folder]["kfold"]]


def test_columns_total_is_one_column_worth_the_course(tmp_path):
    unknown = run(tmp_path, "--columns", "total", "--assignment", "total=Exercises (900)")
    assert isinstance(unknown.exception, GradesError) and "no assignment with id 900" in str(unknown.exception)
    result = run(tmp_path, "--columns", "total")
    assert result.exit_code == 0, result.output
    columns, points, grades = canvas_import((tmp_path / "canvas.csv").read_text(encoding="utf-8"))
    assert columns == ["demo"] and points == {"demo": CLASS.max_points}
    assert {user_id: float(grades[user_id]["demo"]) for user_id in FOLDER} == {
        user_id: sum(SCORES[folder].values()) for user_id, folder in FOLDER.items()}


def test_course_yml_maps_a_topic_to_its_canvas_column(tmp_path):
    course_file = course_copy(tmp_path / "course", topics=["softmax", "kfold"])
    data = yaml.safe_load(course_file.read_text(encoding="utf-8"))
    data["lms"] = {"canvas_assignments": {"softmax": SOFTMAX, "kfold": "K-fold (556)"}}
    course_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    stale = run(tmp_path, course=str(course_file))  # the roster has no assignment 556
    assert isinstance(stale.exception, GradesError) and "556" in str(stale.exception)
    result = run(tmp_path, "--assignment", "kfold=Quiz 1 (77)", course=str(course_file))
    # --assignment wins over course.yml; Quiz 1 is worth 5 points in Canvas, kfold 10
    assert isinstance(result.exception, GradesError) and "Points Possible" in str(result.exception)


def test_a_topic_titled_like_an_existing_assignment_fills_it(tmp_path):
    roster = read_canvas_roster(write_roster(tmp_path / "roster.csv"))
    export_ = canvas_csv(read_gradebook(grades_folder(tmp_path)), roster,
                         titles={"softmax": "Softmax regression", "kfold": "K-fold"})
    assert export_.columns == (SOFTMAX, "K-fold") and export_.students == 5


@pytest.mark.parametrize(("options", "culprit"), [
    ({"assignments": {"softmax": "Softmax"}}, "is not 'Title (id)'"),
    ({"assignments": {"norms": "Norms (1)"}}, "--assignment norms"),
    ({"titles": {"softmax": "Final Score", "kfold": "K"}}, "named like a Canvas total"),
    ({"titles": {"softmax": "Softmax (3)", "kfold": "K"}}, "ends like a Canvas id"),
    ({"match_on": "sis_user"}, "match no student"),
])
def test_what_canvas_would_misread_is_one_line_naming_it(tmp_path, options, culprit):
    roster = read_canvas_roster(write_roster(tmp_path / "roster.csv"))
    with pytest.raises(GradesError) as caught:
        canvas_csv(read_gradebook(grades_folder(tmp_path)), roster, **options)
    assert culprit in str(caught.value) and "\n" not in str(caught.value)


def test_a_roster_that_is_not_canvas_s_is_one_line_naming_the_file(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("Name,Email\nAda,ada@uni.example\n")
    with pytest.raises(GradesError) as caught:
        read_canvas_roster(path)
    assert str(path) in str(caught.value) and "'Student'" in str(caught.value) and "\n" not in str(caught.value)
