"""Grade a topic's stub and each mutant of its catalog, as tests/grader/test_mutants.py does.

    cd COURSE && python PATH/TO/grade_catalog.py TOPIC MAX_EXAMPLES

Run in the course's folder, in a process of its own: the course's ``tests`` package (which holds
the new topic's tests) must be the one imported, not the project's. Prints one JSON object:
``{"stub": [messages of the stub's tests], "mutants": {name: {"function", "status", "failed"}}}``,
each mutant graded without shrinking by the tests of the function it breaks.
"""

import importlib.util
import json
import sys
import tempfile
import textwrap
from pathlib import Path

from grader.course import load_course
from grader.engine import grade_topic

root = Path.cwd()
topic_id, max_examples = sys.argv[1], int(sys.argv[2])
course = load_course(root / "course.yml").with_settings(shrink=False, max_examples=max_examples)
topic = course.topic(topic_id)
spec = importlib.util.spec_from_file_location("catalog", root / "tests" / "grader" / "mutants" / f"{topic_id}.py")
catalog = importlib.util.module_from_spec(spec)
spec.loader.exec_module(catalog)
reference = (root / "solutions" / f"{topic_id}.py").read_text(encoding="utf-8")
stub = grade_topic(course, topic, root / "exercises" / f"{topic_id}.py")
mutants = {}
with tempfile.TemporaryDirectory() as tmp:
    for name, (function, code) in catalog.MUTANTS.items():
        path = Path(tmp) / name / f"{topic_id}.py"
        path.parent.mkdir()
        path.write_text(reference + "\n\n" + textwrap.dedent(code), encoding="utf-8")
        result = grade_topic(course, topic, path, functions={function})
        mutants[name] = {"function": function, "status": result.status,
                         "failed": [t.name for t in result.tests if not t.passed]}
print(json.dumps({"stub": [t.message for t in stub.tests], "mutants": mutants}))
