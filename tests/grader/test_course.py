"""course.yml is validated on load; errors are one line naming the key."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.course import Settings, find_course, load_course
from grader.errors import CourseError

COURSE_ROOT = Path(__file__).resolve().parents[2]


def write_course(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((COURSE_ROOT / "course.yml").read_text())
    change(data)
    path = tmp_path / "course.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_course_loads_with_its_points():
    course = load_course(COURSE_ROOT / "course.yml")
    assert course.max_points == sum(t.points for t in course.topics) and len(course.topics) == 12
    for topic in course.topics:
        assert sum(topic.function_points(f) for f in topic.functions) == pytest.approx(topic.points)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["settings"].update(max_exampels=3),
     r"settings\.max_exampels: unknown key max_exampels \(did you mean max_examples\?\)$"),
    (lambda d: d["topics"][2]["functions"]["grad"].update(wieght=2),
     r"topics\.2\.functions\.grad\.wieght: unknown key wieght \(did you mean weight\?\)$"),
    (lambda d: d.update(topix=[]), r": topix: unknown key topix \(did you mean topics\?\)$"),
    (lambda d: d.update(zzz=1), r": zzz: unknown key zzz \(known keys: course, settings, lms, audit, topics\)$"),
    (lambda d: d.update(root="/elsewhere"), r": root: unknown key root"),
    (lambda d: d.update({1: 2}), r": 1: Keys should be strings"),
    (lambda d: d["settings"].update(call_timeout_s="soon"), r"settings\.call_timeout_s: Input should be a valid number"),
    (lambda d: d["topics"][2]["functions"]["grad"].update(weight=-1), r"topics\.2\.functions\.grad\.weight"),
    (lambda d: d["topics"][0].pop("points"), r"topics\.0\.points: Field required"),
    (lambda d: d["topics"].append(dict(d["topics"][0])), r"duplicate topic id 'norms'"),
    (lambda d: d["settings"].update(hidden_feedback="verbose"),
     r"settings\.hidden_feedback: Input should be 'full', 'property' or 'score' \(got 'verbose'\)"),
    (lambda d: d["settings"].update(grading_seed="secret"), r"settings\.grading_seed: Input should be a valid integer"),
])
def test_wrong_key_or_type_is_one_line_naming_the_key(tmp_path, change, message):
    with pytest.raises(CourseError, match=message) as info:
        load_course(write_course(tmp_path, change))
    assert "\n" not in str(info.value)


def test_every_problem_is_reported_one_line_each_with_its_key(tmp_path):
    def change(d):
        d["settings"]["max_exampels"] = d["settings"].pop("max_examples")
        d["settings"]["call_timeout_s"] = "soon"
        d["topics"][0].pop("points")
        d["topics"][3]["functions"]["linreg"]["wieght"] = 1

    with pytest.raises(CourseError) as info:
        load_course(write_course(tmp_path, change))
    assert str(info.value).splitlines() == [
        "course.yml: settings.call_timeout_s: Input should be a valid number, unable to parse string as a number "
        "(got 'soon')",
        "course.yml: settings.max_exampels: unknown key max_exampels (did you mean max_examples?)",
        "course.yml: topics.0.points: Field required",
        "course.yml: topics.3.functions.linreg.wieght: unknown key wieght (did you mean weight?)",
    ]


def test_a_failing_topic_of_a_one_topic_course_is_one_error_not_two(tmp_path):
    """pydantic also calls the tuple of topics too short when its only topic fails: noise."""
    def change(d):
        d["topics"] = d["topics"][:1]
        d["topics"][0]["pionts"] = d["topics"][0].pop("points")

    with pytest.raises(CourseError) as info:
        load_course(write_course(tmp_path, change))
    assert str(info.value).splitlines() == ["course.yml: topics.0.points: Field required",
                                            "course.yml: topics.0.pionts: unknown key pionts (did you mean points?)"]


@pytest.mark.parametrize(("bad_line", "problem"), [
    ("  max_examples: 3: 4", "mapping values are not allowed here"),
    ("  seed: [1, 2", "expected ',' or ']', but got '<stream end>' (while parsing a flow sequence at line {line})"),
])
def test_a_yaml_syntax_error_names_its_line_and_column(tmp_path, bad_line, problem):
    lines = (COURSE_ROOT / "course.yml").read_text(encoding="utf-8").splitlines()
    at = lines.index("settings:") + 1  # 0-based index of the first line under settings
    path = tmp_path / "course.yml"
    if "[" in bad_line:  # an unclosed list is found where the file ends
        path.write_text("\n".join(lines[:at] + [bad_line]) + "\n", encoding="utf-8")
        line, column = at + 2, 1
    else:
        path.write_text("\n".join(lines[:at] + [bad_line] + lines[at:]) + "\n", encoding="utf-8")
        line, column = at + 1, bad_line.index(": 4") + 1
    with pytest.raises(CourseError) as info:
        load_course(path)
    assert str(info.value) == f"{path}:{line}:{column}: {problem.format(line=at + 1)}"


def test_a_course_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "course.yml"
    path.write_bytes(b"course: caf\xe9\n")  # byte 11 is the Latin-1 é
    with pytest.raises(CourseError, match=r"course\.yml: cannot read: not UTF-8 text \(byte 11 is 0xe9\)$"):
        load_course(path)


def test_topic_without_module_is_named(tmp_path):
    path = write_course(tmp_path, lambda d: None)
    with pytest.raises(CourseError, match=r"topics\.0\.id: no module exercises/norms\.py") as info:
        load_course(path)
    assert len(str(info.value).splitlines()) == len(load_course(COURSE_ROOT / "course.yml").topics), \
        "every topic's missing module is named, not the first only"


def test_missing_course_file_is_a_course_error(tmp_path):
    with pytest.raises(CourseError, match="not found"):
        find_course(tmp_path / "nope.yml")


def test_grading_seed_is_unset_and_hidden_feedback_full_by_default():
    course = load_course(COURSE_ROOT / "course.yml")
    assert course.settings.grading_seed is None and course.settings.hidden_feedback == "full"
    assert Settings().grading_seed is None and Settings().hidden_feedback == "full"


def test_with_settings_replaces_a_setting_and_validates_it():
    course = load_course(COURSE_ROOT / "course.yml")
    seeded = course.with_settings(grading_seed=12345)
    assert seeded.settings.grading_seed == 12345 and course.settings.grading_seed is None
    assert seeded.settings.max_examples == course.settings.max_examples and seeded.root == course.root
    with pytest.raises(CourseError, match=r"^settings: hidden_feedback: Input should be .* \(got 'all'\)$"):
        course.with_settings(hidden_feedback="all")


def test_two_tests_of_a_topic_with_one_name_are_a_course_error(tmp_path):
    # The gradebook, the feedback and the replay know a test by its name within its topic.
    from tests.grader.courses import course_copy

    course = course_copy(tmp_path / "course", topics=["norms"])
    public = (course.parent / "tests" / "public" / "test_norms.py").read_text(encoding="utf-8")
    name = next(line.split("(")[0][4:] for line in public.splitlines() if line.startswith("def test_"))
    with (course.parent / "tests" / "hidden" / "test_norms_props.py").open("a", encoding="utf-8") as hidden:
        hidden.write(f"\n\n@graded('l1_norm')\ndef {name}(submission):\n    assert True\n")
    script = ("import sys\nfrom grader.collect import collect_tests\nfrom grader.course import load_course\n"
              "from grader.errors import CourseError\ncourse = load_course(sys.argv[1])\n"
              "try:\n    collect_tests(course, course.topic('norms'))\nexcept CourseError as exc:\n    print(exc)\n")
    # a process of its own: this one has imported the course's own tests package
    done = subprocess.run([sys.executable, "-c", script, str(course)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=True)
    assert done.stdout.strip() == (f"tests.hidden.test_norms_props.{name}: topic 'norms' has another test of that "
                                   "name; rename one"), done.stdout + done.stderr
