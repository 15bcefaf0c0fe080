"""Run one topic's public and hidden tests in-process on each mutant (a course author's tool).

    python -m tests.grader.mutants softmax

prints, per mutant, the tests that fail: each mutant must fail at least one test of the
function it breaks and none of another function.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.grader.mutants import COURSE_ROOT, catalog, mutant_source

topic = sys.argv[1]
for name, (function, _) in catalog(topic).items():
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / f"{topic}.py").write_text(mutant_source(topic, name), encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--submission", tmp,
             f"tests/public/test_{topic}.py", f"tests/hidden/test_{topic}_props.py", "-rf", "--tb=no"],
            cwd=COURSE_ROOT, capture_output=True, text=True)
        failed = [line.split("::")[-1].split(" ")[0] for line in run.stdout.splitlines() if line.startswith("FAILED")]
        print(f"{name} ({function}): {len(failed)} failing: {', '.join(failed) or 'NONE -- not caught'}")
