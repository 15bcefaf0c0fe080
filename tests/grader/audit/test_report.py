"""The audit's report: audit.json holds the issue's fields with score = killed / (generated -
equivalent - accepted), audit.md has a table per topic and each counted survivor's diff, and the
terminal table a row per topic and function."""

import json

import jsonschema
from rich.console import Console

from grader.audit.accepted import AcceptedSurvivor
from grader.audit.equivalence import Equivalence
from grader.audit.generate import Mutant
from grader.audit.report import audit_json, audit_markdown, audit_table, write_audit
from grader.audit.run import MutantOutcome, TopicAudit

_COUNT = {"type": "integer", "minimum": 0}
SCHEMA = {  # the fields issue 15 names
    "type": "object", "required": ["topics"], "properties": {"topics": {"type": "array", "items": {
        "type": "object",
        "required": ["id", "generated", "killed", "survived", "equivalent", "accepted", "score", "functions",
                     "survivors", "wheats_full", "catalog_killed", "catalog_total"],
        "properties": {
            "id": {"type": "string"}, "generated": _COUNT, "killed": _COUNT, "survived": _COUNT,
            "equivalent": _COUNT, "accepted": _COUNT, "score": {"type": "number", "minimum": 0, "maximum": 1},
            "functions": {"type": "array", "items": {"type": "object", "required": ["function", "generated", "score"]}},
            "survivors": {"type": "array", "items": {
                "type": "object", "required": ["function", "diff"],
                "properties": {"function": {"type": "string"}, "diff": {"type": "string"}}}},
            "wheats_full": {"type": "boolean"}, "catalog_killed": _COUNT, "catalog_total": _COUNT}}}}}


def _mutant(function: str, n: int, diff: str = "") -> Mutant:
    return Mutant(f"{function}@{n:010x}", function, (function,), "constant", 10 + n, "source",
                  diff or f"--- a\n+++ b\n@@ -1 +1 @@\n-    return {n}\n+    return {n + 1}")


def _audit(topic: str = "norms") -> TopicAudit:
    accepted = AcceptedSurvivor(topic=topic, function="l2_norm", mutant=_mutant("l2_norm", 5).id, reason="why")
    outcomes = (
        MutantOutcome(_mutant("l1_norm", 1), killed=True),
        MutantOutcome(_mutant("l1_norm", 2), killed=True),
        MutantOutcome(_mutant("l1_norm", 3), killed=False, equivalence=Equivalence(True, 40, "the same results")),
        MutantOutcome(_mutant("l2_norm", 4, "--- a\n+++ b\n-    ```\n+    ````"), killed=False,
                      equivalence=Equivalence(False, 3, "l2_norm: other values")),
        MutantOutcome(_mutant("l2_norm", 5), killed=False, accepted=accepted),
        MutantOutcome(_mutant("l2_norm", 6), killed=True),
    )
    return TopicAudit(topic, outcomes, {"correct_a": True, "correct_b": True}, True,
                      {"l1_without_abs": True, "l2_without_sqrt": False})


def test_audit_json_has_the_issue_s_fields_and_counts():
    document = audit_json([_audit(), _audit("softmax")])
    jsonschema.validate(document, SCHEMA)
    norms = document["topics"][0]
    assert {k: norms[k] for k in ("generated", "killed", "survived", "equivalent", "accepted")} == \
        {"generated": 6, "killed": 3, "survived": 3, "equivalent": 1, "accepted": 1}
    assert norms["score"] == 0.75  # 3 killed / (6 - 1 equivalent - 1 accepted)
    assert [(f["function"], f["score"]) for f in norms["functions"]] == [("l1_norm", 1.0), ("l2_norm", 0.5)]
    assert [s["function"] for s in norms["survivors"]] == ["l2_norm"] and "````" in norms["survivors"][0]["diff"]
    assert (norms["wheats_full"], norms["catalog_killed"], norms["catalog_total"]) == (True, 1, 2)


def test_audit_md_has_a_table_per_topic_and_each_survivor_s_diff_fenced():
    markdown = audit_markdown([_audit(), _audit("softmax")])
    assert markdown.count("| function | generated | killed | survived | equivalent | accepted | score |") == 2
    assert "| **norms** | 6 | 3 | 3 | 1 | 1 | 75.0% |" in markdown
    # the diff holds a run of four backticks: its fence is longer, so the block is not cut short
    assert "`````diff\n--- a\n+++ b\n-    ```\n+    ````\n`````" in markdown
    assert "catalog 1/2 killed; survived: l2_without_sqrt" in markdown


def test_the_terminal_table_has_a_row_per_topic_and_function():
    console = Console(width=150, record=True)
    console.print(audit_table([_audit()]))
    text = console.export_text()
    assert "norms" in text and "l1_norm" in text and "l2_norm" in text and "75.0%" in text


def test_write_audit_writes_both_files(tmp_path):
    json_path, markdown_path = write_audit([_audit()], tmp_path / "audit")
    assert json.loads(json_path.read_text()) == audit_json([_audit()])
    assert markdown_path.read_text() == audit_markdown([_audit()])
