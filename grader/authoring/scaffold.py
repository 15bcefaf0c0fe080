"""``new_topic``: a new topic's files from templates, a complete tiny topic the author then edits.

The scaffold is one example function, ``scale(x, alpha)``, with everything a topic has: its
course.yml entry, a stub that teaches (exercises/), the reference (solutions/), a public example
and hidden properties (tests/), and a catalog of plausible mistakes (tests/grader/mutants/), each
of which the example's tests catch. So ``dlgrade validate`` passes on the new topic at once (the
reference earns full marks, the stub 0) and the project's own mutant tests keep passing; the
author replaces the example function by the topic's.

The files come from jinja2 templates in ``grader/authoring/templates``. course.yml is edited as
text (the entry appended at the end of its ``topics:`` list), so its comments and layout stay as
the author wrote them; the result is loaded with :func:`grader.course.load_course` before anything
is written. Nothing existing is overwritten, and either every file is written or none.
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import keyword
import math
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from grader.course import load_course
from grader.errors import CourseError
from grader.report import atomic_write

__all__ = ["Scaffold", "new_topic", "topic_files"]

_ID = re.compile(r"[a-z][a-z0-9_]*")
# The course's own folders: a topic module of that name would shadow them (``from solutions import ...``).
_COURSE_NAMES = {"exercises", "solutions", "tests", "examples", "grader", "conftest"}
_TOPICS_KEY = re.compile(r"topics:[ \t]*(#.*)?")
_TEMPLATES = {"exercises/{}.py": "exercise.py.j2", "solutions/{}.py": "solution.py.j2",
              "tests/public/test_{}.py": "test_public.py.j2", "tests/hidden/test_{}_props.py": "test_hidden.py.j2",
              "tests/grader/mutants/{}.py": "mutants.py.j2"}


@dataclass(frozen=True)
class Scaffold:
    """What :func:`new_topic` wrote: the course file it appended to and the new files (absolute)."""

    course_file: Path
    files: tuple[Path, ...]


def topic_files(root: Path, topic_id: str) -> list[Path]:
    """The files a new topic ``topic_id`` gets under the course folder ``root``, in writing order."""
    return [root / pattern.format(topic_id) for pattern in _TEMPLATES]


def new_topic(course_file: Path, topic_id: str, *, title: str | None = None, d2l: str | None = None,
              points: float = 10.0) -> Scaffold:
    """Scaffold topic ``topic_id`` in the course of ``course_file``: its entry and its five files.

    Args:
        course_file: the course's course.yml; the files go under its folder.
        topic_id: a lower-case Python identifier, not yet a topic, that shadows no module.
        title: the topic's title; default: ``topic_id`` in words ("kernel_ridge" -> "Kernel ridge").
        d2l: the book's section, e.g. ``"5.6"``; default ``"TODO"``, a placeholder to replace.
        points: the topic's points, > 0.

    Raises:
        CourseError: course.yml is invalid or its ``topics`` is not a block list; a bad id, title,
            section or points (named with its value); a file of the topic exists already (all of
            them listed, nothing written); a file cannot be written (nothing is left written).
    """
    course_file = Path(course_file)
    course = load_course(course_file)
    _check_id(topic_id, {t.id for t in course.topics})
    title = _check_text("title", title if title is not None else topic_id.replace("_", " ").capitalize())
    d2l = _check_text("d2l", d2l if d2l is not None else "TODO")
    if not (math.isfinite(points) and points > 0):
        raise CourseError(f"new topic: points={points!r} must be a number > 0")
    files = topic_files(course.root, topic_id)
    existing = [str(p.relative_to(course.root)) for p in files if p.exists()]
    if existing:
        raise CourseError(f"new topic {topic_id!r}: refusing to overwrite {', '.join(existing)} (nothing written)")
    env = _environment()
    context = {"id": topic_id, "title": title, "d2l": d2l,
               "points": str(int(points)) if float(points).is_integer() else repr(float(points))}
    texts = [env.get_template(name).render(context) for name in _TEMPLATES.values()]
    old = course_file.read_text(encoding="utf-8")
    new = _append_topic(old, env.get_template("course_entry.yml.j2").render(context), course_file.name)
    _check_appended(old, new, topic_id, course_file.name)
    _write_all(course_file, old, new, dict(zip(files, texts)))
    return Scaffold(course_file, tuple(files))


def _check_id(topic_id: str, topics: set[str]) -> None:
    """One line naming ``topic_id`` and why it cannot be a topic's id."""
    why = None
    if not _ID.fullmatch(topic_id):
        why = "must be a lower-case Python identifier: a letter a-z, then a-z, 0-9 or _"
    elif topic_id in topics:
        why = "is a topic of the course already"
    elif keyword.iskeyword(topic_id) or keyword.issoftkeyword(topic_id):
        why = "is a Python keyword"
    elif topic_id.startswith("test_") or topic_id.endswith("_test"):
        why = "would make exercises/<id>.py a test module that pytest collects"
    elif topic_id in sys.stdlib_module_names or topic_id in sys.builtin_module_names:
        why = f"would shadow the standard library module {topic_id}"
    elif topic_id in _COURSE_NAMES:
        why = f"would shadow the course's folder or package {topic_id}"
    elif hasattr(builtins, topic_id):
        why = f"would shadow the built-in {topic_id}"
    elif topic_id in sys.modules or importlib.util.find_spec(topic_id) is not None:
        why = f"would shadow the installed module {topic_id}"
    if why:
        raise CourseError(f"new topic: id {topic_id!r} {why}")


def _check_text(name: str, value: str) -> str:
    """``value`` for a docstring and a YAML string: printable text on one line, no backslash or triple quote."""
    if not value.strip() or not value.isprintable() or "\\" in value or '"""' in value:
        raise CourseError(f"new topic: {name}={value!r} must be one non-empty line of printable text without a "
                          "backslash or '\"\"\"' (it goes into docstrings)")
    return value.strip()


def _environment() -> jinja2.Environment:
    """Templates of Python and YAML: no HTML escaping; ``yaml`` quotes a string as a YAML scalar."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.authoring", "templates"), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    # JSON's double-quoted strings are YAML's: every character is kept, nothing is parsed as YAML syntax
    env.filters["yaml"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


def _append_topic(text: str, entry: str, name: str) -> str:
    """``text`` with ``entry`` (a list item, unindented) appended to the ``topics:`` block list.

    The entry goes after the list's last line of content, indented as its items are: comments and
    blank lines that follow the list (the next key's) stay after it.
    """
    lines = re.findall(r"[^\n]*\n|[^\n]+\Z", text)  # splitlines() also breaks at \x0c, \x1c..., YAML does not
    start = next((i for i, line in enumerate(lines) if line.startswith("topics:")), None)
    if start is None or not _TOPICS_KEY.fullmatch(lines[start].rstrip("\r\n")):
        raise CourseError(f"{name}: topics: expected a block list ('topics:' alone on its line, then '- id: ...'); "
                          "add the topic's entry by hand")
    items = [line for line in lines[start + 1:] if line.lstrip().startswith("- ")]
    indent = len(items[0]) - len(items[0].lstrip()) if items else 2
    last = start
    for i in range(start + 1, len(lines)):
        line = lines[i]
        content = line.strip() and not line.lstrip().startswith("#")
        if content and not line[0].isspace() and not (indent == 0 and line.startswith("-")):
            break  # the next top-level key
        if content:
            last = i
    head = "".join(lines[:last + 1])
    if not head.endswith("\n"):
        head += "\n"
    return head + "".join(" " * indent + line for line in entry.splitlines(keepends=True)) + "".join(lines[last + 1:])


def _check_appended(old: str, new: str, topic_id: str, name: str) -> None:
    """``new`` is a valid course: ``old``'s with one more topic, ``topic_id``, at the end."""
    with tempfile.TemporaryDirectory(prefix="dlgrade-new-") as tmp:
        path = Path(tmp) / name
        path.write_text(new, encoding="utf-8")
        load_course(path, check_modules=False)
    before, after = yaml.safe_load(old), yaml.safe_load(new)
    ids = [t.get("id") for t in after.pop("topics")]
    if ids != [t.get("id") for t in before.pop("topics")] + [topic_id] or before != after:
        raise CourseError(f"{name}: appending topic {topic_id!r} to the topics list changed more than the list "
                          "(an unusual layout); add the topic's entry by hand")


def _write_all(course_file: Path, old: str, new: str, files: dict[Path, str]) -> None:
    """Write every file, then course.yml; on any failure remove what was written (folders made
    too) and restore course.yml."""
    written: list[Path] = []  # files and the folders made for them, in the order made
    try:
        for path, text in files.items():
            made = [p for p in reversed(path.parents) if not p.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            written += made
            _create(path, text)
            written.append(path)
        atomic_write(course_file, new)
        load_course(course_file)  # checked before writing; here the modules are there too
    except (OSError, CourseError) as exc:
        for path in reversed(written):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        if course_file.read_text(encoding="utf-8") != old:
            atomic_write(course_file, old)
        raise CourseError(f"new topic: nothing written: {exc}") from None


def _create(path: Path, text: str) -> None:
    """Write a new file; FileExistsError if ``path`` exists (made since the check): never overwritten."""
    with path.open("x", encoding="utf-8") as f:
        f.write(text)
