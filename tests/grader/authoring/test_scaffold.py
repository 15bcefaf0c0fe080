"""``new_topic`` appends to course.yml as text, refuses bad ids and existing files, writes all or nothing."""

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.authoring import new_topic, topic_files
from grader.authoring.cli import new_group
from grader.course import load_course
from grader.errors import CourseError
from tests.grader.courses import COURSE_ROOT

NEW = ["exercises/conv.py", "solutions/conv.py", "tests/public/test_conv.py", "tests/hidden/test_conv_props.py",
       "tests/grader/mutants/conv.py"]
# One topic, its list at indent 0, comments inside and after it, and a key after the list.
SMALL = """\
course: "A small course"   # a comment that must stay
topics:
- id: norms    # the first topic
  title: Norms
  d2l: "2.3.11"
  points: 10
  functions:
    l1_norm: {weight: 2}
    l2_norm: {weight: 2}
    lp_norm: {weight: 4}
    # a comment inside the last topic
    frobenius_norm: {weight: 2}

# where the grades go
lms:
  gradescope_hidden_visibility: visible
"""


def _course(root: Path, text: str | None = None) -> Path:
    """A course under ``root``: the shipped course.yml (or ``text``) with the modules it needs."""
    for folder in ("exercises", "solutions"):
        shutil.copytree(COURSE_ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = root / "course.yml"
    path.write_text(text if text is not None else (COURSE_ROOT / "course.yml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    return path


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every file under ``root`` with its bytes, and every folder (None)."""
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else None for p in sorted(root.rglob("*"))}


def test_the_entry_is_appended_to_the_topics_list_and_the_rest_of_course_yml_kept_as_written(tmp_path):
    path = _course(tmp_path)
    old = path.read_text(encoding="utf-8")
    scaffold = new_topic(path, "conv", title='Convolutions: "cross-correlation" # not a comment', d2l="7.2",
                         points=7.5)
    new = path.read_text(encoding="utf-8")
    end = old.index("\naudit:") + 1  # the topics list ends where course.yml's next key begins
    assert new.startswith(old[:end] + "  - id: conv\n") and new.endswith(old[end:]), new[end - 200:end + 200]
    course = load_course(path)
    assert [t.id for t in course.topics] == [t.id for t in load_course(COURSE_ROOT / "course.yml").topics] + ["conv"]
    topic = course.topic("conv")
    assert (topic.title, topic.d2l, topic.points) == ('Convolutions: "cross-correlation" # not a comment', "7.2", 7.5)
    assert [str(p.relative_to(tmp_path)) for p in scaffold.files] == NEW and all(p.is_file() for p in scaffold.files)


def test_the_entry_goes_before_comments_and_keys_that_follow_the_list_at_its_indent(tmp_path):
    path = _course(tmp_path, SMALL)
    new_topic(path, "conv")
    head, _, tail = SMALL.partition("\n# where the grades go\n")
    assert path.read_text(encoding="utf-8") == (
        head + "- id: conv\n  title: \"Conv\"\n  d2l: \"TODO\"\n  points: 10\n"
        '  # banned: ["torch.nn.functional.*"]   # calls none of the topic\'s functions may use; a function may add '
        "its own\n  functions:\n    scale: {weight: 1}\n\n# where the grades go\n" + tail)
    assert load_course(path).lms.gradescope_hidden_visibility == "visible"


def test_a_course_yml_without_a_final_newline_gets_the_entry_on_a_line_of_its_own(tmp_path):
    path = _course(tmp_path, SMALL.partition("\n\n#")[0])
    new_topic(path, "conv")
    assert [t.id for t in load_course(path).topics] == ["norms", "conv"]


@pytest.mark.parametrize(("topic_id", "why"), [
    ("Conv", "must be a lower-case Python identifier"),
    ("2d_conv", "must be a lower-case Python identifier"),
    ("soft-max", "must be a lower-case Python identifier"),
    ("", "must be a lower-case Python identifier"),
    ("norms", "is a topic of the course already"),
    ("lambda", "is a Python keyword"),
    ("match", "is a Python keyword"),
    ("test_conv", "would make exercises/<id>.py a test module that pytest collects"),
    ("math", "would shadow the standard library module math"),
    ("solutions", "would shadow the course's folder or package solutions"),
    ("sum", "would shadow the built-in sum"),
    ("torch", "would shadow the installed module torch"),
])
def test_a_bad_id_is_one_line_naming_it_and_nothing_is_written(tmp_path, topic_id, why):
    path = _course(tmp_path)
    before = _tree(tmp_path)
    with pytest.raises(CourseError) as info:
        new_topic(path, topic_id)
    assert str(info.value).startswith(f"new topic: id {topic_id!r} {why}"), str(info.value)
    assert "\n" not in str(info.value) and _tree(tmp_path) == before


@pytest.mark.parametrize(("option", "value"), [
    ("title", "two\nlines"), ("title", "a\u2028line separator"), ("title", "a \\ backslash"),
    ("title", 'a """ quote'), ("title", "  "),
    ("d2l", "7.2\t"), ("points", 0.0), ("points", float("nan")), ("points", float("inf")),
])
def test_a_bad_title_section_or_points_is_named_and_nothing_is_written(tmp_path, option, value):
    path = _course(tmp_path)
    before = _tree(tmp_path)
    with pytest.raises(CourseError, match="^" + re.escape(f"new topic: {option}={value!r} must be")):
        new_topic(path, "conv", **{option: value})
    assert _tree(tmp_path) == before


def test_existing_files_are_all_listed_and_nothing_is_overwritten_or_written(tmp_path):
    path = _course(tmp_path)
    for name in ("tests/hidden/test_conv_props.py", "exercises/conv.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# the author's own work\n", encoding="utf-8")
    before = _tree(tmp_path)
    with pytest.raises(CourseError) as info:
        new_topic(path, "conv")
    assert str(info.value) == ("new topic 'conv': refusing to overwrite exercises/conv.py, "
                               "tests/hidden/test_conv_props.py (nothing written)")
    assert _tree(tmp_path) == before


def test_a_file_that_cannot_be_written_leaves_nothing_written(tmp_path):
    path = _course(tmp_path)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "grader").write_text("a file where the mutants' folder must go\n", encoding="utf-8")
    before = _tree(tmp_path)
    with pytest.raises(CourseError, match=r"^new topic: nothing written: .*tests/grader"):
        new_topic(path, "conv")
    assert _tree(tmp_path) == before
    assert not any(p.exists() for p in topic_files(tmp_path, "conv"))


def test_an_inline_topics_list_is_refused_with_the_way_out(tmp_path):
    path = _course(tmp_path, 'course: "x"\ntopics: [{id: norms, title: Norms, d2l: "2.3", points: 10, '
                             "functions: {l1_norm: {}, l2_norm: {}, lp_norm: {}, frobenius_norm: {}}}]\n")
    before = _tree(tmp_path)
    with pytest.raises(CourseError, match=r"^course\.yml: topics: expected a block list .* add the topic's entry by "
                                          r"hand$"):
        new_topic(path, "conv")
    assert _tree(tmp_path) == before


def test_the_stub_raises_not_implemented_error_named_by_the_exercise_as_the_course_s_stubs_do(tmp_path):
    new_topic(_course(tmp_path), "conv")
    stub = (tmp_path / "exercises" / "conv.py").read_text(encoding="utf-8")
    assert '    # TODO(conv.scale): implement\n    raise NotImplementedError("conv.scale")\n' in stub
    assert '    # TODO(norms.l1_norm): implement\n    raise NotImplementedError("norms.l1_norm")\n' in \
        (COURSE_ROOT / "exercises" / "norms.py").read_text(encoding="utf-8"), "the convention copied has changed"
    reference = (tmp_path / "solutions" / "conv.py").read_text(encoding="utf-8")
    docstring = stub[stub.index('    r"""'):stub.index("    # TODO(")]
    assert docstring in reference and "d2l: §TODO" in docstring, "stub and reference share the docstring"


def test_new_topic_command_scaffolds_with_its_options_and_names_the_files(tmp_path):
    path = _course(tmp_path)
    result = CliRunner().invoke(new_group, ["topic", "conv", "--title", "Convolutions", "--d2l", "7.2",
                                            "--points", "5", "--course", str(path)])
    assert result.exit_code == 0, result.output
    assert [line.strip() for line in result.output.splitlines()[1:6]] == NEW, result.output
    topic = load_course(path).topic("conv")
    assert (topic.title, topic.d2l, topic.points) == ("Convolutions", "7.2", 5.0)


def test_new_topic_command_refuses_an_existing_topic_with_the_library_s_error(tmp_path):
    path = _course(tmp_path)
    result = CliRunner().invoke(new_group, ["topic", "norms", "--course", str(path)])
    assert isinstance(result.exception, CourseError) and "'norms' is a topic of the course already" in str(
        result.exception), result.output
