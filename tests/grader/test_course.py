"""course.yml is validated on load; errors are one line naming the key."""

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
    assert course.max_points == sum(t.points for t in course.topics) and len(course.topics) == 9
    for topic in course.topics:
        assert sum(topic.function_points(f) for f in topic.functions) == pytest.approx(topic.points)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["settings"].update(max_exampels=3), r"settings\.max_exampels: Extra inputs"),
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


def test_topic_without_module_is_named(tmp_path):
    path = write_course(tmp_path, lambda d: None)
    with pytest.raises(CourseError, match=r"topics\.0\.id: no module exercises/norms\.py"):
        load_course(path)


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
