"""``dlgrade nbgrader writeback``: dlgrade's scores in a real nbgrader gradebook; no mocks.

In a temporary course root made by ``dlgrade nbgrader generate``, ``nbgrader generate_assignment``
releases norms; ``dlgrade grade`` grades two students' modules (the reference, and kim's, which
loses points); their scores are written back and read through nbgrader's ``Gradebook`` and
``nbgrader export``.
"""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

COURSE_ROOT = Path(__file__).resolve().parents[2]
COURSE_YML = str(COURSE_ROOT / "course.yml")
STUDENTS = {"alice": COURSE_ROOT / "solutions" / "norms.py", "kim": COURSE_ROOT / "examples" / "class" / "kim" / "norms.py"}
# What nbgrader collect writes beside kim's notebook: the submission time nbgrader records.
KIM_SUBMITTED_AT = "2024-03-01 12:00:00.000000 UTC"


def dlgrade(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def nbgrader(root: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, Path, Path]:
    """The nbgrader course root with norms released, the gradebook.json of ``dlgrade grade`` on
    the two students, and a copy of nbgrader's database as it was before any writeback."""
    tmp = tmp_path_factory.mktemp("writeback")
    root, submissions = tmp / "course", tmp / "submissions"
    assert dlgrade("nbgrader", "generate", "--out", root, "--course", COURSE_YML).exit_code == 0
    nbgrader(root, "generate_assignment", "norms")
    for student, module in STUDENTS.items():
        (submissions / student).mkdir(parents=True)
        shutil.copy(module, submissions / student / "norms.py")
    (root / "submitted" / "kim" / "norms").mkdir(parents=True)
    (root / "submitted" / "kim" / "norms" / "timestamp.txt").write_text(KIM_SUBMITTED_AT + "\n")
    graded = dlgrade("grade", submissions, "--out", tmp / "grades", "--topic", "norms", "--jobs", "2",
                     "--course", COURSE_YML)
    assert graded.exit_code == 0, graded.output
    shutil.copy(root / "gradebook.db", tmp / "released.db")
    return root, tmp / "grades" / "gradebook.json", tmp / "released.db"


@pytest.fixture(scope="module")
def written(course) -> tuple[Path, dict]:
    """The course root after one writeback, and the gradebook.json document written back."""
    root, gradebook_json, _ = course
    result = dlgrade("nbgrader", "writeback", gradebook_json, "--root", root)
    assert result.exit_code == 0 and "wrote 2 submissions of 2 students" in result.output, result.output
    return root, json.loads(gradebook_json.read_text())


def in_nbgrader(db: Path) -> dict[str, dict]:
    """Per student of norms, what nbgrader's gradebook holds: score, time, and per grade cell
    (auto_score, manual_score, needs_manual_grade)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gradebook:
        return {student.id: {
            "score": gradebook.find_submission("norms", student.id).score,
            "timestamp": gradebook.find_submission("norms", student.id).timestamp,
            "cells": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
                      for g in gradebook.find_submission_notebook("norms", "norms", student.id).grades},
        } for student in gradebook.students}


def earned(document: dict, student: str) -> tuple[float, dict[str, float]]:
    """gradebook.json's norms score of ``student``, and the points per grade cell ``test_<f>``."""
    (topic,) = [t for s in document["students"] if s["id"] == student for t in s["topics"] if t["id"] == "norms"]
    cells: dict[str, float] = {}
    for test in topic["tests"]:
        cells[f"test_{test['function']}"] = cells.get(f"test_{test['function']}", 0.0) + test["weight"] * test["passed"]
    return topic["score"], cells


def test_each_student_gets_dlgrade_s_score_per_grade_cell_and_in_total(written):
    root, document = written
    held = in_nbgrader(root / "gradebook.db")
    assert set(held) == set(STUDENTS), "writeback creates the students and their submissions"
    for student in STUDENTS:
        score, cells = earned(document, student)
        assert held[student]["score"] == pytest.approx(score, abs=1e-3)
        assert {name: auto for name, (auto, _, _) in held[student]["cells"].items()} == pytest.approx(cells, abs=1e-4)
        assert not any(review for _, _, review in held[student]["cells"].values()), "nothing is left to grade by hand"
    assert held["kim"]["score"] < held["alice"]["score"] == 10, "kim's mistakes cost points: the check can fail"


def test_the_submission_time_is_nbgrader_collect_s(written):
    root, _ = written
    held = in_nbgrader(root / "gradebook.db")
    assert str(held["kim"]["timestamp"]) == "2024-03-01 12:00:00"
    assert held["alice"]["timestamp"] is None, "alice has no submitted/ folder, so no time"


def test_nbgrader_export_shows_the_written_scores(written):
    root, document = written
    nbgrader(root, "export")
    with open(root / "grades.csv", newline="") as grades:
        rows = {row["student_id"]: row for row in csv.DictReader(grades) if row["assignment"] == "norms"}
    assert set(rows) == set(STUDENTS)
    for student, row in rows.items():
        score, _ = earned(document, student)
        assert float(row["raw_score"]) == float(row["score"]) == pytest.approx(score, abs=1e-3)
        assert float(row["max_score"]) == 10
    assert rows["kim"]["timestamp"] == "2024-03-01 12:00:00"


def test_writing_back_twice_gives_the_same_gradebook(course, written):
    root, gradebook_json, _ = course
    before = in_nbgrader(root / "gradebook.db")
    again = dlgrade("nbgrader", "writeback", gradebook_json, "--root", root)
    assert again.exit_code == 0, again.output
    assert in_nbgrader(root / "gradebook.db") == before


def test_a_manual_score_outranks_dlgrade_s_and_is_flagged_for_review(course, written, tmp_path):
    from nbgrader.api import Gradebook

    root, gradebook_json, _ = course
    db = tmp_path / "gradebook.db"
    shutil.copy(root / "gradebook.db", db)
    with Gradebook(f"sqlite:///{db}") as gradebook:
        gradebook.find_grade("test_l2_norm", "norms", "norms", "kim").manual_score = 1.5
        gradebook.db.commit()
    result = dlgrade("nbgrader", "writeback", gradebook_json, "--root", root, "--db", f"sqlite:///{db}")
    assert result.exit_code == 0, result.output
    score, cells = earned(written[1], "kim")
    held = in_nbgrader(db)["kim"]
    auto, manual, review = held["cells"]["test_l2_norm"]
    assert (auto, manual, review) == (pytest.approx(cells["test_l2_norm"], abs=1e-4), 1.5, True)
    assert held["score"] == pytest.approx(score - auto + 1.5, abs=1e-3)


def test_a_topic_or_function_nbgrader_lacks_is_reported_and_the_rest_written(course, tmp_path):
    root, gradebook_json, released = course
    document = json.loads(gradebook_json.read_text())
    db = tmp_path / "gradebook.db"
    shutil.copy(released, db)
    kim = next(s for s in document["students"] if s["id"] == "kim")
    norms = next(t for t in kim["topics"] if t["id"] == "norms")
    kim["topics"].append({**norms, "id": "softmax"})  # generated, but never nbgrader generate_assignment'd
    norms["tests"].append({**norms["tests"][0], "function": "l3_norm", "passed": True})
    (tmp_path / "gradebook.json").write_text(json.dumps(document))
    result = dlgrade("nbgrader", "writeback", tmp_path / "gradebook.json", "--root", root, "--db", f"sqlite:///{db}")
    assert result.exit_code == 0, result.output
    assert "softmax: no nbgrader assignment 'softmax'" in result.output
    assert "norms: no grade cell 'test_l3_norm'" in result.output
    assert "wrote 2 submissions of 2 students" in result.output
    assert in_nbgrader(db)["kim"]["score"] == pytest.approx(earned(document, "kim")[0], abs=1e-3)


@pytest.mark.parametrize(("gradebook_json", "message"), [
    (None, "cannot read a gradebook.json (FileNotFoundError"),
    ("{not json", "cannot read a gradebook.json (JSONDecodeError"),
    ('{"students": [{"id": "kim"}]}', "not a dlgrade gradebook.json (KeyError: 'topics')"),
    ('{"students": []}', "gradebook.db' does not exist: run nbgrader generate_assignment"),
])
def test_bad_input_is_a_one_line_error(tmp_path, gradebook_json, message):
    (tmp_path / "root").mkdir()  # a folder that is no nbgrader course root: no gradebook.db
    if gradebook_json is not None:
        (tmp_path / "gradebook.json").write_text(gradebook_json)
    result = dlgrade("nbgrader", "writeback", tmp_path / "gradebook.json", "--root", tmp_path / "root")
    assert result.exit_code == 1 and message in result.output and result.output.count("\n") == 1, result.output


def test_without_nbgrader_the_error_says_how_to_install_it(tmp_path):
    # nbgrader is installed here: a None in sys.modules makes its import fail as if it were not.
    script = ("import sys; sys.modules['nbgrader'] = None\nfrom grader.cli import main\n"
              f"main(['nbgrader', 'writeback', 'gradebook.json', '--root', {str(tmp_path)!r}])")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    expected = "Error: dlgrade nbgrader writeback needs nbgrader: pip install nbgrader\n"
    assert (done.returncode, done.stderr) == (1, expected), done.stdout + done.stderr
