"""find_similar: disguised copies are flagged against their source, honest code is not."""

import re
import shutil
from pathlib import Path

import pytest

from grader.course import load_course
from grader.errors import CourseError
from grader.similarity import DEFAULT_THRESHOLD, find_similar
from tests.grader.courses import COURSE_ROOT
from tests.grader.similarity.disguise import disguise

CLASS = COURSE_ROOT / "examples" / "class"
SUBMISSIONS = COURSE_ROOT / "tests" / "grader" / "submissions"
# Every file of the sample class is correct_a's or correct_b's, as is or with the student's
# mistake edited in: given as boilerplate, what each student wrote is what is compared.
CLASS_SOURCES = (SUBMISSIONS / "correct_a", SUBMISSIONS / "correct_b")
# Written independently of each other (none of these takes from the book's code, unlike real_d2l).
INDEPENDENT = ("correct_a", "correct_b", "real_mlfromscratch", "real_numpy_style", "real_pytorch")


@pytest.fixture(scope="module")
def course():
    return load_course(COURSE_ROOT / "course.yml")


@pytest.fixture(scope="module")
def class_result(course):
    """Every pair of the sample class, whatever its score (threshold 0)."""
    return find_similar(course, CLASS, boilerplate=CLASS_SOURCES, threshold=0.0)


def _class_with(tmp_path: Path, student: str, files: dict[str, str]) -> Path:
    """A copy of the sample class plus ``student`` handing in ``files`` (name -> text)."""
    root = tmp_path / "class"
    shutil.copytree(CLASS, root)
    (root / student).mkdir()
    for name, text in files.items():
        (root / student / name).write_text(text, encoding="utf-8")
    return root


def _independent(tmp_path: Path) -> Path:
    root = tmp_path / "independent"
    for name in INDEPENDENT:
        shutil.copytree(SUBMISSIONS / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _functions(source: str) -> list[str]:
    return re.findall(r"^def (\w+)", source, flags=re.MULTILINE)


def test_disguised_copy_of_a_student_is_flagged_against_its_source_and_nothing_else(course, tmp_path):
    """zoe hands in dmitri's sgd.py disguised; the other topics are the sample class's, whose pairs
    test_sample_class_students_are_not_flagged checks."""
    source = (CLASS / "dmitri" / "sgd.py").read_text(encoding="utf-8")
    copy = disguise(source)
    assert "def sgd_(params, lr, batch_size" in source and "def sgd_(value_" in copy  # renamed
    assert _functions(copy) == _functions(source)[::-1]  # reordered
    root = _class_with(tmp_path, "zoe", {"sgd.py": copy})
    result = find_similar(course, root, topics=["sgd"], boilerplate=CLASS_SOURCES)
    assert [(p.topic, p.students) for p in result.pairs] == [("sgd", ("dmitri", "zoe"))]
    assert result.pairs[0].score >= DEFAULT_THRESHOLD
    assert "<mark>" in result.pairs[0].code[0] and "<mark>" in result.pairs[0].code[1]


def test_sample_class_students_are_not_flagged(class_result):
    assert sum(t.pairs for t in class_result.topics) == len(class_result.pairs) > 0  # threshold 0 keeps all
    assert max(p.score for p in class_result.pairs) < DEFAULT_THRESHOLD


def test_sample_class_without_its_sources_is_flagged_where_files_are_identical(course):
    """The class's fillers are byte-for-byte copies of correct_a/correct_b: with the stub alone
    they are what a detector must flag, at score 1."""
    result = find_similar(course, CLASS, topics=["norms"])
    same = {(a, b) for a, b in [p.students for p in result.pairs]
            if (CLASS / a / "norms.py").read_bytes() == (CLASS / b / "norms.py").read_bytes()}
    assert same and all(p.score == 1.0 for p in result.pairs if p.students in same)


def test_independent_implementations_are_not_flagged(course, tmp_path):
    assert find_similar(course, _independent(tmp_path)).pairs == ()


def test_disguised_copy_of_independent_code_is_flagged_with_the_stub_alone(course, tmp_path):
    root = _independent(tmp_path)
    (root / "zoe").mkdir()
    (root / "zoe" / "softmax.py").write_text(disguise((root / "correct_b" / "softmax.py").read_text()))
    result = find_similar(course, root, topics=["softmax"])
    assert [p.students for p in result.pairs] == [("correct_b", "zoe")]


def test_the_untouched_stub_shares_nothing(course, tmp_path):
    stub = (COURSE_ROOT / "exercises" / "softmax.py").read_text(encoding="utf-8")
    for student in ("ann", "bob"):
        (tmp_path / student).mkdir()
        (tmp_path / student / "softmax.py").write_text(stub, encoding="utf-8")
    (pair,) = find_similar(course, tmp_path, topics=["softmax"], threshold=0.0).pairs
    assert pair.similarity == (0.0, 0.0) and pair.overlap == 0


def test_a_linked_file_is_not_read(course, tmp_path):
    for student in ("ann", "bob"):
        (tmp_path / student).mkdir()
    shutil.copy(CLASS / "ada" / "softmax.py", tmp_path / "ann" / "softmax.py")
    (tmp_path / "bob" / "softmax.py").symlink_to(tmp_path / "ann" / "softmax.py")
    result = find_similar(course, tmp_path, topics=["softmax"], threshold=0.0)
    assert [(t.students, t.pairs) for t in result.topics] == [(1, 0)]


def test_bad_threshold_and_topic_are_one_line_errors(course):
    with pytest.raises(ValueError, match="threshold=1.5"):
        find_similar(course, CLASS, threshold=1.5)
    with pytest.raises(CourseError, match="no topic 'nope'"):
        find_similar(course, CLASS, topics=["nope"])


def test_a_file_that_is_not_utf8_is_still_compared(course, tmp_path):
    source = (CLASS / "dmitri" / "sgd.py").read_bytes()
    for student, prefix in (("ann", b""), ("bob", b"# \xff\xfe latin-1 caf\xe9\n")):
        (tmp_path / student).mkdir()
        (tmp_path / student / "sgd.py").write_bytes(prefix + source)
    (pair,) = find_similar(course, tmp_path, topics=["sgd"]).pairs
    assert pair.similarity == (1.0, 1.0) and "\ufffd" in pair.code[1]
