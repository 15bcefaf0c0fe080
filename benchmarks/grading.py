"""dlgrade against its floor and against nbgrader: one class of N students graded every way, timed.

    python benchmarks/grading.py [--students N] [--json FILE] [--jobs N] [--skip-nbgrader] [--workdir DIR]

Student k of the class is a copy of ``examples/class/<the (k % 13)-th student>`` named
``s<k>-<name>`` (``s000-ada``, ...), so the class repeats the sample's mistakes, hangs and crashes.
Every measurement grades that class with the same tests, course.yml settings and Hypothesis
profile (``grading``: derandomized, no database; no secret grading seed: ``$DLGRADE_SEED`` and
``$DLGRADE_SCHEDULER`` are removed from the environment of every run), each in fresh processes:

- ``pytest``: the tests run the plain way, as course staff would run them: every test live under
  Hypothesis, in one process, no isolation, no replay (``in_process.floor_grade(replay=False)``);
- ``floor``: dlgrade's own engine in one process, no isolation: the same loop, each topic's
  examples recorded once on its reference in that process and replayed for every student
  (``in_process.floor_grade(replay=True)``), so that ``dlgrade --jobs 1`` over the floor is the
  cost of isolation alone;
- ``dlgrade_jobs1``, ``dlgrade_jobs<N>``: ``dlgrade grade --jobs 1`` and ``--jobs N`` end to end,
  each into a fresh ``--out`` (an empty cache);
- ``nbgrader``: ``nbgrader autograde '*' --create`` of the same class as submitted notebooks;
- ``cached_regrade``: ``dlgrade grade --jobs N`` again into the ``--jobs N`` run's ``--out``,
  nothing changed.

Each is reported per student (wall time / N) and in total, with the ratios, issues 6's and 13's
targets and whether each is met, the costs that explain them (``in_process.worker_costs``, the
start of Python and torch, the time outside the student-topics), the machine and the versions;
``--json FILE`` writes it all. pytest's, the floor's and nbgrader's scores are compared with
dlgrade's, student-topic by student-topic, and the gradebooks of every dlgrade run byte by byte.
``benchmarks/scale.py`` grades a large class with ``dlgrade grade`` alone and watches its
memory, processes, file descriptors and scratch folders.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat

from grader.course import load_course
from grader.notebook.submitted import fill_notebook
from in_process import COURSE_FILE, SAMPLE  # this script's folder is on sys.path

IN_PROCESS = Path(__file__).resolve().parent / "in_process.py"
# Two scores are the same if they differ by less than the rounding of a score (4 decimals).
SCORE_TOLERANCE = 5e-4
# The issues' targets for a 2-core machine: issue -> figure -> (comparison, bound); None: 0.85 x
# jobs, the 1.7 asked of 2 jobs as a parallel efficiency, so that other core counts get a fair bound.
# Issue 13's dlgrade_jobsN_s: 3.5x faster than issue 6's 19.0 s per student with --jobs 2, rounded
# as the issue states it; a bound for 13 students and --jobs 2 on 2 cores.
TARGETS = {
    "issue 6": {"nbgrader_over_dlgrade_jobsN": (">=", 5.0), "jobs1_over_floor": ("<=", 1.3),
                "overhead_per_student_topic_ms": ("<", 50.0), "speedup_jobsN_over_jobs1": (">=", None),
                "cached_regrade_s": ("<", 1.0)},
    "issue 13": {"dlgrade_jobsN_s": ("<=", 5.4), "nbgrader_over_dlgrade_jobsN": (">=", 10.0),
                 "jobs1_over_floor": ("<=", 1.3)},
}
# Printed beside the targets, with no bound: what replay gains in one process.
INFORMATION = ("pytest_over_floor",)


def build_class(students: int, out: Path) -> None:
    """Copy ``examples/class``'s students round robin into ``out``: ``students`` folders."""
    sample = sorted(p for p in SAMPLE.iterdir() if p.is_dir())
    for k in range(students):
        shutil.copytree(sample[k % len(sample)], out / f"s{k:03d}-{sample[k % len(sample)].name}")


def clean_env() -> dict[str, str]:
    """This process's environment without what would change the grading (secret seed, Dask)."""
    return {k: v for k, v in os.environ.items() if k not in ("DLGRADE_SEED", "DLGRADE_SCHEDULER")}


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    """Run ``command`` in ``cwd``; its wall-clock seconds and what it printed on stdout.

    Raises:
        SystemExit: it failed (the command, its exit status and its last line of output).
    """
    begin = time.perf_counter()
    done = subprocess.run(command, check=False, cwd=cwd, env=clean_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - begin
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise SystemExit(f"benchmark: {' '.join(command)} exited with status {done.returncode}: {last}")
    return seconds, done.stdout


def _dlgrade(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", *args, "--course", str(COURSE_FILE)]


def _in_process(*args: str) -> list[str]:
    return [sys.executable, str(IN_PROCESS), *args]


def measure_floor(class_dir: Path, work: Path, way: str) -> dict:
    """``in_process.floor_grade`` in a fresh process, ``way`` ``pytest`` (every test live) or
    ``floor`` (replay): its result, ``seconds`` (the process's wall time, recording included)
    and ``startup_s`` (all but the grading loop: Python, imports, collecting the tests)."""
    report = work / f"{way}.json"
    seconds, _ = timed(_in_process(f"--{way}", str(class_dir), "--json", str(report)), work)
    result = json.loads(report.read_text(encoding="utf-8"))
    return {**result, "seconds": seconds, "startup_s": seconds - result["grading_s"]}


def measure_costs(work: Path) -> dict:
    """``in_process.worker_costs`` in a fresh process, and the seconds to start Python and import
    dlgrade's CLI, which every ``dlgrade`` command pays."""
    report = work / "costs.json"
    timed(_in_process("--costs", "--json", str(report)), work)
    startup, _ = timed([sys.executable, "-c", "import grader.cli"], work)
    return {**json.loads(report.read_text(encoding="utf-8")), "cli_startup_s": startup}


def measure_dlgrade(class_dir: Path, work: Path, jobs: list[int]) -> dict:
    """``dlgrade grade`` with each of ``jobs`` into a fresh folder, then a cached regrade with the last.

    Returns:
        Per run (``jobs<n>``, ``cached``): the wall seconds, the seconds of each student-topic
        it printed (``tasks``; those of the first run for the cached one) and how many came from
        the cache (``hits``: all of them on the regrade, unless the engine's source changed
        meanwhile); ``out``: the first run's ``--out``; ``identical``: whether every run wrote
        the same gradebook.json and gradebook.csv, bytes compared.
    """
    result: dict[str, Any] = {"out": work / f"grades-jobs{jobs[0]}"}
    books = set()
    for name, n in [*((f"jobs{n}", n) for n in jobs), ("cached", jobs[-1])]:
        out = work / f"grades-jobs{n}"
        seconds, lines = timed(_dlgrade("grade", str(class_dir), "--out", str(out), "--jobs", str(n),
                                        "--json-lines"), work)
        records = [r for r in map(_json_or_none, lines.splitlines()) if r and "topic" in r]
        result[name] = {"seconds": seconds, "tasks": [r["seconds"] for r in records],
                        "hits": sum(r.get("cached") is True for r in records)}
        books.add((out / "gradebook.json").read_bytes() + b"\0" + (out / "gradebook.csv").read_bytes())
    result["identical"] = len(books) == 1
    return result


def _json_or_none(line: str) -> dict | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def dlgrade_scores(out: Path) -> dict[str, dict[str, float]]:
    """``{student: {topic: score}}`` of the gradebook.json in ``out``."""
    book = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    return {s["id"]: {t["id"]: t["score"] for t in s["topics"]} for s in book["students"]}


def measure_nbgrader(class_dir: Path, work: Path, topics: list[str]) -> dict:
    """nbgrader's autograde of the class as notebooks: ``seconds`` and ``scores``.

    Untimed, as one-off preparation: ``dlgrade nbgrader generate``, ``nbgrader
    generate_assignment '*'`` and filling each released notebook with the student's module
    (a topic the student has no file for has no submission: nbgrader scores nothing, read as 0).
    Timed: ``nbgrader autograde '*' --create``, nbgrader's standard one-process run.
    """
    root = work / "nbgrader"
    timed(_dlgrade("nbgrader", "generate", "--out", str(root)), work)
    timed([sys.executable, "-m", "nbgrader", "generate_assignment", "*"], root)
    students = sorted(p.name for p in class_dir.iterdir() if p.is_dir())
    for student in students:
        for topic in topics:
            module = class_dir / student / f"{topic}.py"
            if module.is_file():
                released = nbformat.read(root / "release" / topic / f"{topic}.ipynb", as_version=4)
                target = root / "submitted" / student / topic / f"{topic}.ipynb"
                target.parent.mkdir(parents=True)
                nbformat.write(fill_notebook(released, module.read_text(encoding="utf-8")), target)
    seconds, _ = timed([sys.executable, "-m", "nbgrader", "autograde", "*", "--create"], root)
    return {"seconds": seconds, "scores": _nbgrader_scores(root, students, topics)}


def _nbgrader_scores(root: Path, students: list[str], topics: list[str]) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook, MissingEntry  # optional: only a run with nbgrader needs it

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as book:
        def score(student: str, topic: str) -> float:
            try:
                return book.find_submission_notebook(topic, topic, student).score
            except MissingEntry:  # no notebook submitted
                return 0.0

        return {s: {t: score(s, t) for t in topics} for s in students}


def agreement(scores: dict[str, dict[str, float]], reference: dict[str, dict[str, float]],
              name: str = "dlgrade") -> dict:
    """How many student-topics ``scores`` scores as ``reference`` (called ``name``) does, and the
    others (at most 20)."""
    pairs = [(s, t, scores.get(s, {}).get(t), r) for s, topics in reference.items() for t, r in topics.items()]
    differ = [f"{s}/{t}: {v} vs {name} {r}" for s, t, v, r in pairs if v is None or abs(v - r) >= SCORE_TOLERANCE]
    return {"agree": len(pairs) - len(differ), "of": len(pairs), "differ": differ[:20]}


def machine() -> dict:
    """Usable cores, CPU model, RAM, kernel, load, and the versions that decide the timings."""
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    mem_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal:")), 0)
    return {"cores": len(os.sched_getaffinity(0)), "cpu": cpu, "ram_gib": round(mem_kb / 2**20, 1),
            "kernel": f"{platform.system()} {platform.release()}", "load_average": list(os.getloadavg()),
            "python": platform.python_version(),
            **{name: _version(name) for name in ("torch", "hypothesis", "nbgrader", "dlgrade")}}


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def figures(n: int, topics: int, jobs: int, pytest: dict, floor: dict, runs: dict, nbgrader: dict | None) -> dict:
    """Issues 6's and 13's figures: seconds per student, totals, ratios.

    ``dlgrade_jobsN_s`` repeats ``dlgrade_jobs<jobs>_s`` under a name that does not depend on
    ``jobs``, for issue 13's target.
    """
    jobs1, jobs_n, cached = (runs[k]["seconds"] for k in ("jobs1", f"jobs{jobs}", "cached"))
    nb = nbgrader["seconds"] if nbgrader else None
    return {
        "pytest_s": pytest["seconds"] / n, "floor_s": floor["seconds"] / n, "dlgrade_jobs1_s": jobs1 / n,
        f"dlgrade_jobs{jobs}_s": jobs_n / n, "dlgrade_jobsN_s": jobs_n / n,
        "nbgrader_s": nb / n if nb is not None else None, "cached_regrade_s": cached,
        "total_s": {"pytest": pytest["seconds"], "floor": floor["seconds"], "dlgrade_jobs1": jobs1,
                    f"dlgrade_jobs{jobs}": jobs_n, "nbgrader": nb, "cached_regrade": cached},
        "nbgrader_over_dlgrade_jobsN": nb / jobs_n if nb is not None else None,
        "pytest_over_floor": pytest["seconds"] / floor["seconds"],
        "jobs1_over_floor": jobs1 / floor["seconds"],
        "overhead_per_student_topic_ms": 1000 * (jobs1 - floor["seconds"]) / (n * topics),
        "speedup_jobsN_over_jobs1": jobs1 / jobs_n,
    }


def costs(n: int, topics: int, jobs: int, pytest: dict, floor: dict, runs: dict, measured: dict) -> dict:
    """The costs behind the figures: where ``dlgrade grade``'s time goes beyond the floor's.

    ``dlgrade_jobs<k>_outside_student_topics_s`` = wall time − (Σ seconds of the student-topics)
    / k: what the k cores spent not grading (starting Python, torch, the pool and the zygotes,
    writing the reports, waiting for the last student-topic). ``isolation_estimate_ms_per_
    student_topic`` = worker start + calls per student-topic × call round trip, to hold against
    the measured ``overhead_per_student_topic_ms``. ``floor_recording_s``: the part of the
    floor's grading spent recording examples on the references. ``call_under_grading_ms``:
    the first student's calls graded by dlgrade in one process (``first_student``), mean
    milliseconds per call, the submission's own work included; ``call_overhead_under_grading_
    ms``: the same less the floor's time in the same calls, per dlgrade call.
    """
    per_task_calls = floor["calls"] / (n * topics)
    first = measured["first_student"]
    result = {**measured, "pytest_startup_s": pytest["startup_s"], "pytest_grading_s": pytest["grading_s"],
              "floor_startup_s": floor["startup_s"], "floor_grading_s": floor["grading_s"],
              "floor_recording_s": floor["recording_s"],
              "call_under_grading_ms": 1000 * first["dlgrade"]["in_calls_s"] / max(first["dlgrade"]["calls"], 1),
              "call_overhead_under_grading_ms": 1000 * (first["dlgrade"]["in_calls_s"] - first["floor"]["in_calls_s"])
              / max(first["dlgrade"]["calls"], 1)}
    for k in sorted({1, jobs}):
        tasks = runs[f"jobs{k}"]["tasks"]
        result[f"dlgrade_jobs{k}_student_topics_s"] = sum(tasks)
        result[f"dlgrade_jobs{k}_outside_student_topics_s"] = runs[f"jobs{k}"]["seconds"] - sum(tasks) / k
    return {**result, "longest_student_topic_s": max(runs["jobs1"]["tasks"], default=0.0),
            "calls": floor["calls"], "calls_per_student_topic": per_task_calls,
            "isolation_estimate_ms_per_student_topic": measured["worker_start_ms"]
            + per_task_calls * measured["call_round_trip_ms"]}


def targets(result: dict, jobs: int) -> dict:
    """Each target of each issue: ``{issue: {figure: {"value", "target", "met"}}}`` (met None:
    not measured)."""
    checks: dict[str, dict] = {}
    for issue, bounds in TARGETS.items():
        checks[issue] = {}
        for name, (op, bound) in bounds.items():
            bound = 0.85 * jobs if bound is None else bound
            value = result[name]
            met = None if value is None else {">=": value >= bound, "<=": value <= bound, "<": value < bound}[op]
            checks[issue][name] = {"value": value, "target": f"{op} {bound:g}", "met": met}
    return checks


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return round(value, 4) if isinstance(value, float) else value


def table(result: dict) -> str:
    """The figures as a short text table (total and per student), the targets and the checks."""
    n, jobs, total, cost = result["students"], result["jobs"], result["total_s"], result["costs"]
    rows = [("pytest (live)", total["pytest"]), ("floor (replay)", total["floor"]),
            ("dlgrade --jobs 1", total["dlgrade_jobs1"]),
            (f"dlgrade --jobs {jobs}", total[f"dlgrade_jobs{jobs}"]), ("nbgrader autograde", total["nbgrader"]),
            ("cached regrade", total["cached_regrade"])]
    lines = [(f"{n} students x {result['topics']} topics, {result['machine']['cores']} cores "
              f"({result['machine']['cpu']}), sandbox: {result['sandbox']}"),
             f"{'run':<22}{'total s':>10}{'s/student':>12}"]
    lines += [f"{name:<22}{'skipped':>10}" if s is None else f"{name:<22}{s:>10.2f}{s / n:>12.3f}" for name, s in rows]
    lines += [f"{issue}: {name}: {c['value']} (target {c['target']}): "
              f"{'not measured' if c['met'] is None else 'met' if c['met'] else 'NOT met'}"
              for issue, checks in result["targets"].items() for name, c in checks.items()]
    lines += [f"{name}: {result[name]}" for name in INFORMATION]
    first = cost["first_student"]
    lines += [(f"costs: Python + import grader.cli {cost['cli_startup_s']} s, worker start "
               f"{cost['worker_start_ms']} ms, call round trip {cost['call_round_trip_ms']} ms x "
               f"{cost['calls_per_student_topic']} calls per student-topic; not grading: --jobs 1 "
               f"{cost['dlgrade_jobs1_outside_student_topics_s']} s, --jobs {jobs} "
               f"{cost[f'dlgrade_jobs{jobs}_outside_student_topics_s']} s; the floor's recording "
               f"{cost['floor_recording_s']} s"),
              "first student, in one process: " + "; ".join(
                  f"{way} {first[way]['seconds']} s, {first[way]['in_calls_s']} s of it in "
                  f"{first[way]['calls']} calls" for way in ("pytest", "floor", "dlgrade"))
              + f" (recording every topic first: {first['recording_s']} s); a dlgrade call under grading "
                f"{cost['call_under_grading_ms']} ms, {cost['call_overhead_under_grading_ms']} ms more than in-process",
              f"cached regrade: {result['cached_regrade_hits']} of {n * result['topics']} student-topics "
              "from the cache",
              f"gradebooks identical for every --jobs and the cached regrade: {result['gradebooks_identical']}"]
    lines += [f"{name}: {result[name]['agree']} of {result[name]['of']} student-topics"
              + "".join(f"\n  {d}" for d in result[name]["differ"])
              for name in ("pytest_agrees_with_floor", "pytest_agrees_with_dlgrade", "floor_agrees_with_dlgrade",
                           "nbgrader_agrees_with_dlgrade") if result[name]]
    return "\n".join(lines)


def benchmark(students: int, jobs: int, work: Path, with_nbgrader: bool) -> dict:
    """Build the class in ``work`` and run every measurement; the result document."""
    class_dir = work / "class"
    build_class(students, class_dir)
    topics = [t.id for t in load_course(COURSE_FILE).topics]
    about = machine()  # the load before this benchmark adds its own
    measured = measure_costs(work)
    pytest = measure_floor(class_dir, work, "pytest")
    floor = measure_floor(class_dir, work, "floor")
    runs = measure_dlgrade(class_dir, work, sorted({1, jobs}))
    nbgrader = measure_nbgrader(class_dir, work, topics) if with_nbgrader else None
    scores = dlgrade_scores(runs["out"])
    result = {"students": students, "topics": len(topics), "jobs": jobs, "machine": about,
              "sandbox": json.loads((runs["out"] / "gradebook.json").read_text(encoding="utf-8"))["sandbox"],
              **figures(students, len(topics), jobs, pytest, floor, runs, nbgrader),
              "costs": costs(students, len(topics), jobs, pytest, floor, runs, measured),
              "cached_regrade_hits": runs["cached"]["hits"], "gradebooks_identical": runs["identical"],
              "pytest_agrees_with_floor": agreement(pytest["scores"], floor["scores"], "floor"),
              "pytest_agrees_with_dlgrade": agreement(pytest["scores"], scores),
              "floor_agrees_with_dlgrade": agreement(floor["scores"], scores),
              "nbgrader_agrees_with_dlgrade": agreement(nbgrader["scores"], scores) if nbgrader else None}
    result["targets"] = targets(result, jobs)
    return _rounded(result)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not >= 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=_positive, default=13, help="class size (default: 13, the sample once)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--jobs", type=_positive, default=len(os.sched_getaffinity(0)),
                        help="the parallel run's --jobs (default: usable cores)")
    parser.add_argument("--skip-nbgrader", action="store_true", help="leave nbgrader out (a quick run)")
    parser.add_argument("--workdir", type=Path, help="new or empty folder to work in, kept (default: a temporary one)")
    return parser


def main() -> None:
    """Parse the command line, run the benchmark, print the table and write ``--json``."""
    parser = _parser()
    args = parser.parse_args()
    if args.workdir and args.workdir.exists() and (not args.workdir.is_dir() or any(args.workdir.iterdir())):
        parser.error(f"--workdir {args.workdir}: not an empty folder")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = benchmark(args.students, args.jobs, args.workdir.resolve(), not args.skip_nbgrader)
    else:
        with tempfile.TemporaryDirectory(prefix="dlgrade-bench-") as work:
            result = benchmark(args.students, args.jobs, Path(work), not args.skip_nbgrader)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
