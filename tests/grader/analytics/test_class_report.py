"""The class report's numbers are the gradebook's, it loads nothing, and hostile text stays text.

The HTML is read back with the standard library's parser; every expected number is computed
here from gradebook.json itself, not from the code under test.
"""

import json
import statistics
from html.parser import HTMLParser

import pytest
from rich.console import Console

from grader.analytics.class_report import class_report_html, summary, write_class_report
from grader.errors import GradesError
from grader.gradebook import read_gradebook
from tests.grader.analytics.classes import IMG, MARKUP, SCRIPT, grades_folder


class _Page(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    def rows(self, attribute: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if attribute in attrs]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(gradebook.json as parsed JSON, the report's page parsed, the HTML)."""
    grades = grades_folder(tmp_path_factory.mktemp("class"))
    html = class_report_html(read_gradebook(grades))
    return json.loads((grades / "gradebook.json").read_text()), _Page(html), html


def _kinds(topic: dict) -> set[str]:
    """The status kinds of a topic of gradebook.json, by the engine's wording."""
    failed = [x["message"] for x in topic["tests"] if not x["passed"]]
    wording = {"timeout": "no answer within", "crashed": "the submission's process", "banned": "uses a banned call",
               "not_attempted": "not attempted: "}
    found = {kind for kind, words in wording.items() if any(words in m for m in failed)}
    return {topic["status"]} if topic["status"] != "graded" else found


def test_each_topics_mean_and_status_counts_are_the_gradebooks(graded):
    gradebook, page, _ = graded
    rows = {r["data-topic"]: r for r in page.rows("data-mean") if r.get("data-topic")}
    topics = {t["id"] for s in gradebook["students"] for t in s["topics"]}
    assert set(rows) == topics
    for topic in topics:
        entries = [t for s in gradebook["students"] for t in s["topics"] if t["id"] == topic]
        assert float(rows[topic]["data-mean"]) == pytest.approx(statistics.fmean(t["score"] for t in entries), abs=1e-6)
        for kind in ("missing", "import_error", "timeout", "crashed", "banned", "not_attempted"):
            counted = sum(kind in _kinds(t) for t in entries)
            assert int(rows[topic]["data-" + kind.replace("_", "-")]) == counted, (topic, kind)
    assert sum(int(r[f"data-{k}"]) for r in rows.values() for k in ("missing", "timeout", "crashed", "banned")) == 4


def test_the_total_mean_is_the_gradebooks(graded):
    gradebook, page, _ = graded
    total = next(attrs for tag, attrs in page.tags if attrs.get("id") == "total")
    mean = statistics.fmean(s["total"] for s in gradebook["students"])
    assert float(total["data-mean"]) == pytest.approx(mean, abs=1e-6)
    assert float(total["data-max"]) == gradebook["max_points"]


def test_each_tests_pass_count_is_the_gradebooks_and_the_worst_comes_first(graded):
    gradebook, page, _ = graded
    rows = [r for r in page.rows("data-test") if "data-passed" in r]
    counted = {}
    for student in gradebook["students"]:
        for topic in student["topics"]:
            for test in topic["tests"]:
                counted[test["name"]] = counted.get(test["name"], 0) + test["passed"]
    assert {r["data-test"]: int(r["data-passed"]) for r in rows} == counted
    assert all(int(r["data-students"]) == len(gradebook["students"]) for r in rows)
    passes = [int(r["data-passed"]) for r in rows]
    assert passes == sorted(passes)


def test_each_functions_count_of_students_passing_all_its_tests_is_the_gradebooks(graded):
    gradebook, page, _ = graded
    rows = {r["data-function"]: int(r["data-passed"]) for r in page.rows("data-passed") if "data-test" not in r}
    functions = {x["function"] for s in gradebook["students"] for t in s["topics"] for x in t["tests"]}
    assert rows == {f: sum(all(x["passed"] for t in s["topics"] for x in t["tests"] if x["function"] == f)
                           for s in gradebook["students"]) for f in functions}


def test_the_largest_mistake_is_at_the_top_with_its_students(graded):
    _, page, _ = graded
    first = next(attrs for tag, attrs in page.tags if tag == "li" and "data-size" in attrs)
    assert (first["data-function"], first["data-test"], first["data-size"]) == ("softmax", "test_large_logits", "2")
    group = [attrs["data-student"] for tag, attrs in page.tags if tag == "span" and "data-student" in attrs]
    assert group[:2] == ["ana", "ben"]


def test_the_page_references_nothing_outside_itself(graded):
    _, page, html = graded
    assert "http:" not in html and "https:" not in html and "//" not in html.replace("</", "")
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"link", "script", "img", "iframe", "object", "embed", "base", "image", "audio", "video"}
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset", "background"):
            assert attrs.get(name) is None or attrs[name].startswith("#"), (tag, name, attrs[name])
        assert "url(" not in (attrs.get("style") or "") or "url(#" in attrs["style"]


def test_hostile_ids_and_messages_stay_text(graded):
    _, page, html = graded
    assert not any(tag in ("script", "img") for tag, _ in page.tags)
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    text = "".join(page.text)
    assert SCRIPT in text and IMG in text and MARKUP in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_report_is_written_whole_and_an_unwritable_place_is_one_line(tmp_path):
    report = read_gradebook(grades_folder(tmp_path))
    out = tmp_path / "new" / "report.html"
    write_class_report(report, out)
    assert out.read_text(encoding="utf-8") == class_report_html(report)
    (tmp_path / "file").write_text("")
    with pytest.raises(GradesError, match="file/report.html: cannot write the class report"):
        write_class_report(report, tmp_path / "file" / "report.html")


def test_the_terminal_summary_lists_the_largest_groups_as_plain_text(tmp_path):
    console = Console(record=True, width=200)
    console.print(summary(read_gradebook(grades_folder(tmp_path))))
    text = console.export_text()
    rows = [line for line in text.splitlines() if "test_" in line]
    assert "test_large_logits" in rows[0] and "ana, ben" in rows[0]
    assert "test_remainder_in_first_fold" in rows[1] and f"ana, {MARKUP}" in rows[1]
