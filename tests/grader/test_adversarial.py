"""The adversarial corpus: hostile submissions, each graded beside an honest twin.

``tests/grader/adversarial/<case>_attack/`` tries one trick; its module docstring says what it
tries, what it would gain and what must stop it. ``<case>_twin/`` is an honest submission with
the wrong answers the attack has when its trick gains nothing. The whole corpus is graded once,
through the library API and the CLI's writers, inside a copy of the course (so an attack that
writes can only harm the copy, which the tests then inspect), with a correct bystander topic
(the reference ``activations.py``) added to every attack's folder. Then, per case: the attack
scores no more than its twin, on every other topic; the bystander keeps full marks; nothing of the hidden
tests, the references, other students' code or course.yml reaches the case's outputs; no process
of it survives. For the whole run: the course is unchanged, the outputs are exactly what the
grader writes, the feedback keeps submission text inside code blocks, nothing was written
outside the workers' scratch, nothing reached the network, and no student-topic outlasted its
time limits by more than the kill takes.

Grading runs with short limits and fewer examples (``SETTINGS``): the attack and its twin are
graded on the same examples, so their comparison needs no more, and no shrinking, which decides
no score (``test_mutants.py`` checks it) and is most of the time a wrong answer costs. (Not fewer than 10: with 5 the
wrong answers' first failures come later and shrink for longer, and the corpus takes longer.)
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import select
import shutil
import signal
import site
import socket
import sysconfig
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import grader
from grader.course import load_course
from grader.grading import grade
from grader.report import gradebook_json, write_report
from grader.scoring import Report, StudentResult, TopicResult
from tests.grader.leaks import assert_no_leak

COURSE_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "adversarial"
CASES = sorted(p.name.removesuffix("_attack") for p in CORPUS.glob("*_attack"))
BYSTANDER = "activations"
# What a student-topic may take past its import and topic limits: the test running when the
# topic's limit is reached (the limit is checked between tests) with every call cut at
# call_timeout_s, and the kill of its worker.
OVERRUN_S = 30.0
SETTINGS = {"max_examples": 10, "call_timeout_s": 2.0, "import_timeout_s": 10.0, "topic_timeout_s": 60.0,
            "shrink": False}
SECRET_SEED = "731904226185"  # what $DLGRADE_SEED holds in the grading process: it must not leak
PORTS = range(47613, 47623)  # the network attack tries these
PROBE = "dlgrade_adversarial_probe__"  # the name of every file an attack writes outside the course
SURVIVOR = "dlgrade-survivor"  # in the command line of every process an attack leaves behind
FORGED = "DLGRADE-FORGED-FEEDBACK"  # the forge_feedback attack's Markdown carries it
MIN_LINE = 30  # shorter lines may occur in feedback by chance


@dataclass
class Run:
    """What grading the corpus once produced and left behind."""

    report: Report
    seconds: float
    course: Path  # the graded copy of the course
    out: Path  # its grades/ folder, as `dlgrade grade --out grades` run from the course root
    before: dict[str, str]
    after: dict[str, str]
    secrets: dict[str, str]  # line -> the file it comes from
    survivors: dict[int, str]  # pid -> command line, a second after grading
    received: list[bytes]
    probes: list[Path]
    live: Report  # the corpus graded again, every test run live under Hypothesis instead of replayed

    def student(self, student_id: str) -> StudentResult:
        """The result of the submission folder ``student_id``."""
        return next(s for s in self.report.students if s.id == student_id)


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


# ---------------------------------------------------------------- grading the corpus once


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Grade the corpus in a copy of the course, as `dlgrade grade` from its root would, then again live."""
    course_dir = _copy_course(tmp_path_factory.mktemp("adversarial") / "course")
    course = load_course(course_dir / "course.yml")
    course = course.model_copy(update={"settings": course.settings.model_copy(update=SETTINGS)})
    wanted = {p.stem for p in CORPUS.glob("*/*.py")} | {BYSTANDER}
    out = course_dir / "grades"
    (out / "feedback").mkdir(parents=True)  # as left by an earlier run: attacks may aim at it
    before, secrets, absent = _snapshot(course_dir), _secret_lines(course_dir), _absent_probe_folders()
    listener = _Listener()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DLGRADE_SEED", SECRET_SEED)
            mp.setenv("PYTHONDONTWRITEBYTECODE", "1")  # so only an attack can add a .pyc to the course
            mp.chdir(course_dir)
            start = time.monotonic()
            topics = [t.id for t in course.topics if t.id in wanted]
            report = grade(course, course_dir / CORPUS.relative_to(COURSE_ROOT), topics=topics,
                           jobs=len(os.sched_getaffinity(0)))
            seconds = time.monotonic() - start
            live = grade(course, course_dir / CORPUS.relative_to(COURSE_ROOT), topics=topics,
                         jobs=len(os.sched_getaffinity(0)), replay=False)
        write_report(report, out)
        time.sleep(1)  # give the kernel time to end what the grader killed
        yield Run(report, seconds, course_dir, out, before, _snapshot(course_dir), secrets, _survivors(),
                  listener.received, _probes(), live)
    finally:
        listener.close()
        for pid in _survivors():  # started by this corpus's attacks
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _remove_probes(absent)


def _copy_course(dest: Path) -> Path:
    """The course's files (no caches) under ``dest``, a bystander added to every attack's folder."""
    dest.mkdir()
    (dest / "course.yml").write_bytes((COURSE_ROOT / "course.yml").read_bytes())
    for name in ("solutions", "exercises", "tests", "examples"):
        shutil.copytree(COURSE_ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    bystander = (dest / "solutions" / f"{BYSTANDER}.py").read_bytes()
    for folder in (dest / CORPUS.relative_to(COURSE_ROOT)).glob("*_attack"):
        (folder / f"{BYSTANDER}.py").write_bytes(bystander)
    return dest


def _snapshot(course: Path) -> dict[str, str]:
    """sha256 of course.yml and of every file under solutions/, tests/ and examples/ (links as such)."""
    found = {}
    for top in ("course.yml", "solutions", "tests", "examples"):
        for path in _walk(course / top):
            digest = f"-> {os.readlink(path)}" if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
            found[str(path.relative_to(course))] = digest
    return found


def _walk(root: Path) -> list[Path]:
    """Every file and symlink under ``root`` (or root itself if it is a file), not following links."""
    if not root.is_dir() or root.is_symlink():
        return [root] if root.exists() or root.is_symlink() else []
    found = []
    for folder, dirs, files in os.walk(root):
        found += [Path(folder) / n for n in files]
        found += [Path(folder) / d for d in dirs if (Path(folder) / d).is_symlink()]
    return sorted(found)


def _secret_lines(course: Path) -> dict[str, str]:
    """Lines no output may hold: the hidden tests, the bodies of the reference solutions and of
    the sample class's functions (other students' work), and course.yml."""
    secrets: dict[str, str] = {}
    for path in sorted((course / "tests" / "hidden").glob("*.py")):
        lines = _long(path.read_text(encoding="utf-8").splitlines())
        secrets.update(dict.fromkeys(lines, str(path.relative_to(course))))
    for path in [*sorted((course / "solutions").glob("*.py")), *sorted((course / "examples" / "class").glob("*/*.py"))]:
        secrets.update(dict.fromkeys(_body_lines(path), str(path.relative_to(course))))
    secrets.update(dict.fromkeys(_long((course / "course.yml").read_text(encoding="utf-8").splitlines()), "course.yml"))
    return secrets


def _long(lines: list[str]) -> list[str]:
    return [s for s in (line.strip() for line in lines) if len(s) >= MIN_LINE]


def _body_lines(path: Path) -> list[str]:
    """The long lines of the bodies of ``path``'s functions, docstrings left out (the stubs share them)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return _long(lines)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            for stmt in body:
                found += _long(lines[stmt.lineno - 1:stmt.end_lineno])
    return found


def _survivors() -> dict[int, str]:
    """pid -> command line of every process an attack left: SURVIVOR in its command line, or,
    where it could not exec, in its name (``comm``, cut to 15 bytes)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline, comm = (entry / "cmdline").read_bytes(), (entry / "comm").read_text().strip()
        except OSError:
            continue
        if SURVIVOR.encode() in cmdline or comm == SURVIVOR[:15]:
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace") or comm
    return found


def _probe_folders() -> list[Path]:
    """Where the write attacks drop their probes: start-up hook folders, the grader's bytecode
    caches and the machine's shared temporary folders."""
    package = Path(grader.__file__).resolve().parent
    return [*(Path(p) for p in site.getsitepackages()), Path(site.getusersitepackages()),
            Path(sysconfig.get_path("purelib")), Path(sysconfig.get_path("stdlib")),
            package / "__pycache__", package / "isolation" / "__pycache__", Path("/tmp"), Path("/dev/shm")]


def _absent_probe_folders() -> list[Path]:
    """The probe folders, and their parents, that do not exist yet (an attack may create them)."""
    absent = []
    for folder in _probe_folders():
        while not folder.exists():
            absent.append(folder)
            folder = folder.parent
    return absent


def _probes() -> list[Path]:
    folders = {f.resolve() for f in _probe_folders() if f.is_dir()}
    return sorted(p for folder in folders for p in folder.iterdir() if p.name.startswith(PROBE))


def _remove_probes(absent: list[Path]) -> None:
    """Delete the probes, then the folders an attack created for them (deepest first, if empty)."""
    for path in _probes():
        path.unlink(missing_ok=True)
    for folder in sorted(set(absent), key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass


class _Listener:
    """TCP and UDP on 127.0.0.1, on the first free port of PORTS, recording what arrives."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        for port in PORTS:
            tcp, udp = socket.socket(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                tcp.bind(("127.0.0.1", port))
                udp.bind(("127.0.0.1", port))
            except OSError:
                tcp.close()
                udp.close()
                continue
            tcp.listen()
            self.tcp, self.udp = tcp, udp
            break
        else:
            raise RuntimeError(f"no free port in {PORTS} for the network attack's listener")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self.tcp, self.udp], [], [], 0.2)
            for s in readable:
                if s is self.udp:
                    self.received.append(self.udp.recv(65536))
                    continue
                conn, peer = self.tcp.accept()
                with conn:
                    conn.settimeout(1.0)
                    try:
                        self.received.append(b"connection from %s: " % str(peer).encode() + conn.recv(65536))
                    except OSError:
                        self.received.append(b"connection from %s" % str(peer).encode())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.tcp.close()
        self.udp.close()


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
    texts = {name: text for name, text in _feedback(run).items() if Path(name).stem in ids}
    texts.update({f"gradebook.json: {s['id']}": "\n".join(_strings(s)) for s in _gradebook(run)["students"]
                  if s.get("id") in ids})
    leaks = _leaks(texts, run.secrets)
    assert not leaks, f"{case}: secret text in the outputs:\n" + "\n".join(leaks[:10])


# ---------------------------------------------------------------- the whole run


def _gradebook(run: Run) -> dict:
    try:
        return json.loads((run.out / "gradebook.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"students": []}


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _feedback(run: Run) -> dict[str, str]:
    """Each student's feedback file (wherever a link sends it), by its path under the outputs."""
    paths = [run.out / "feedback" / f"{s.id}.md" for s in run.report.students]
    return {str(p.relative_to(run.out)): p.read_text(encoding="utf-8") for p in paths if p.is_file()}


def _output_texts(run: Run) -> dict[str, str]:
    """Every output file's text, each student's feedback, and gradebook.json's strings decoded."""
    texts = {str(p.relative_to(run.out)): p.read_text(encoding="utf-8", errors="replace")
             for p in _walk(run.out) if p.is_file() and not p.is_symlink()}
    texts.update(_feedback(run))
    texts["gradebook.json (decoded)"] = "\n".join(_strings(_gradebook(run)))
    return texts


def _leaks(texts: dict[str, str], secrets: dict[str, str]) -> list[str]:
    found = [f"{name}: holds {line!r} of {where}" for name, text in texts.items()
             for line, where in secrets.items() if line in text]
    return found + [f"{name}: holds $DLGRADE_SEED" for name, text in texts.items() if SECRET_SEED in text]


@pytest.mark.parametrize("case", CASES)
def test_feedback_shows_none_of_the_grader_s_internals(run: Run, case: str):
    """Whatever an attack raises or prints: no traceback, path, hidden test line or Hypothesis name."""
    for name, text in _feedback(run).items():
        if Path(name).stem in (f"{case}_attack", f"{case}_twin"):
            assert_no_leak(text, name)


def test_no_output_holds_hidden_tests_references_or_secrets(run: Run):
    leaks = _leaks(_output_texts(run), run.secrets)
    assert not leaks, "\n".join(leaks[:20])


def test_replay_grades_the_corpus_as_live_runs_do(run: Run):
    """Every student-topic alike, except where a wall-clock limit decided part of either run: how
    much a slow attack gets done before its limit differs between any two runs under load."""
    compared = []
    for student, live in zip(run.report.students, run.live.students):
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
    expected = {str(p.relative_to(clean)): p.read_bytes() for p in _walk(clean)}
    actual = {str(p.relative_to(run.out)): (f"-> {os.readlink(p)}".encode() if p.is_symlink() else p.read_bytes())
              for p in _walk(run.out)}
    wrong = sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
    assert not wrong, f"outputs missing, extra or different from a clean write: {wrong[:20]}"
    assert json.loads((run.out / "gradebook.json").read_text(encoding="utf-8")) == \
        json.loads(json.dumps(gradebook_json(run.report)))


def test_feedback_keeps_submission_text_inside_code_blocks(run: Run):
    parser = MarkdownIt()
    forged = [name for name, text in _feedback(run).items()
              if FORGED in " ".join(t.content for t in parser.parse(text) if t.type == "inline")]
    assert not forged, f"a submission's message renders as the feedback's own Markdown in {forged}"


def test_nothing_is_written_outside_the_workers_scratch(run: Run):
    assert not run.probes, f"written by attacks: {[str(p) for p in run.probes]}"


def test_nothing_reaches_the_network(run: Run):
    assert not run.received, f"the listener on 127.0.0.1 received {run.received[:5]}"


def test_no_process_is_left_behind(run: Run):
    assert not run.survivors, f"still running a second after grading: {run.survivors}"


def test_no_student_topic_outlasts_its_time_limits(run: Run):
    settings = load_course(run.course / "course.yml").settings.model_copy(update=SETTINGS)
    limit = settings.import_timeout_s + settings.topic_timeout_s + OVERRUN_S
    slow = {f"{s.id}/{t.id}": round(t.seconds) for s in run.report.students for t in s.topics if t.seconds > limit}
    assert not slow, f"graded for longer than {limit:g} s: {slow} (the whole corpus took {run.seconds:.0f} s)"
