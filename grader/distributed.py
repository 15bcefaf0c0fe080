"""Grade on a Dask cluster: each student-topic runs on a worker of a ``distributed`` scheduler.

``dlgrade grade --scheduler tcp://HOST:8786`` (or course.yml's ``settings.scheduler``) hands the
student-topics the result cache does not hold to :func:`run_on_dask`, which sends them to the
cluster's workers and yields each TopicResult as it comes back. The cache, the gradebook and the
feedback stay on the grading machine (the Dask client); a worker keeps nothing that matters.
How an instructor starts a cluster: docs/distributed.md.

What travels:

- The course, once per run: its modules and tests (``exercises/``, ``solutions/``, the files of
  ``tests/`` and its ``public/`` and ``hidden/`` folders; not the grader's own suite) in a
  deterministic zip, scattered to the workers. A worker unpacks it in its own local directory
  under the zip's SHA-256, so workers need no shared filesystem (Kubernetes, or nodes whose home
  differs) and a regrade of the same course unpacks nothing. The Course object travels too and
  is re-rooted there: its settings are the client's, a ``--seed`` included, which course.yml lacks.
- Each student-topic's submission bytes and its ``<topic>.notes``: workers never see the
  submissions folder. A worker writes them to ``<student>/<topic>.py`` in its local directory.
- Back: the TopicResult and the name of the worker's sandbox (the Report's ``sandbox``).

Same results as on this machine: a worker grades only with the engine (``grader/``'s source),
torch and Hypothesis versions the client has (what the result cache's key names), on the device
asked for, and in a sandbox that confines files (:func:`grader.machine.choose_sandbox`, refused
without ``unsafe`` as on this machine). Each worker present at the start is checked before any
task is sent (``Client.run``), and every task checks again for workers that join later.
Each thread of a Dask worker grades in a process of its own, started on its first task and
again for another course: the tests run there as they do in ``dlgrade grade``'s own processes,
not in the Dask worker process, whose event loop thread draws from ``random`` while Hypothesis
runs a test, and which would keep an older course's test modules imported. So a worker grades
as many student-topics at once as it has threads (``dask worker --nthreads``: one per core).

Errors:

- An unreachable or malformed address, no worker within :data:`WORKER_WAIT_S`, workers that
  cannot run dlgrade's code: SchedulerError, before anything is graded.
- A DlgradeError on a worker (no sandbox, another torch, no CUDA, a broken test module): the
  run stops at once with that error, naming the worker. Results yielded until then are kept
  (the client has cached them).
- Anything else a task raises (a bug of ours; KilledWorker once Dask gave up rescheduling a task
  whose workers kept dying; a task cancelled because the scheduler went away): the other tasks
  go on and are yielded, then SchedulerError names the first failure and counts them. A second
  run grades only what is missing: the cache holds the rest.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import shutil
import socket
import subprocess
import sys
import threading
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from grader.cache import engine_fingerprint
from grader.backends import Task
from grader.course import Course, Topic
from grader.errors import DlgradeError, SchedulerError
from grader.engine import grade_topic
from grader.machine import choose_sandbox, package_versions, resolve_device
from grader.isolation.sandbox import Sandbox
from grader.replay import process_examples
from grader.scoring import TopicResult

__all__ = ["WORKER_WAIT_S", "DaskBackend", "DaskGrading", "collect", "run_on_dask"]


WORKER_WAIT_S = 120.0  # how long a run waits for the cluster's first worker (a SLURM job may queue)
_COURSE_FOLDERS = ("exercises", "solutions", "tests/public", "tests/hidden")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same course, the same zip, the same hash
_UNPACKING = threading.Lock()
_THREAD = threading.local()  # a Dask worker thread's grading process


def run_on_dask(scheduler: str, course: Course, tasks: list[Task], device: str, unsafe: bool) -> DaskGrading:
    """Grade ``tasks`` (submission folder, topic) on the workers of the Dask scheduler ``scheduler``.

    Connects and checks the workers at once, so a cluster that cannot grade fails here; iterate
    the returned run for ``((folder, topic), TopicResult)`` in completion order.

    Args:
        scheduler: the scheduler's address (``tcp://host:8786``, ``tls://...``) or a scheduler
            file (JSON written by ``dask scheduler --scheduler-file``).
        device: a resolved torch device (``cpu``, ``cuda``); every worker must have it.
        unsafe: let workers grade without a sandbox that confines files.

    Raises:
        SchedulerError: distributed is not installed, the scheduler is unreachable or has no
            worker, or a worker cannot grade as this machine would.
        SandboxError, DeviceError: a worker has no sandbox, or not the device (naming it).
    """
    return DaskGrading(scheduler, course, tasks, device, unsafe)


class DaskBackend:
    """The workers of the Dask scheduler at ``scheduler`` (:class:`grader.backends.Backend`)."""

    def __init__(self, scheduler: str, unsafe: bool = False) -> None:
        self._scheduler, self._unsafe = scheduler, unsafe
        self._runs: list[DaskGrading] = []

    @property
    def sandbox(self) -> str:
        """The workers' sandboxes in the runs so far (:attr:`DaskGrading.sandbox`)."""
        return ", ".join(sorted({name for run in self._runs for name in run.sandbox.split(", ") if name}))

    def grade(self, course: Course, tasks: list[Task], device: str) -> DaskGrading:
        """:func:`run_on_dask`: connects and checks the workers at once, even with no task."""
        self._runs.append(run_on_dask(self._scheduler, course, tasks, device, self._unsafe))
        return self._runs[-1]


class DaskGrading:
    """One grading run on a Dask cluster (see :func:`run_on_dask`): an iterator of results.

    Attributes:
        sandbox: the names of the sandboxes the workers graded in, e.g. ``landlock+seccomp``
            (several, comma-separated, where workers differ); final once the run is consumed.
    """

    def __init__(self, scheduler: str, course: Course, tasks: list[Task], device: str, unsafe: bool) -> None:
        distributed = _import_distributed()
        self._client = _connect(distributed, scheduler)
        try:
            expected = _environment()
            self._sandboxes = _check_workers(self._client, scheduler, expected, device, unsafe)
            futures = _submit(self._client, course, tasks, device, unsafe, expected)
        except BaseException:
            self._client.close()
            raise
        self._results = self._collect(futures)

    @property
    def sandbox(self) -> str:
        return ", ".join(sorted(self._sandboxes))

    def __iter__(self) -> DaskGrading:
        return self

    def __next__(self) -> tuple[Task, TopicResult]:
        return next(self._results)

    def close(self) -> None:
        """Stop early: forget the pending student-topics and disconnect."""
        self._results.close()
        self._client.close()

    def _collect(self, futures: dict[Any, Task]) -> Iterator[tuple[Task, TopicResult]]:
        try:
            yield from collect(self._client, futures, self._sandboxes)
        finally:
            self._client.close()  # the scheduler forgets (cancels) whatever is still pending


def collect(client: Any, futures: dict[Any, Task], sandboxes: set[str]) -> Iterator[tuple[Task, TopicResult]]:
    """Yield ``(task, result)`` as each of ``client``'s futures finishes; a future's value is
    (TopicResult, sandbox name).

    Adds each sandbox name to ``sandboxes``.

    Raises:
        DlgradeError: one that a task raised, at once (it would recur on that worker).
        SchedulerError: after all the others, when some tasks failed otherwise.
    """
    from distributed import as_completed

    failed: list[tuple[Task, str]] = []
    for future in as_completed(futures, loop=client.loop):
        if future.status == "finished":
            result, sandbox = future.result()
            sandboxes.add(sandbox)
            yield futures[future], result
            continue
        error = future.exception() if future.status == "error" else None
        if isinstance(error, DlgradeError):
            raise error
        why = _one_line(error) if error is not None else "cancelled (the scheduler went away)"
        failed.append((futures[future], why))
    if failed:
        (folder, topic), why = failed[0]
        raise SchedulerError(f"{len(failed)} of {len(futures)} student-topics failed on the Dask workers (first: "
                             f"{folder.name}/{topic.id}: {why}); the others were kept: grade again to finish")


def _one_line(error: BaseException) -> str:
    return (f"{type(error).__name__}: {error}".rstrip(": ").splitlines() or [""])[0]


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise SchedulerError("--scheduler needs Dask's distributed, not installed here: "
                             "pip install 'dlgrade[dask]'") from None
    return distributed


def _connect(distributed: Any, scheduler: str) -> Any:
    """A client of ``scheduler``; a TCP probe first, so a wrong address fails in one line, at once."""
    import dask
    from dask.utils import parse_timedelta
    from distributed.comm import get_address_host_port, parse_address

    address = _address(scheduler)
    timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    try:
        if parse_address(address)[0] in ("tcp", "tls"):
            socket.create_connection(get_address_host_port(address), timeout=timeout).close()
        return distributed.Client(address, set_as_default=False)
    except ValueError as exc:
        raise SchedulerError(f"--scheduler {scheduler}: not a scheduler address ({exc}); expected "
                             "tcp://HOST:PORT or a scheduler file") from None
    except OSError as exc:  # TimeoutError too
        raise SchedulerError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler there "
                             f"({exc.strerror or exc}); is `dask scheduler` running?") from None


def _address(scheduler: str) -> str:
    """``scheduler``, or the address inside the scheduler file it names."""
    if not scheduler.endswith(".json"):
        return scheduler
    try:
        return str(json.loads(Path(scheduler).read_text(encoding="utf-8"))["address"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SchedulerError(f"--scheduler {scheduler}: cannot read a scheduler's address from this file "
                             f"({type(exc).__name__}: {exc})") from None


def _check_workers(client: Any, scheduler: str, expected: dict[str, str], device: str, unsafe: bool) -> set[str]:
    """The sandbox names of the workers present, once at least one is; each must grade as this machine."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except TimeoutError:
        raise SchedulerError(f"--scheduler {scheduler}: no Dask worker joined within {WORKER_WAIT_S:g} s; "
                             "start some (docs/distributed.md)") from None
    try:
        return set(client.run(_ready_here, expected, device, unsafe).values())
    except DlgradeError:
        raise
    except Exception as exc:  # the workers could not even unpickle dlgrade's code
        raise SchedulerError(f"--scheduler {scheduler}: the workers cannot run dlgrade ({type(exc).__name__}: "
                             f"{exc}); install dlgrade and torch=={torch.__version__} on each") from None


def _submit(client: Any, course: Course, tasks: list[Task], device: str, unsafe: bool,
            expected: dict[str, str]) -> dict[Any, Task]:
    if not tasks:  # all cached: the workers were checked, nothing to send
        return {}
    packed = _pack_course(course.root)
    digest = hashlib.sha256(packed).hexdigest()
    shipped = client.scatter(packed, broadcast=True)
    futures = {}
    for folder, topic in tasks:
        files = {suffix: path.read_bytes() for suffix in (".py", ".notes")
                 if (path := folder / f"{topic.id}{suffix}").is_file()}
        # the key names the topic on Dask's dashboard; the student's name stays off it
        future = client.submit(_grade_remote, course, shipped, digest, topic, folder.name, files, device, unsafe,
                               expected, key=f"dlgrade-{topic.id}-{uuid.uuid4().hex}", pure=False)
        futures[future] = (folder, topic)
    return futures


def _pack_course(root: Path) -> bytes:
    """The course's modules and tests under ``root`` as a zip whose bytes depend on their content only."""
    files = [p for p in (root / "tests").glob("*") if p.is_file()]
    files += [p for folder in _COURSE_FOLDERS for p in (root / folder).rglob("*")
              if p.is_file() and "__pycache__" not in p.parts]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), _ZIP_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _environment() -> dict[str, str]:
    """What, besides the course and the submission, decides a result (as the result cache's key)."""
    return {"dlgrade's engine": engine_fingerprint()[:12], **package_versions()}


# ------------------------------------------------------------------ on a worker


def _ready_here(expected: dict[str, str], device: str, unsafe: bool, dask_worker: Any = None) -> str:
    """On each worker, by ``Client.run``: the name of its sandbox, if it can grade like the client."""
    return _ready(expected, device, unsafe, dask_worker.address).name


def _ready(expected: dict[str, str], device: str, unsafe: bool, worker: str) -> Sandbox:
    """This worker's sandbox, once its engine, libraries and device are the client's.

    Raises:
        SchedulerError, DeviceError, SandboxError: naming the worker ``worker``.
    """
    try:
        here = _environment()
        for name, value in expected.items():
            if here[name] != value:
                raise SchedulerError(f"{name} is {here[name]} here but {value} on the grading machine: "
                                     "install the same on every worker")
        resolve_device(device)
        return choose_sandbox(unsafe)
    except DlgradeError as exc:
        raise type(exc)(f"Dask worker {worker}: {exc}") from None


def _grade_remote(course: Course, packed: bytes, digest: str, topic: Topic, student: str, files: dict[str, bytes],
                  device: str, unsafe: bool, expected: dict[str, str]) -> tuple[TopicResult, str]:
    """A Dask task: grade ``student``'s ``files`` (by suffix: ``.py``, ``.notes``) on ``topic``.

    Returns:
        The TopicResult and the name of the sandbox it was graded in.
    """
    from distributed import get_worker

    worker = get_worker()
    local = Path(worker.local_directory)
    sandbox = _ready(expected, device, unsafe, worker.address)
    root = _unpack(packed, digest, local)
    folder = local / "dlgrade-submissions" / str(threading.get_ident()) / student
    path = _write_submission(folder, topic, files)
    try:
        result = _grading_process(root, local).grade(course.model_copy(update={"root": root}), topic, path, device,
                                                      sandbox)
    except DlgradeError as exc:
        raise type(exc)(f"Dask worker {worker.address}: {exc}") from None
    return result, sandbox.name


def _unpack(packed: bytes, digest: str, local: Path) -> Path:
    """The course's folder in this worker's ``local`` directory, unpacked once per content."""
    root = local / f"dlgrade-course-{digest[:16]}"
    with _UNPACKING:
        if not root.is_dir():
            staging = local / f"dlgrade-course-{digest[:16]}.partial"
            shutil.rmtree(staging, ignore_errors=True)
            with zipfile.ZipFile(io.BytesIO(packed)) as archive:
                archive.extractall(staging)
            staging.rename(root)  # whole or absent, if this process dies while unpacking
    return root


def _write_submission(folder: Path, topic: Topic, files: dict[str, bytes]) -> Path:
    """Write one student-topic's files into ``folder``, after this thread's previous task's."""
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    for suffix, data in files.items():
        (folder / f"{topic.id}{suffix}").write_bytes(data)
    return folder / f"{topic.id}.py"


def _grading_process(root: Path, local: Path) -> _GradingProcess:
    """This Dask thread's grading process for the course at ``root``, (re)started when needed."""
    current = getattr(_THREAD, "process", None)
    if current is None or current.root != root or current.proc.poll() is not None:
        if current is not None:
            current.close()  # another course: its test modules must not stay imported
        _THREAD.process = _GradingProcess(root, local)
    return _THREAD.process


class _GradingProcess:
    """A process of a Dask worker thread where the tests run, as in ``dlgrade grade``'s own.

    Not in the Dask worker process: its event loop thread draws from ``random`` while Hypothesis
    runs a test, and a course's test modules, once imported, stay for the process's life. Pickles
    go over a socket pair (the tests may print); the process ends when the socket closes.
    """

    def __init__(self, root: Path, local: Path) -> None:
        self.root = root
        parent, child = socket.socketpair()
        # the working folder holds no `grader` or `tests` package that could shadow the real ones
        self.proc = subprocess.Popen([sys.executable, "-m", "grader.distributed", str(child.fileno())],
                                     pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, cwd=local)
        child.close()
        self.stream = parent.makefile("rwb")
        parent.close()  # the file object keeps the socket open

    def grade(self, course: Course, topic: Topic, path: Path, device: str, sandbox: Sandbox) -> TopicResult:
        """:func:`grader.engine.grade_topic` in this process; raises what it raised."""
        try:
            self.stream.write(pickle.dumps((course, topic, path, device, sandbox)))
            self.stream.flush()
            ok, value = pickle.load(self.stream)
        except (OSError, EOFError, pickle.UnpicklingError):
            self.close()
            raise RuntimeError(f"the grading process ended (status {self.proc.returncode})") from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self.stream.close()
        self.proc.kill()
        self.proc.wait()


def _serve(fd: int) -> None:
    """The grading process's loop: grade each pickled request, reply with (ok, result or exception).

    Each topic's examples are recorded once per process and settings, kept in the working folder
    (the Dask worker's, shared by its threads' processes) for the next process to read.
    """
    stream = socket.socket(fileno=fd).makefile("rwb")
    while True:
        try:
            course, topic, path, device, sandbox = pickle.load(stream)
        except EOFError:  # the Dask worker is gone, or switched course
            return
        examples = process_examples(course, device, Path("examples").resolve())
        try:
            reply = pickle.dumps((True, grade_topic(course, topic, path, device, sandbox=sandbox, examples=examples)))
        except Exception as exc:
            try:
                reply = pickle.dumps((False, exc))
            except Exception:  # an exception that does not pickle: its line is enough
                reply = pickle.dumps((False, RuntimeError(_one_line(exc))))
        stream.write(reply)
        stream.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
