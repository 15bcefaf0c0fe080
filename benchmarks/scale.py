"""dlgrade at scale: a large class graded by ``dlgrade grade`` alone, its memory and leaks watched.

    python benchmarks/scale.py [--students N] [--jobs J] [--first K] [--interval S] [--baseline S]
                               [--json FILE] [--workdir DIR]

The class is built as ``benchmarks/grading.py`` builds it (student *k* a copy of the sample
class's (k mod 13)-th student), N = 300 by default, and graded once by ``dlgrade grade --jobs J
--json-lines`` into a fresh ``--out`` (an empty cache), in the same clean environment (no secret
grading seed, no Dask scheduler) and with a temporary folder of its own (``$TMPDIR``, empty
before the run). Every ``--interval`` seconds (2) this script samples, from ``/proc``, every
process below the ``dlgrade`` process, sorted into

- ``main``: the ``dlgrade`` process itself (with ``--jobs 1``, the grading process);
- ``pool``: its grading processes (the multiprocessing pool's spawned children);
- ``zygote``: the worker zygotes (``python -m grader.isolation.zygote``, and a bubblewrap
  process around one);
- ``worker``: the workers forked from a zygote, one per student-topic;
- ``other``: anything else (multiprocessing's resource tracker);

with their resident memory (VmRSS) and open file descriptors, and the student-topics done
(the JSON lines read so far). At the end it reports:

- linearity: seconds per student for the first K students (K = 20: the time at which K × topics
  student-topics were done, / K, the start included), for the rest ((end − that) / (N − K)) and
  overall (wall time / N); checked: the last K students against the first K without the start
  (from the first student done to the K-th), and with ``--baseline S`` (the per-student seconds
  of the 13-student run of ``benchmarks/grading.py`` with the same ``--jobs``), overall against
  it; each within 10 %;
- flatness: the grading processes' RSS (the pool's, or ``main``'s with one job; their sum and
  the largest one) when K students were done against the last sample before the last
  student-topic was done, within 10 %; the zygotes' and workers' alongside;
- leaks: processes that outlived the run (any process seen below ``dlgrade`` still alive after
  it exited, and any orphan handed to this script, which makes itself the child subreaper of
  what it starts), the ``dlgrade`` process's and each pool process's open file descriptors at
  their first sample against their last, and what is left in the run's ``$TMPDIR`` (the
  workers' scratch folders go there: ``grader.isolation.zygote.scratch_base``).

It prints a table and with ``--json FILE`` writes every figure and sample.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grading import _dlgrade, _json_or_none, _positive, build_class, clean_env, machine  # this script's folder
from in_process import COURSE_FILE

from grader.course import load_course

# Linear and flat: the end within 10 % of the start.
TOLERANCE = 1.10
# Open fds a process may hold at one sample and not at another without leaking: a worker's socket
# (one student-topic at a time per grading process) and a zygote's that was restarted.
FD_SLACK = 2
_PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


@dataclass(frozen=True)
class Proc:
    """One process as ``/proc`` shows it: ``start`` (clock ticks after boot) tells a pid's
    processes apart; ``rss_kb`` its VmRSS; ``fds`` its open file descriptors (None: unreadable)."""

    pid: int
    ppid: int
    state: str
    start: int
    cmdline: str
    rss_kb: int
    fds: int | None


def read_proc(pid: int) -> Proc | None:
    """``/proc/<pid>`` as a :class:`Proc`; None if it has gone meanwhile."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name in parentheses may hold spaces: the fields after the last ')' are fixed.
    fields = stat[stat.rindex(")") + 2:].split()
    rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    try:
        fds: int | None = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = None
    return Proc(pid, int(fields[1]), fields[0], int(fields[19]), cmdline, rss, fds)


def all_procs() -> dict[int, Proc]:
    """Every process this script can read, by pid."""
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (proc := read_proc(int(name))) is not None:
            procs[proc.pid] = proc
    return procs


def tree(root: int, procs: dict[int, Proc]) -> dict[int, str]:
    """``{pid: kind}`` of ``root`` and every process below it (kinds: see the module's doc).

    A worker is forked from its zygote and so shows the zygote's command line: any process
    below a zygote is a worker.
    """
    children: dict[int, list[int]] = {}
    for proc in procs.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    kinds: dict[int, str] = {}
    stack = [(root, False)]  # (pid, whether a zygote is above it)
    while stack:
        pid, below_zygote = stack.pop()
        if pid not in procs:
            continue
        cmdline = procs[pid].cmdline
        if pid == root:
            kind = "main"
        elif below_zygote:
            kind = "worker"
        elif "grader.isolation.zygote" in cmdline or Path(cmdline.split(" ", 1)[0]).name == "bwrap":
            kind = "zygote"
        elif "multiprocessing.spawn" in cmdline or "--multiprocessing-fork" in cmdline:
            kind = "pool"
        else:
            kind = "other"
        kinds[pid] = kind
        above = below_zygote or "grader.isolation.zygote" in cmdline
        stack += [(child, above) for child in children.get(pid, [])]
    return kinds


@dataclass
class Sample:
    """The processes below ``dlgrade`` at ``t`` seconds after its start, with ``done``
    student-topics finished."""

    t: float
    done: int
    procs: dict[int, tuple[str, int, int | None]]  # pid -> (kind, rss_kb, fds)

    def rss_mib(self, kind: str) -> tuple[float, float, int]:
        """The summed and the largest RSS of ``kind``'s processes, in MiB, and how many there are."""
        sizes = [rss for k, rss, _ in self.procs.values() if k == kind]
        return sum(sizes) / 1024, max(sizes, default=0) / 1024, len(sizes)

    def as_json(self) -> dict:
        """The sample as JSON: per kind the number of processes, their RSS (sum, MiB) and fds."""
        kinds: dict[str, dict] = {}
        for kind, rss, fds in self.procs.values():
            entry = kinds.setdefault(kind, {"n": 0, "rss_mib": 0.0, "fds": 0})
            entry["n"] += 1
            entry["rss_mib"] += rss / 1024
            entry["fds"] += fds or 0
        return {"t": round(self.t, 2), "done": self.done, "kinds": kinds}


def run(class_dir: Path, work: Path, jobs: int, interval: float) -> dict:
    """Grade ``class_dir`` with ``dlgrade grade --jobs jobs``, sampling every ``interval`` s.

    Returns:
        ``seconds`` (wall), ``finished`` (seconds after the start at which each student-topic's
        line came), ``samples``, ``seen`` (every ``(pid, start, kind)`` seen below dlgrade),
        ``pid``, ``tmpdir``.

    Raises:
        SystemExit: dlgrade failed (its status and last line of stderr).
    """
    tmpdir = work / "tmp"
    tmpdir.mkdir()
    env = {**clean_env(), "TMPDIR": str(tmpdir)}
    command = _dlgrade("grade", str(class_dir), "--out", str(work / "grades"), "--jobs", str(jobs), "--json-lines")
    finished: list[float] = []
    stderr = tempfile.TemporaryFile(dir=work)
    begin = time.perf_counter()
    dlgrade = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)

    def read() -> None:  # the lines as they come; a thread, so that sampling never waits on them
        assert dlgrade.stdout is not None
        for line in dlgrade.stdout:
            record = _json_or_none(line)
            if record and "topic" in record:
                finished.append(time.perf_counter() - begin)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    samples: list[Sample] = []
    seen: dict[tuple[int, int], str] = {}
    while dlgrade.poll() is None:
        procs = all_procs()
        kinds = tree(dlgrade.pid, procs)
        if dlgrade.poll() is not None:  # gone while read: its pid may already be another's
            break
        for pid, kind in kinds.items():
            seen[pid, procs[pid].start] = kind
        samples.append(Sample(time.perf_counter() - begin, len(finished),
                              {pid: (kind, procs[pid].rss_kb, procs[pid].fds) for pid, kind in kinds.items()}))
        time.sleep(interval)
    seconds = time.perf_counter() - begin
    reader.join()
    if dlgrade.returncode != 0:
        stderr.seek(0)
        last = (stderr.read().decode(errors="replace").strip() or "no output").splitlines()[-1]
        raise SystemExit(f"scale: {' '.join(command)} exited with status {dlgrade.returncode}: {last}")
    return {"seconds": seconds, "finished": finished, "samples": samples, "seen": seen, "pid": dlgrade.pid,
            "tmpdir": tmpdir}


def leaks(seen: dict[tuple[int, int], str], tmpdir: Path, grace: float = 2.0) -> dict:
    """What the run left after ``dlgrade`` exited, after ``grace`` seconds for it to end.

    Returns:
        ``processes``: ``"pid kind cmdline"`` of every live (not zombie) process seen below
        dlgrade, or an orphan of it handed to this script, that still runs; ``tmp``: the names
        left in the run's ``$TMPDIR``.
    """
    time.sleep(grace)
    _reap_orphans()
    procs = all_procs()
    left = [f"{pid} {kind} {procs[pid].cmdline[:120]}" for (pid, start), kind in seen.items()
            if pid in procs and procs[pid].start == start and procs[pid].state != "Z"]
    seen_pids = {pid for pid, _ in seen}
    left += [f"{p.pid} orphan {p.cmdline[:120]}" for p in procs.values()
             if p.ppid == os.getpid() and p.pid not in seen_pids and p.state != "Z"]
    return {"processes": left, "tmp": sorted(p.name for p in tmpdir.iterdir())}


def _reap_orphans() -> None:
    """Wait for the ended orphans handed to this script (it is their subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def analyse(run_result: dict, students: int, topics: int, first: int, baseline: float | None) -> dict:
    """The figures and checks of a run (see the module's doc)."""
    samples: list[Sample] = run_result["samples"]
    finished, seconds = run_result["finished"], run_result["seconds"]
    total = students * topics
    def done(k: int) -> float:  # seconds until k students' worth of student-topics were done
        return finished[k * topics - 1]

    figures: dict[str, Any] = {
        "first_per_student_s": done(first) / first,
        "rest_per_student_s": (done(students) - done(first)) / (students - first),
        "overall_per_student_s": seconds / students, "baseline_per_student_s": baseline,
        # Without the start (Python, the pool, recording the examples): the first K against the last K.
        "steady_first_per_student_s": (done(first) - done(1)) / (first - 1) if first > 1 else None,
        "last_per_student_s": (done(students) - done(students - first)) / first,
    }
    grading = "pool" if any(k == "pool" for s in samples for k, _, _ in s.procs.values()) else "main"
    at_first = next((s for s in samples if s.done >= first * topics), None)
    at_end = next((s for s in reversed(samples) if s.done < total), None)
    memory: dict[str, Any] = {"grading_processes": grading}
    for name, sample in (("after_first", at_first), ("end", at_end)):
        if sample is None:
            memory[name] = None
            continue
        memory[name] = {"t": sample.t, "done": sample.done}
        for kind in (grading, "zygote", "worker"):
            summed, largest, n = sample.rss_mib(kind)
            memory[name][kind] = {"n": n, "rss_sum_mib": summed, "rss_max_mib": largest}
    fds = _fds(samples, grading, at_first, at_end)
    checks = {
        "linear (last K <= 1.1 x first K per student, the start left out)": None
        if figures["steady_first_per_student_s"] is None
        else figures["last_per_student_s"] <= TOLERANCE * figures["steady_first_per_student_s"],
        "linear (overall <= 1.1 x baseline per student)": None if baseline is None
        else figures["overall_per_student_s"] <= TOLERANCE * baseline,
        "flat (grading RSS at the end <= 1.1 x after the first)": None if not (at_first and at_end)
        or at_first is at_end else memory["end"][grading]["rss_sum_mib"]
        <= TOLERANCE * memory["after_first"][grading]["rss_sum_mib"]
        and memory["end"][grading]["rss_max_mib"] <= TOLERANCE * memory["after_first"][grading]["rss_max_mib"],
        "no process left": not run_result["leaks"]["processes"],
        f"no fd leaked (end <= after the first + {FD_SLACK})": None if not (at_first and at_end) or at_first is at_end
        else all(f["end"] <= f["after_first"] + FD_SLACK for f in fds.values()
                 if f["after_first"] is not None and f["end"] is not None),
        "no scratch left in $TMPDIR": not run_result["leaks"]["tmp"],
    }
    return {**figures, "memory": memory, "fds": fds, "leaks": run_result["leaks"], "checks": checks,
            "max_processes": _max_processes(samples)}


def _fds(samples: list[Sample], grading: str, at_first: Sample | None, at_end: Sample | None) -> dict[str, dict]:
    """Open fds of ``main`` and of each grading process: at its first sample, when the first
    students were done (``at_first``), at the end (``at_end``) and the most seen. Its first
    sample may come before it opened its pipes and imported anything: the leak check compares
    ``at_first`` with ``at_end``."""
    result: dict[str, dict] = {}
    for sample in samples:
        for pid, (kind, _, fds) in sample.procs.items():
            if kind in ("main", grading) and fds is not None:
                entry = result.setdefault(f"{kind} {pid}", {"first": fds, "after_first": None, "end": None, "most": 0})
                entry["most"] = max(entry["most"], fds)
                if sample is at_first:
                    entry["after_first"] = fds
                if sample is at_end:
                    entry["end"] = fds
    return result


def _max_processes(samples: list[Sample]) -> dict[str, int]:
    most: dict[str, int] = {}
    for sample in samples:
        for kind, n in _count(sample).items():
            most[kind] = max(most.get(kind, 0), n)
    return most


def _count(sample: Sample) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _, _ in sample.procs.values():
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return round(value, 3) if isinstance(value, float) else value


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(result: dict) -> str:
    """The figures as text: time per student, memory, leaks and the checks."""
    n, k, memory = result["students"], result["first"], result["memory"]
    grading = memory["grading_processes"]
    lines = [f"{n} students x {result['topics']} topics, dlgrade grade --jobs {result['jobs']}, "
             f"{result['machine']['cores']} cores ({result['machine']['cpu']}): {result['seconds']:.1f} s, "
             f"{len(result['samples'])} samples",
             f"{'s/student':<28}{'first ' + str(k):>12}{'rest':>12}{'overall':>12}{'baseline':>12}"
             f"{'first, no start':>16}{'last ' + str(k):>12}",
             f"{'':<28}{result['first_per_student_s']:>12.3f}{result['rest_per_student_s']:>12.3f}"
             f"{result['overall_per_student_s']:>12.3f}{_cell(result['baseline_per_student_s']):>12}"
             f"{_cell(result['steady_first_per_student_s']):>16}{result['last_per_student_s']:>12.3f}",
             f"{'RSS MiB (n: sum / largest)':<40}{'after ' + str(k):>20}{'end':>20}"]
    for kind in (grading, "zygote", "worker"):
        cells = []
        for name in ("after_first", "end"):
            m = (memory[name] or {}).get(kind)
            cells.append("-" if m is None else f"{m['n']}: {m['rss_sum_mib']:.0f} / {m['rss_max_mib']:.0f}")
        lines.append(f"{kind:<40}{cells[0]:>20}{cells[1]:>20}")
    lines.append(f"open fds (first sample, after {k}, end, most): " + "; ".join(
        f"{name} {f['first']}, {f['after_first']}, {f['end']}, {f['most']}" for name, f in result["fds"].items()))
    lines.append(f"most processes at once: {result['max_processes']}")
    lines.append(f"left after exit: processes {result['leaks']['processes'] or 'none'}; "
                 f"$TMPDIR {result['leaks']['tmp'] or 'empty'}")
    lines += [f"{name}: {'not measured' if ok is None else 'yes' if ok else 'NO'}"
              for name, ok in result["checks"].items()]
    return "\n".join(lines)


def scale(students: int, jobs: int, first: int, interval: float, baseline: float | None, work: Path) -> dict:
    """Build the class in ``work``, grade it and watch it; the result document."""
    class_dir = work / "class"
    build_class(students, class_dir)
    topics = len(load_course(COURSE_FILE).topics)
    about = machine()  # the load before the run adds its own
    ran = run(class_dir, work, jobs, interval)
    ran["leaks"] = leaks(ran["seen"], ran["tmpdir"])
    if len(ran["finished"]) != students * topics:
        raise SystemExit(f"scale: dlgrade printed {len(ran['finished'])} student-topics, not {students * topics}")
    result = {"students": students, "topics": topics, "jobs": jobs, "first": first, "interval_s": interval,
              "machine": about, "seconds": ran["seconds"],
              **analyse(ran, students, topics, first, baseline),
              "samples": [s.as_json() for s in ran["samples"]]}
    return _rounded(result)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=_positive, default=300, help="class size (default: 300)")
    parser.add_argument("--jobs", type=_positive, default=len(os.sched_getaffinity(0)),
                        help="dlgrade grade's --jobs (default: usable cores)")
    parser.add_argument("--first", type=_positive, default=20,
                        help="students after which memory and time per student are the reference (default: 20)")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between samples (default: 2)")
    parser.add_argument("--baseline", type=float,
                        help="seconds per student of the 13-student run (benchmarks/grading.py, same --jobs)")
    parser.add_argument("--json", type=Path, help="write the figures and samples to this file")
    parser.add_argument("--workdir", type=Path, help="new or empty folder to work in, kept (default: a temporary one)")
    return parser


def main() -> None:
    """Parse the command line, run, print the table and write ``--json``."""
    parser = _parser()
    args = parser.parse_args()
    if args.first >= args.students:
        parser.error(f"--first {args.first}: must be below --students {args.students}")
    if args.interval <= 0:
        parser.error(f"--interval {args.interval}: must be > 0")
    if args.workdir and args.workdir.exists() and (not args.workdir.is_dir() or any(args.workdir.iterdir())):
        parser.error(f"--workdir {args.workdir}: not an empty folder")
    # Orphans of the run (a worker whose zygote died, a pool process left behind) become this
    # script's children, so that none escapes the leak check by being handed to init.
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = scale(args.students, args.jobs, args.first, args.interval, args.baseline, args.workdir.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="dlgrade-scale-") as work:
            result = scale(args.students, args.jobs, args.first, args.interval, args.baseline, Path(work))
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
