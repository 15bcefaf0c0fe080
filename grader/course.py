"""course.yml -> a frozen, validated :class:`Course`.

Errors name the key path, e.g. ``course.yml: topics.2.functions.grad.weight: Input should be a
valid number``, one line per problem, every problem at once; YAML syntax errors name the line and
column, ``course.yml:3:7: mapping values are not allowed here``.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from grader.errors import CourseError

__all__ = ["Course", "Function", "HiddenFeedback", "Settings", "Topic", "find_course", "load_course"]

_PACKAGED = Path(__file__).resolve().parent.parent / "course.yml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


HiddenFeedback = Literal["full", "property", "score"]


class Settings(_Frozen):
    """Grading settings: Hypothesis examples, seeds, feedback detail and per-worker limits (s, MiB).

    Attributes:
        seed: the seed of every global RNG a submission can reach (``random``, NumPy, torch),
            set before its import and before every test.
        grading_seed: secret seed of the examples the hidden tests draw; None keeps them
            derandomized (the same examples on every run). ``dlgrade grade --seed`` and
            ``$DLGRADE_SEED`` override it.
        scheduler: address of a Dask scheduler whose workers grade (``tcp://host:8786``); None
            grades on this machine. ``dlgrade grade --scheduler`` overrides it.
        hidden_feedback: what a student's feedback shows of a hidden test: ``full`` (the failure
            and its shrunk counterexample), ``property`` (the function, the test's name and
            whether it passed) or ``score`` (nothing but the topic's score).
        shrink: whether a failing hidden or public test is shrunk to its smallest counterexample
            (Hypothesis's shrink phase). It decides no score: a test fails or passes on the
            examples it draws before shrinking. False reports the first failing example found,
            and grades wrong answers several times faster (where nobody reads the examples).
    """

    max_examples: int = Field(25, ge=1)
    seed: int = 0
    grading_seed: int | None = None
    hidden_feedback: HiddenFeedback = "full"
    shrink: bool = True
    call_timeout_s: float = Field(10.0, gt=0)
    topic_timeout_s: float = Field(180.0, gt=0)
    import_timeout_s: float = Field(60.0, gt=0)
    memory_mb: int = Field(4096, ge=256)
    cpu_time_s: float = Field(600.0, gt=0)
    disk_mb: int = Field(64, ge=1)
    scheduler: str | None = None


class Function(_Frozen):
    """A public function or class of a topic: its share of the topic's points, extra bans."""

    weight: float = Field(1.0, gt=0)
    banned: tuple[str, ...] = ()


class Topic(_Frozen):
    """One exercise module: ``exercises/<id>.py``, ``solutions/<id>.py`` and its tests."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    d2l: str
    points: float = Field(gt=0)
    banned: tuple[str, ...] = ()
    functions: dict[str, Function] = Field(min_length=1)

    def banned_in(self, function: str) -> tuple[str, ...]:
        """The banned call patterns of ``function``: the topic's and its own."""
        return self.banned + self.functions[function].banned

    def function_points(self, function: str) -> float:
        """Points of ``function``: the topic's points split by weight."""
        total = sum(f.weight for f in self.functions.values())
        return self.points * self.functions[function].weight / total


class Lms(_Frozen):
    """Where the grades go after a run (``dlgrade export``, ``dlgrade gradescope build``).

    Attributes:
        canvas_assignments: topic id -> the Canvas gradebook column it fills, as Canvas names it
            in an exported roster (``"Softmax (123456)"``); a topic not listed gets a new column.
        gradescope_hidden_visibility: when Gradescope shows a student the hidden tests' results
            (Gradescope's ``visibility``: ``hidden``, ``after_due_date``, ``after_published`` or
            ``visible``); public tests are always ``visible``.
    """

    canvas_assignments: dict[str, str] = {}
    gradescope_hidden_visibility: Literal["hidden", "after_due_date", "after_published", "visible"] = "after_published"


class AcceptedSurvivor(_Frozen):
    """A mutant of the reference that survives the tests and the course accepts (``dlgrade audit``):
    the topic, the function it changes, its id as the audit prints it, and why it may survive."""

    topic: str
    function: str
    mutant: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*@[0-9a-f]{10}$")
    reason: str = Field(min_length=1)


class Audit(_Frozen):
    """What ``dlgrade audit`` needs of the course: the survivors it accepts, each with its reason."""

    accepted: tuple[AcceptedSurvivor, ...] = ()


class Course(_Frozen):
    """The whole course; ``root`` is the folder of course.yml, where its modules live."""

    course: str
    settings: Settings = Settings()
    lms: Lms = Lms()
    audit: Audit = Audit()
    topics: tuple[Topic, ...] = Field(min_length=1)
    root: Path = Field(exclude=True)

    @model_validator(mode="after")
    def _lms_names_topics(self) -> Course:
        topics = {t.id for t in self.topics}
        unknown = sorted(set(self.lms.canvas_assignments) - topics)
        if unknown:
            raise ValueError(f"lms.canvas_assignments names no topic of the course: {unknown[0]!r}")
        for i, survivor in enumerate(self.audit.accepted):
            if survivor.topic not in topics:
                raise ValueError(f"audit.accepted.{i}.topic: no topic {survivor.topic!r} in the course")
            if not survivor.mutant.startswith(f"{survivor.function}@"):
                raise ValueError(f"audit.accepted.{i}.mutant: {survivor.mutant!r} is not a mutant of "
                                 f"{survivor.function!r}")
        return self

    @field_validator("topics")
    @classmethod
    def _unique_ids(cls, topics: tuple[Topic, ...]) -> tuple[Topic, ...]:
        ids = [t.id for t in topics]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate topic id {dupes[0]!r}")
        return topics

    @property
    def max_points(self) -> float:
        return sum(t.points for t in self.topics)

    def with_settings(self, **changes: object) -> Course:
        """This course with some settings replaced (e.g. ``grading_seed`` from the command line).

        Raises:
            CourseError: a change of the wrong type or out of range, named by its key.
        """
        try:
            settings = Settings(**{**self.settings.model_dump(), **changes})
        except ValidationError as exc:
            raise CourseError(_one_line("settings", exc)) from None
        return self.model_copy(update={"settings": settings})

    def topic(self, topic_id: str) -> Topic:
        """The topic called ``topic_id``; CourseError if there is none."""
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise CourseError(f"course.yml: no topic {topic_id!r} (topics: {', '.join(t.id for t in self.topics)})")


def load_course(path: str | Path, *, check_modules: bool = True) -> Course:
    """Read and validate course.yml; check that every topic has its modules (``check_modules``).

    Raises:
        CourseError: unreadable file, a wrong key or type (named by its path), or a topic without
            ``exercises/<id>.py``, ``solutions/<id>.py`` (where the course ships solutions).
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        raise CourseError(_yaml_problem(path, exc)) from None
    except (OSError, yaml.YAMLError) as exc:
        raise CourseError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None
    except UnicodeDecodeError as exc:
        raise CourseError(f"{path}: cannot read: not UTF-8 text "
                          f"(byte {exc.start} is {exc.object[exc.start]:#x})") from None
    if not isinstance(data, dict):
        raise CourseError(f"{path}: expected a mapping with keys course, settings, topics")
    if "root" in data:  # a field of Course, but the folder of course.yml, never read from it
        raise CourseError(f"{path.name}: root: unknown key root (the course's folder is where course.yml is)")
    try:
        course = Course.model_validate({**data, "root": path.resolve().parent})
    except ValidationError as exc:
        raise CourseError(_one_line(path.name, exc)) from None
    if check_modules:
        _check_modules(course, path.name)
    return course


def _yaml_problem(path: Path, exc: yaml.MarkedYAMLError) -> str:
    """``course.yml:LINE:COL: <problem> (<context> at line L)``: YAML's own message, on one line,
    with 1-based line and column, where YAML's marks count from 0."""
    mark = exc.problem_mark or exc.context_mark
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
    problem = exc.problem or exc.context or "invalid YAML"
    context = ""
    if exc.problem and exc.context:
        at = f" at line {exc.context_mark.line + 1}" if exc.context_mark else ""
        context = f" ({exc.context}{at})"
    return f"{where}: {problem}{context}"


def _one_line(name: str, exc: ValidationError) -> str:
    """Every error of ``exc``, one line each: ``<name>: <key path>: <what was expected> (got <value>)``;
    an unknown key says which known key it may have meant."""
    errors = exc.errors()
    # pydantic also reports a tuple as too short when only its items failed: noise beside their errors
    errors = [e for e in errors if not (e["type"] == "too_short" and any(
        o["loc"][:len(e["loc"])] == e["loc"] and len(o["loc"]) > len(e["loc"]) for o in errors))]
    lines = []
    for err in errors:
        where = ".".join(str(part) for part in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            lines.append(f"{name}: {where}: {_unknown_key(err['loc'])}")
            continue
        got = f" (got {err['input']!r})" if isinstance(err.get("input"), (str, int, float)) else ""
        lines.append(f"{name}: {where}: {err['msg']}{got}")
    return "\n".join(lines)


def _unknown_key(loc: tuple[str | int, ...]) -> str:
    """``unknown key max_exampels (did you mean max_examples?)`` for the key at ``loc``."""
    key = str(loc[-1])
    known = _keys_at(loc[:-1])
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else f" (known keys: {', '.join(known)})" if known else ""
    return f"unknown key {key}{hint}"


def _keys_at(loc: tuple[str | int, ...]) -> list[str]:
    """The keys course.yml allows in the mapping at ``loc`` (e.g. ``("topics", 0)``: a Topic's)."""
    model: type[BaseModel] | None = Course
    for part in loc:
        if model is not None:  # a field name: step into its type
            if str(part) not in model.model_fields:
                return []
            annotation = model.model_fields[str(part)].annotation
            model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
            container = None if model is not None else annotation
        else:  # an index or a key of a tuple or dict of models: step into the item's model
            items = [a for a in get_args(container) if isinstance(a, type) and issubclass(a, BaseModel)]
            if not items:
                return []
            model = items[0]
    if model is None:
        return []
    return [name for name, field in model.model_fields.items() if not field.exclude]


def _check_modules(course: Course, name: str) -> None:
    missing = [f"{name}: topics.{i}.id: no module {folder}/{topic.id}.py for topic {topic.id!r}"
               for i, topic in enumerate(course.topics) for folder in ("exercises", "solutions")
               # a student bundle ships no solutions
               if (folder == "exercises" or (course.root / folder).is_dir())
               and not (course.root / folder / f"{topic.id}.py").is_file()]
    if missing:
        raise CourseError("\n".join(missing))


def find_course(path: str | Path | None = None) -> Course:
    """Load ``path``, else ``course.yml`` in the current folder, else the packaged course.

    Raises:
        CourseError: no course.yml found, or it is invalid.
    """
    if path is None:
        path = Path("course.yml") if Path("course.yml").is_file() else _PACKAGED
    if not Path(path).is_file():
        raise CourseError(f"course file {str(path)!r} not found (pass --course FILE)")
    return load_course(path)
