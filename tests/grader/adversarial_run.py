"""How ``test_adversarial.py`` grades the adversarial corpus once, and what it keeps of the run.

:func:`grade_corpus` copies the course (no caches) into a temporary folder and adds the
bystander topic (the reference ``activations.py``) to every attack's folder. Before grading it
records what an attack could harm or steal: a digest of every course file, the lines no output
may hold (hidden tests, reference bodies, other students' code, course.yml) and which probe
folders do not exist yet; it listens on 127.0.0.1 for the network attack. It then grades the
corpus from the copy's root, with ``$DLGRADE_SEED`` set to a secret, through the library API
(replayed, then again live) and writes the outputs as ``dlgrade grade --out grades`` would, into
the copy's ``grades/`` (made beforehand, as an earlier run leaves it: attacks may aim at it).
A second later it records the course again, the processes an attack left behind and the probes
an attack wrote, and yields all of it as a :class:`Run`. Afterwards it kills those processes and
removes the probes and the folders an attack created for them.

Grading runs with short limits and fewer examples (:data:`SETTINGS`): the attack and its twin
are graded on the same examples, so their comparison needs no more, and no shrinking, which
decides no score (``test_mutants.py`` checks it) and is most of the time a wrong answer costs.
(Not fewer than 10: with 5 the wrong answers' first failures come later and shrink for longer,
and the corpus takes longer.)

The helpers after the grading read the run's outputs for the tests: each student's feedback,
gradebook.json and its strings, every output's text, and the secret lines found in texts.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import select
import shutil
import signal
import site
import socket
import sysconfig
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

import grader
from grader.course import Course, load_course
from grader.grading import grade
from grader.report import write_report
from grader.scoring import Report, StudentResult

__all__ = ["BYSTANDER", "CASES", "CORPUS", "SECRET_SEED", "SETTINGS", "SURVIVOR", "Run", "feedback",
           "grade_corpus", "gradebook", "leaks", "output_texts", "strings", "walk"]

COURSE_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "adversarial"
CASES = sorted(p.name.removesuffix("_attack") for p in CORPUS.glob("*_attack"))
BYSTANDER = "activations"
SETTINGS = {"max_examples": 10, "call_timeout_s": 2.0, "import_timeout_s": 10.0, "topic_timeout_s": 60.0,
            "shrink": False}
SECRET_SEED = "731904226185"  # what $DLGRADE_SEED holds in the grading process: it must not leak
PORTS = range(47613, 47623)  # the network attack tries these
PROBE = "dlgrade_adversarial_probe__"  # the name of every file an attack writes outside the course
SURVIVOR = "dlgrade-survivor"  # in the command line of every process an attack leaves behind
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
    grade_live: Callable[[], Report]  # grades the corpus again, every test live under Hypothesis (minutes)

    def student(self, student_id: str) -> StudentResult:
        """The result of the submission folder ``student_id``."""
        return next(s for s in self.report.students if s.id == student_id)

    def graded_course(self) -> Course:
        """The copy's course as it was graded: its course.yml with :data:`SETTINGS`."""
        course = load_course(self.course / "course.yml")
        return course.model_copy(update={"settings": course.settings.model_copy(update=SETTINGS)})


@contextmanager
def grade_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Grade the corpus in a copy of the course, as `dlgrade grade` from its root would; yield the
    :class:`Run` (whose ``grade_live`` grades it again live), then clean up what the attacks left."""
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
        write_report(report, out)
        time.sleep(1)  # give the kernel time to end what the grader killed
        yield Run(report, seconds, course_dir, out, before, _snapshot(course_dir), secrets, _survivors(),
                  listener.received, _probes(), functools.partial(_grade_live, course, course_dir, topics))
    finally:
        listener.close()
        for pid in _survivors():  # started by this corpus's attacks
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _remove_probes(absent)


def _grade_live(course: Course, course_dir: Path, topics: list[str]) -> Report:
    """The corpus graded again as :func:`grade_corpus` grades it, every test run live under Hypothesis."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLGRADE_SEED", SECRET_SEED)
        mp.setenv("PYTHONDONTWRITEBYTECODE", "1")
        mp.chdir(course_dir)
        return grade(course, course_dir / CORPUS.relative_to(COURSE_ROOT), topics=topics,
                     jobs=len(os.sched_getaffinity(0)), replay=False)


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
        for path in walk(course / top):
            digest = f"-> {os.readlink(path)}" if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
            found[str(path.relative_to(course))] = digest
    return found


def walk(root: Path) -> list[Path]:
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


# ---------------------------------------------------------------- reading the run's outputs


def gradebook(run: Run) -> dict:
    """The run's gradebook.json as written, or no students where it cannot be read."""
    try:
        return json.loads((run.out / "gradebook.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"students": []}


def strings(value) -> list[str]:
    """Every string in a JSON value (dicts' values and lists' items, depth first)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def feedback(run: Run) -> dict[str, str]:
    """Each student's feedback file (wherever a link sends it), by its path under the outputs."""
    paths = [run.out / "feedback" / f"{s.id}.md" for s in run.report.students]
    return {str(p.relative_to(run.out)): p.read_text(encoding="utf-8") for p in paths if p.is_file()}


def output_texts(run: Run) -> dict[str, str]:
    """Every output file's text, each student's feedback, and gradebook.json's strings decoded."""
    texts = {str(p.relative_to(run.out)): p.read_text(encoding="utf-8", errors="replace")
             for p in walk(run.out) if p.is_file() and not p.is_symlink()}
    texts.update(feedback(run))
    texts["gradebook.json (decoded)"] = "\n".join(strings(gradebook(run)))
    return texts


def leaks(texts: dict[str, str], secrets: dict[str, str]) -> list[str]:
    """One line per secret line (or the secret seed) found in one of ``texts`` (name -> text)."""
    found = [f"{name}: holds {line!r} of {where}" for name, text in texts.items()
             for line, where in secrets.items() if line in text]
    return found + [f"{name}: holds $DLGRADE_SEED" for name, text in texts.items() if SECRET_SEED in text]
