"""The sandbox keeps a worker to its own submission, its scratch folder and its limits.

Each check runs a small submission in a real worker under every combination of layers this
machine offers, and asks it to do what an attack would; the submission reports what happened.
"""

import os
from pathlib import Path

import pytest
import torch

from grader.errors import SandboxError
from grader.machine import choose_sandbox
from grader.isolation.runner import Limits, RemoteSubmission, SubmissionError, Worker, WorkerCrashed
from grader.isolation.sandbox import Sandbox, detect

COURSE_ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(call_timeout_s=10, import_timeout_s=30, memory_mb=4096)

PROBES = '''
import os, signal, socket, subprocess, sys

def attempt(what, *args):
    try:
        result = ATTEMPTS[what](*args)
    except OSError as exc:
        return f"denied: {type(exc).__name__}"
    return f"allowed: {str(result)[:40]}"

ATTEMPTS = {
    "read": lambda path: open(path).read(),
    "write": lambda path: open(path, "w").write("x"),
    "list": lambda path: os.listdir(path),
    "fork": lambda: os.fork() or "parent",
    "run": lambda: subprocess.run(["true"]).returncode,
    "socket": lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
    "kill_parent": lambda: os.kill(os.getppid(), 0),
    "kill_all": lambda: os.kill(-1, 0),
    "leave_core": lambda: os.sched_setaffinity(0, range(os.cpu_count())),
    "env": lambda name: os.environ[name] if name in os.environ else sys.exit(7),
}

def own_file():
    return __file__

def write_mb(mb):
    with open("big.bin", "wb") as f:
        f.write(b"x" * (mb * 2**20))
    return os.path.getsize("big.bin")

def spin():
    while True:
        pass

def hold_mb(mb):
    global held
    held = torch_ones(mb)
    return len(held)

def torch_ones(mb):
    import torch
    return torch.ones(mb * 2**18)  # float32: 4 bytes each
'''


def variants() -> list[Sandbox]:
    """The detected sandbox and the fallbacks a machine without some layer would use."""
    found = detect().layers
    chosen = {found, tuple(x for x in found if x != "bubblewrap"), tuple(x for x in found if x == "landlock")}
    return [Sandbox(layers) for layers in sorted(chosen) if layers]


@pytest.fixture(scope="module", params=variants(), ids=lambda s: s.name)
def probes(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "student"
    folder.mkdir()
    (folder / "probes.py").write_text(PROBES)
    with Worker(folder / "probes.py", COURSE_ROOT, LIMITS, request.param) as worker:
        assert worker.start() is None
        yield RemoteSubmission(worker, "probes"), request.param


def test_this_linux_machine_offers_a_filesystem_sandbox():
    assert detect().confines_files and "landlock" in detect().layers, detect()


def test_worker_cannot_read_the_course_or_the_original_submission(probes):
    submission, _ = probes
    for secret in ("solutions/softmax.py", "tests/hidden/test_softmax_props.py", "course.yml"):
        assert submission.attempt("read", str(COURSE_ROOT / secret)).startswith("denied"), secret
    assert submission.attempt("list", str(COURSE_ROOT)).startswith("denied")
    assert submission.attempt("read", submission.own_file()).startswith("allowed")


def test_worker_writes_only_its_scratch_folder(probes, tmp_path):
    submission, _ = probes
    assert submission.attempt("write", "notes.txt").startswith("allowed")
    for target in (tmp_path / "planted.py", COURSE_ROOT / "solutions" / "planted.py", Path.home() / "planted.py"):
        assert submission.attempt("write", str(target)).startswith("denied"), target
        assert not target.exists()


def test_worker_starts_no_process_opens_no_socket_signals_no_one(probes):
    submission, sandbox = probes
    if "seccomp" not in sandbox.layers:  # Landlock alone still stops signals and TCP (ABI >= 6, 4)
        assert submission.attempt("kill_parent").startswith("denied")
        assert submission.attempt("socket").startswith("denied")
        return
    for what in ("fork", "run", "socket", "kill_parent", "kill_all", "leave_core"):
        assert submission.attempt(what).startswith("denied"), what


def test_worker_sees_none_of_the_graders_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DLGRADE_SEED", "123456")
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "s3cr3t")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "probes.py").write_text(PROBES)
    # A fresh zygote for a course root of its own: the environment is read when it starts.
    with Worker(tmp_path / "s" / "probes.py", COURSE_ROOT / "tests", LIMITS) as worker:
        assert worker.start() is None
        submission = RemoteSubmission(worker, "probes")
        for name in ("DLGRADE_SEED", "GRADER_SECRET_TOKEN"):
            with pytest.raises(Exception, match="SystemExit"):
                submission.attempt("env", name)


def run_limited(tmp_path: Path, limits: Limits, function: str, *args):
    (tmp_path / "s").mkdir(parents=True)
    (tmp_path / "s" / "probes.py").write_text(PROBES)
    with Worker(tmp_path / "s" / "probes.py", COURSE_ROOT, limits) as worker:
        assert worker.start() is None
        return getattr(RemoteSubmission(worker, "probes"), function)(*args)


def test_cpu_time_limit_kills_a_spinning_worker(tmp_path):
    limits = Limits(call_timeout_s=30, import_timeout_s=30, memory_mb=4096, cpu_time_s=1)
    with pytest.raises(WorkerCrashed, match="1 s of CPU time"):
        run_limited(tmp_path, limits, "spin")


def test_file_size_limit_stops_a_large_write(tmp_path):
    limits = Limits(call_timeout_s=10, import_timeout_s=30, memory_mb=4096, disk_mb=1)
    with pytest.raises(SubmissionError, match="File too large"):
        run_limited(tmp_path, limits, "write_mb", 4)
    assert run_limited(tmp_path / "again", Limits(10, 30, 4096, disk_mb=8), "write_mb", 4) == 4 * 2**20


def test_address_space_limit_turns_a_memory_hog_into_an_error(tmp_path):
    with pytest.raises(RuntimeError):  # torch reports a failed allocation as RuntimeError
        run_limited(tmp_path, Limits(10, 30, memory_mb=1024), "hold_mb", 8192)


def test_resident_memory_watch_kills_a_hog_where_no_address_limit_applies(tmp_path):
    limits = Limits(call_timeout_s=20, import_timeout_s=30, memory_mb=0, rss_mb=600)
    with pytest.raises(WorkerCrashed, match="over 600 MiB of memory"):
        run_limited(tmp_path, limits, "hold_mb", 2048)
    assert torch.ones(1).item() == 1  # the grading process itself is untouched


def test_grading_refuses_without_a_filesystem_sandbox_unless_unsafe(monkeypatch):
    monkeypatch.setattr("grader.machine.detect", lambda: Sandbox(("seccomp",)))
    with pytest.raises(SandboxError, match="--unsafe"):
        choose_sandbox()
    assert choose_sandbox(unsafe=True).name == "seccomp"


def test_no_scratch_folder_outlives_its_worker(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "probes.py").write_text(PROBES)
    with Worker(tmp_path / "s" / "probes.py", COURSE_ROOT, LIMITS) as worker:
        assert worker.start() is None
        RemoteSubmission(worker, "probes").write_mb(1)
        scratch = Path(worker._scratch.name)
        assert (scratch / "src" / "probes.py").is_file()
    assert not scratch.exists()


def test_each_grading_job_runs_on_one_core():
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from grader.engine import _start_grading_process

    context = get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, initializer=_start_grading_process,
                             initargs=(context.Value("i", 0), os.getpid())) as pool:
        affinities = list(pool.map(os.sched_getaffinity, [0] * 4))
    assert all(len(cores) == 1 for cores in affinities), affinities


def test_grade_without_a_sandbox_stops_in_one_line_and_grades_with_unsafe(monkeypatch, tmp_path):
    import json

    from click.testing import CliRunner

    from grader.cli import main

    monkeypatch.setattr("grader.machine.detect", lambda: Sandbox(("seccomp",)))
    (tmp_path / "class" / "alice").mkdir(parents=True)
    command = ["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--topic", "norms"]
    refused = CliRunner().invoke(main, command)
    assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1, refused.output
    assert "no sandbox" in refused.output and "--unsafe" in refused.output
    assert not (tmp_path / "out").exists()
    graded = CliRunner().invoke(main, [*command, "--unsafe"])
    assert graded.exit_code == 0, graded.output
    assert json.loads((tmp_path / "out" / "gradebook.json").read_text())["sandbox"] == "seccomp"


def test_gpu_memory_cap_is_set_or_the_worker_refuses_to_run(tmp_path):
    """On CUDA the allocator is capped; where CUDA cannot start, no submission runs uncapped."""
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "probes.py").write_text(PROBES + "\n\ndef cuda_mb(mb):\n    return len(torch_cuda(mb))\n"
                                              "\n\ndef torch_cuda(mb):\n    import torch\n"
                                              "    return torch.empty(mb * 2**18, device='cuda')\n")
    cuda = torch.cuda.is_available()
    limits = Limits(call_timeout_s=30, import_timeout_s=60, memory_mb=0, rss_mb=8192, gpu_memory_mb=256)
    with Worker(tmp_path / "s" / "probes.py", COURSE_ROOT, limits, device="cuda" if cuda else "cpu") as worker:
        failure = worker.start()
        if not cuda:
            assert failure is not None and failure.status == "crashed" and "GPU memory" in failure.message
            return
        assert failure is None
        submission = RemoteSubmission(worker, "probes")
        assert submission.cuda_mb(64) == 64 * 2**18
        with pytest.raises(RuntimeError, match="out of memory|OutOfMemory"):
            submission.cuda_mb(1024)
