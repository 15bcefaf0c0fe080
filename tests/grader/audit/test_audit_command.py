"""``dlgrade audit`` end to end on the cheapest topic (activations: ~85 gradings, ~25 s on 2
cores): the CI smoke test of the audit. Every generated mutant is graded, the catalog is killed,
the correct alternatives keep full marks and the stub scores 0; a second run comes from the
cache and prints the same audit.json."""

import json

import pytest
from click.testing import CliRunner

from grader.audit.cli import audit_command
from grader.errors import CourseError
from tests.grader.mutants import COURSE_ROOT

COURSE = str(COURSE_ROOT / "course.yml")


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit") / "out"
    result = CliRunner().invoke(audit_command, ["--topic", "activations", "--jobs", "2", "--out", str(out),
                                                "--course", COURSE], terminal_width=150)
    return result, out


def test_the_audit_of_a_topic_prints_its_table_and_writes_its_files(audited):
    result, out = audited
    assert result.exit_code == 0, result.output
    topic = json.loads((out / "audit.json").read_text())["topics"][0]
    assert topic["id"] == "activations" and topic["generated"] >= 50
    assert topic["killed"] + topic["survived"] == topic["generated"]
    assert topic["wheats_full"] and topic["stub_zero"] and topic["catalog_killed"] == topic["catalog_total"] >= 8
    assert len(topic["survivors"]) == topic["survived"] - topic["equivalent"] - topic["accepted"]
    assert "activations" in result.output and "tanh_grad" in result.output and "score" in result.output
    assert "## activations" in (out / "audit.md").read_text()


def test_a_second_audit_comes_from_the_cache_and_prints_the_same_json(audited):
    _, out = audited
    again = CliRunner().invoke(audit_command, ["--topic", "activations", "--jobs", "1", "--out", str(out), "--json",
                                               "--course", COURSE])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == json.loads((out / "audit.json").read_text())


def test_an_unknown_topic_is_a_course_error(tmp_path):
    result = CliRunner().invoke(audit_command, ["--topic", "nope", "--out", str(tmp_path), "--course", COURSE])
    assert isinstance(result.exception, CourseError) and "no topic 'nope'" in str(result.exception)
