"""similarity.html and ``dlgrade similarity``: hostile text stays text, nothing loads from outside."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from grader.course import load_course
from grader.similarity import cli, find_similar, similarity_html
from grader.similarity.cli import similarity_command
from tests.grader.courses import COURSE_ROOT

HOSTILE_FOLDER = "<img src=x onerror=alert(1)>"
HOSTILE_CODE = "</pre><script>alert(1)</script>"
MARKUP_FOLDER = "[bold]ann"  # rich markup: must print as typed
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "table", "tr", "th",
                "td", "a", "section", "div", "pre", "mark"}


class _Page(HTMLParser):
    """The tags, attributes, text and CSS of an HTML document, as a browser's parser sees them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.css: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        (self.css if self.tags and self.tags[-1] == "style" else self.text).append(data)


@pytest.fixture
def submissions(tmp_path) -> Path:
    """Two students, one with a hostile folder name, handing in the same sgd.py, the copy with a
    hostile comment and string."""
    source = (COURSE_ROOT / "examples" / "class" / "dmitri" / "sgd.py").read_text(encoding="utf-8")
    root = tmp_path / "submissions"
    (root / MARKUP_FOLDER).mkdir(parents=True)
    (root / MARKUP_FOLDER / "sgd.py").write_text(source, encoding="utf-8")
    (root / HOSTILE_FOLDER).mkdir()
    (root / HOSTILE_FOLDER / "sgd.py").write_text(f"# {HOSTILE_CODE}\nNOTE = {HOSTILE_CODE!r}\n{source}",
                                                  encoding="utf-8")
    return root


@pytest.fixture
def page(submissions) -> _Page:
    result = find_similar(load_course(COURSE_ROOT / "course.yml"), submissions, topics=["sgd"])
    assert len(result.pairs) == 1  # the hostile texts are in the report, not left out of it
    return _Page(similarity_html(result))


def test_hostile_folder_name_and_code_stay_text(page):
    assert set(page.tags) <= ALLOWED_TAGS  # no <script>, no <img>: they arrived as text
    assert page.tags.count("pre") == 2  # the code's </pre> closed nothing
    text = "".join(page.text)
    assert HOSTILE_FOLDER in text and HOSTILE_CODE in text


def test_report_references_nothing_outside_itself(page):
    assert [name for name, _ in page.attrs if name in {"src", "srcset", "action", "data"}] == []
    assert all(value.startswith("#pair-") for name, value in page.attrs if name == "href")
    css = "".join(page.css)
    assert css and "url(" not in css and "@import" not in css


def test_cli_writes_the_report_and_prints_names_as_typed(submissions, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "console", Console(width=200, highlight=False))  # no name wrapped in its cell
    out = tmp_path / "similarity.html"
    result = CliRunner().invoke(similarity_command, [str(submissions), "--out", str(out), "--topic", "sgd",
                                                     "--course", str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 0, result.output
    assert MARKUP_FOLDER in result.output and "onerror=alert(1)>" in result.output
    assert f"1 of 1 pairs flagged; wrote {out}" in result.output
    assert set(_Page(out.read_text(encoding="utf-8")).tags) <= ALLOWED_TAGS


def test_cli_refuses_an_out_in_a_missing_folder_before_comparing(submissions, tmp_path):
    out = tmp_path / "missing" / "similarity.html"
    result = CliRunner().invoke(similarity_command, [str(submissions), "--out", str(out),
                                                     "--course", str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not out.parent.exists()
