"""course.yml's accepted survivors: validated with one-line errors naming their key, matched by
mutant id, and reported when the tests kill them or no mutant has their id any more."""

import pytest

from grader.audit.accepted import AcceptedSurvivor, match_accepted
from grader.course import load_course
from grader.errors import CourseError
from tests.grader.mutants import COURSE_ROOT

ENTRY = """\
audit:
  accepted:
    - topic: norms
      function: _power_norm
      mutant: _power_norm@0123456789
      reason: a slice of zeros scales by any positive number
"""


def _course_with(tmp_path, text: str):
    """The shipped course.yml with ``text`` for its audit section (the shipped one left out)."""
    path = tmp_path / "course.yml"
    shipped = (COURSE_ROOT / "course.yml").read_text(encoding="utf-8").split("\naudit:")[0]
    path.write_text(shipped.rstrip("\n") + "\n" + text)
    return load_course(path, check_modules=False)


def test_no_entry_accepts_nothing(tmp_path):
    assert _course_with(tmp_path, "").audit.accepted == ()


def test_an_entry_is_read(tmp_path):
    assert _course_with(tmp_path, ENTRY).audit.accepted == (
        AcceptedSurvivor(topic="norms", function="_power_norm", mutant="_power_norm@0123456789",
                         reason="a slice of zeros scales by any positive number"),)


@pytest.mark.parametrize(("text", "error"), [
    (ENTRY.replace("      reason: a slice of zeros scales by any positive number\n", ""),
     "audit.accepted.0.reason: Field required"),
    (ENTRY.replace("reason:", "reasno:"), "audit.accepted.0.reasno"),
    (ENTRY.replace("topic: norms", "topic: nroms"), "audit.accepted.0.topic: no topic 'nroms'"),
    (ENTRY.replace("mutant: _power_norm@", "mutant: l1_norm@"),
     "audit.accepted.0.mutant: 'l1_norm@0123456789' is not a mutant of '_power_norm'"),
    (ENTRY.replace("@0123456789", "@xyz"), "audit.accepted.0.mutant: String should match pattern"),
])
def test_a_wrong_entry_is_a_one_line_error_naming_its_key(tmp_path, text, error):
    with pytest.raises(CourseError) as info:
        _course_with(tmp_path, text)
    lines = str(info.value).splitlines()
    assert any(error in line for line in lines) and all(line.startswith("course.yml") for line in lines), lines


def _entry(mutant: str, topic: str = "norms") -> AcceptedSurvivor:
    return AcceptedSurvivor(topic=topic, function=mutant.split("@")[0], mutant=mutant, reason="why")


def test_accepted_survivors_are_matched_and_those_killed_or_gone_reported():
    surviving, killed, gone, elsewhere = (_entry("f@000000000a"), _entry("f@000000000b"), _entry("g@000000000c"),
                                          _entry("f@000000000d", topic="softmax"))
    matched = match_accepted("norms", {"f@000000000a": False, "f@000000000b": True, "f@000000000d": False},
                             [surviving, killed, gone, elsewhere])
    assert matched.survivors == {"f@000000000a": surviving}
    assert matched.killed == (killed,) and matched.unmatched == (gone,)
