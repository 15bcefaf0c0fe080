"""The adversarial corpus: hostile submissions, each graded beside an honest twin.

``tests/grader/adversarial/<case>_attack/`` tries one trick; its module docstring says what it
tries, what it would gain and what must stop it. ``<case>_twin/`` is an honest submission with
the wrong answers the attack has when its trick gains nothing. The corpus is graded once per
module, in a copy of the course with a correct bystander topic in every attack's folder
(``adversarial_run.py`` says how). Then, per case: the attack scores no more than its twin, on
every other topic; the bystander keeps full marks; nothing of the hidden tests, the references,
other students' code or course.yml reaches the case's outputs; no process of it survives. For
the whole run: the course is unchanged, the outputs are exactly what the grader writes, the
feedback keeps submission text inside code blocks, nothing was written outside the workers'
scratch, nothing reached the network, no student-topic outlasted its time limits by more than
the kill takes, and the hostile_text attack's messages stay text in the instructor's outputs
(report.html, gradebook.csv, a Moodle export, Gradescope's results).
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from grader.analytics.class_report import write_class_report
from grader.exports.moodle import moodle_csv
from grader.gradescope.results import results_json
from grader.report import gradebook_json, write_report
from grader.scoring import StudentResult, TopicResult
from tests.grader.adversarial_run import (
    BYSTANDER,
    CASES,
    CORPUS,
    SURVIVOR,
    Run,
    feedback,
    grade_corpus,
    gradebook,
    leaks,
    output_texts,
    strings,
    walk,
)
from tests.grader.leaks import assert_no_leak

# What a student-topic may take past its import and topic limits: the test running when the
# topic's limit is reached (the limit is checked between tests) with every call cut at
# call_timeout_s, and the kill of its worker.
OVERRUN_S = 30.0
FORGED = "DLGRADE-FORGED-FEEDBACK"  # the forge_feedback attack's Markdown carries it


def test_every_attack_has_a_twin_and_says_what_it_tries():
    assert len(CASES) >= 24, f"only {len(CASES)} cases in {CORPUS}"
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert folders == {f"{c}_{kind}" for c in CASES for kind in ("attack", "twin")}, \
        f"unpaired folders: {sorted(folders ^ {f'{c}_{k}' for c in CASES for k in ('attack', 'twin')})}"
    for case in CASES:
        attack, twin = CORPUS / f"{case}_attack", CORPUS / f"{case}_twin"
        assert {p.name for p in attack.glob("*.py")} == {p.name for p in twin.glob("*.py")}, case
        assert BYSTANDER not in {p.stem for p in attack.glob("*.py")}, f"{case}: the bystander is added when grading"
        for path in attack.glob("*.py"):
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert all(part in doc for part in ("Attack:", "Tries:", "Would gain:", "Must stop it:")), \
                f"{path.relative_to(CORPUS)}: the docstring must say what it tries, would gain and what stops it"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The corpus graded once for this module's tests (:func:`grade_corpus`)."""
    with grade_corpus(tmp_path_factory) as graded:
        yield graded


# ---------------------------------------------------------------- per case


def _topic(student: StudentResult, topic_id: str) -> TopicResult:
    return next(t for t in student.topics if t.id == topic_id)


@pytest.mark.parametrize("case", CASES)
def test_attack_scores_no_more_than_its_twin(run: Run, case: str):
    attack, twin = run.student(f"{case}_attack"), run.student(f"{case}_twin")
    gains = []
    for mine, theirs in zip(attack.topics, twin.topics, strict=True):
        if mine.id != BYSTANDER and mine.score > theirs.score:  # only the attack's folder has the bystander
            passed = {t.name for t in mine.tests if t.passed} - {t.name for t in theirs.tests if t.passed}
            gains.append(f"{mine.id}: {mine.score} > {theirs.score} (passes {sorted(passed)})")
    assert not gains, f"{case}: the attack scores more than its twin: " + "; ".join(gains)


@pytest.mark.parametrize("case", CASES)
def test_bystander_keeps_full_marks(run: Run, case: str):
    topic = _topic(run.student(f"{case}_attack"), BYSTANDER)
    failed = [f"{t.name}: {t.message[:200]}" for t in topic.tests if not t.passed]
    assert topic.status == "graded" and topic.score == topic.max_score, \
        f"{case}_attack: {BYSTANDER} {topic.score}/{topic.max_score} ({topic.status}) {topic.message[:200]} " \
        f"{failed[:3]}"


@pytest.mark.parametrize("case", CASES)
def test_attack_leaves_no_process_behind(run: Run, case: str):
    left = {pid: cmd for pid, cmd in run.survivors.items() if f"{SURVIVOR}-{case}" in cmd}
    assert not left, f"{case}: still running a second after grading: {left}"


@pytest.mark.parametrize("case", CASES)
def test_attack_leaks_nothing_into_its_outputs(run: Run, case: str):
    ids = (f"{case}_attack", f"{case}_twin")
    texts = {name: text for name, text in feedback(run).items() if Path(name).stem in ids}
    texts.update({f"gradebook.json: {s['id']}": "\n".join(strings(s)) for s in gradebook(run)["students"]
                  if s.get("id") in ids})
    found = leaks(texts, run.secrets)
    assert not found, f"{case}: secret text in the outputs:\n" + "\n".join(found[:10])


# ---------------------------------------------------------------- the whole run


@pytest.mark.parametrize("case", CASES)
def test_feedback_shows_none_of_the_grader_s_internals(run: Run, case: str):
    """Whatever an attack raises or prints: no traceback, path, hidden test line or Hypothesis name."""
    for name, text in feedback(run).items():
        if Path(name).stem in (f"{case}_attack", f"{case}_twin"):
            assert_no_leak(text, name)


def test_no_output_holds_hidden_tests_references_or_secrets(run: Run):
    found = leaks(output_texts(run), run.secrets)
    assert not found, "\n".join(found[:20])


@pytest.mark.slow  # grades the corpus a second time (~5 core-minutes): `pytest -m slow`
def test_replay_grades_the_corpus_as_live_runs_do(run: Run):
    """Every student-topic alike, except where a wall-clock limit decided part of either run: how
    much a slow attack gets done before its limit differs between any two runs under load."""
    compared = []
    for student, live in zip(run.report.students, run.grade_live().students):
        for topic, again in zip(student.topics, live.topics):
            if not (_timed(topic) or _timed(again)):
                assert _without_addresses(topic) == _without_addresses(again), \
                    f"{student.id}/{topic.id}: replay changed its results"
                compared.append(topic)
    assert len(compared) >= len(CASES), f"only {len(compared)} student-topics ran without a time limit"


def _without_addresses(topic: TopicResult) -> str:
    """The result as JSON, object addresses (an attack's repr in a message) masked: they differ per process."""
    return re.sub(r"0x[0-9a-f]+", "0x…", json.dumps(asdict(topic) | {"seconds": 0}))


def _timed(topic: TopicResult) -> bool:
    return topic.status == "timeout" or any(
        "no answer within" in t.message or "time limit" in t.message for t in topic.tests)


def test_course_files_are_unchanged(run: Run):
    changed = sorted(k for k in run.before.keys() | run.after.keys() if run.before.get(k) != run.after.get(k))
    assert not changed, f"changed, added or removed in the course during grading: {changed}"


def test_outputs_are_exactly_what_the_grader_writes(run: Run, tmp_path: Path):
    clean = tmp_path / "clean"
    write_report(run.report, clean)
    expected = {str(p.relative_to(clean)): p.read_bytes() for p in walk(clean)}
    actual = {str(p.relative_to(run.out)): (f"-> {os.readlink(p)}".encode() if p.is_symlink() else p.read_bytes())
              for p in walk(run.out)}
    wrong = sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
    assert not wrong, f"outputs missing, extra or different from a clean write: {wrong[:20]}"
    assert json.loads((run.out / "gradebook.json").read_text(encoding="utf-8")) == \
        json.loads(json.dumps(gradebook_json(run.report)))


def test_feedback_keeps_submission_text_inside_code_blocks(run: Run):
    parser = MarkdownIt()
    forged = [name for name, text in feedback(run).items()
              if FORGED in " ".join(t.content for t in parser.parse(text) if t.type == "inline")]
    assert not forged, f"a submission's message renders as the feedback's own Markdown in {forged}"


def test_nothing_is_written_outside_the_workers_scratch(run: Run):
    assert not run.probes, f"written by attacks: {[str(p) for p in run.probes]}"


def test_nothing_reaches_the_network(run: Run):
    assert not run.received, f"the listener on 127.0.0.1 received {run.received[:5]}"


def test_no_process_is_left_behind(run: Run):
    assert not run.survivors, f"still running a second after grading: {run.survivors}"


def test_no_student_topic_outlasts_its_time_limits(run: Run):
    settings = run.graded_course().settings
    limit = settings.import_timeout_s + settings.topic_timeout_s + OVERRUN_S
    slow = {f"{s.id}/{t.id}": round(t.seconds) for s in run.report.students for t in s.topics if t.seconds > limit}
    assert not slow, f"graded for longer than {limit:g} s: {slow} (the whole corpus took {run.seconds:.0f} s)"


# ---------------------------------------------------------------- the instructor's outputs


def test_hostile_text_stays_text_in_every_output(run: Run, tmp_path: Path):
    """The hostile_text attack's messages (``<script>``, ``<img onerror>``, ``=HYPERLINK``,
    ``@SUM``) read as text in report.html, gradebook.csv, a Moodle export with feedback (which
    Moodle shows as HTML) and the attack's Gradescope results."""
    write_class_report(run.report, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not _markup(page), f"report.html: {_markup(page)[:5]}"
    assert "&lt;script&gt;alert(" in page, "report.html does not show the attack's <script> message as text"

    moodle = moodle_csv(run.report, id_field="username", feedback=True).text
    header, *rows = list(csv.reader(io.StringIO(moodle)))
    cells = [cell for row in rows for title, cell in zip(header, row) if title.startswith("Feedback for ")]
    assert not [m for cell in cells for m in _markup(cell)], \
        f"moodle.csv: markup in feedback: {[m for cell in cells for m in _markup(cell)][:5]}"
    assert "=HYPERLINK(" in moodle and "&lt;script&gt;alert(" in moodle, "the Moodle export lacks the attack's messages"
    for name, text in (("gradebook.csv", (run.out / "gradebook.csv").read_text(encoding="utf-8")),
                       ("moodle.csv", moodle)):
        formulas = [cell for row in csv.reader(io.StringIO(text)) for cell in row
                    if cell.startswith(("=", "+", "-", "@")) and not re.fullmatch(r"[-+]?\d+(?:\.\d+)?", cell)]
        assert not formulas, f"{name}: cells a spreadsheet runs as formulas: {formulas[:5]}"

    results = results_json(run.graded_course(), run.student("hostile_text_attack"), run.report.sandbox, run.seconds)
    markdown = MarkdownIt("commonmark", {"html": True})
    rendered = {"output": markdown.render(results["output"])} | \
        {test["name"]: markdown.render(test["output"]) for test in results["tests"]}
    markup = {name: _markup(html) for name, html in rendered.items() if _markup(html)}
    assert not markup, f"results.json: Gradescope renders markup from the submission: {markup}"
    assert any("&lt;script&gt;alert(" in html for html in rendered.values()), \
        "results.json does not show the attack's <script> message as text"


class _Markup(HTMLParser):
    """The tags and attributes of an HTML text that could run script or fetch: ``script``, ``img``, ``on*``."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "img"):
            self.found.append(f"<{tag}>")
        self.found += [f"<{tag} {name}=...>" for name, _ in attrs if name.startswith("on")]


def _markup(html: str) -> list[str]:
    """What :class:`_Markup` finds in ``html``, in order."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.found
