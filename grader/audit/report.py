"""An audit -> the terminal's table (rich), audit.json and audit.md.

audit.json is ``{"topics": [{"id", "generated", "killed", "survived", "equivalent", "accepted",
"score", "functions": [...], "survivors": [{"function", "diff", ...}], "wheats_full",
"catalog_killed", "catalog_total", ...}]}``: ``survived`` counts every mutant not killed (the
equivalent and accepted ones included), ``score`` is killed / (generated - equivalent -
accepted), 1 where that is 0, and ``survivors`` lists those that count against it. Each
function's row has the same counts. Beyond the issue's keys: a survivor's ``id`` (what course.yml's audit.accepted
names), ``operator`` and ``line``; a topic's ``stub_zero``, ``probably_equivalent`` (each with the
verdict's reason, to review) and the audit.accepted entries now killed or matching no mutant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from grader.audit.run import MutantOutcome, TopicAudit
from grader.report import atomic_write

__all__ = ["audit_json", "audit_markdown", "audit_notes", "audit_table", "counts", "write_audit"]

_COUNTS = ("generated", "killed", "survived", "equivalent", "accepted", "score")


def counts(outcomes: Sequence[MutantOutcome]) -> dict[str, float]:
    """generated, killed, survived, equivalent, accepted and score of ``outcomes``."""
    generated = len(outcomes)
    killed = sum(o.killed for o in outcomes)
    equivalent = sum(not o.killed and o.equivalent for o in outcomes)
    accepted = sum(not o.killed and not o.equivalent and o.accepted is not None for o in outcomes)
    scored = generated - equivalent - accepted
    return {"generated": generated, "killed": killed, "survived": generated - killed, "equivalent": equivalent,
            "accepted": accepted, "score": round(killed / scored, 4) if scored else 1.0}


def audit_json(audits: Sequence[TopicAudit]) -> dict:
    """The audit as audit.json's object (see the module's docstring)."""
    return {"topics": [_topic_json(a) for a in audits]}


def _topic_json(audit: TopicAudit) -> dict:
    return {"id": audit.topic, **counts(audit.outcomes()),
            "functions": [{"function": f, **counts(audit.outcomes(f))} for f in audit.functions()],
            "survivors": [{"function": o.mutant.function, "diff": o.mutant.diff, "id": o.mutant.id,
                           "operator": o.mutant.operator, "line": o.mutant.line} for o in audit.mutants if o.counts],
            "wheats_full": all(audit.wheats.values()), "catalog_killed": sum(audit.catalog.values()),
            "catalog_total": len(audit.catalog), "stub_zero": audit.stub_zero,
            "probably_equivalent": [{"function": o.mutant.function, "id": o.mutant.id, "reason": o.equivalence.reason,
                                     "diff": o.mutant.diff} for o in audit.mutants if not o.killed and o.equivalent],
            "accepted_now_killed": [a.mutant for a in audit.accepted_killed],
            "accepted_unmatched": [a.mutant for a in audit.accepted_unmatched]}


def audit_table(audits: Sequence[TopicAudit]) -> Table:
    """One row per topic (bold) and per function with mutants: the counts and the score."""
    table = Table(title="Mutation audit", title_justify="left")
    table.add_column("topic / function", no_wrap=True)
    for column in _COUNTS:
        table.add_column(column, justify="right")
    for audit in audits:
        table.add_row(*_cells(audit.topic, counts(audit.outcomes())), style="bold")
        for function in audit.functions():
            table.add_row(*_cells(f"  {function}", counts(audit.outcomes(function))))
    return table


def _cells(name: str, row: dict[str, float]) -> list[str]:
    return [name, *(str(row[c]) for c in _COUNTS[:-1]), f"{row['score']:.1%}"]


def audit_notes(audit: TopicAudit) -> list[str]:
    """Lines about a topic besides its counts: wheats, stub, catalog, stale audit.accepted entries."""
    lost = [name for name, full in audit.wheats.items() if not full]
    survived = [name for name, killed in audit.catalog.items() if not killed]
    notes = [f"{audit.topic}: correct alternatives " + (f"LOST POINTS: {', '.join(lost)}" if lost else
                                                       f"keep full marks ({len(audit.wheats)})"),
             f"{audit.topic}: stub " + ("scores 0" if audit.stub_zero else "SCORES POINTS"),
             f"{audit.topic}: catalog {len(audit.catalog) - len(survived)}/{len(audit.catalog)} killed"
             + (f"; survived: {', '.join(survived)}" if survived else "")]
    notes += [f"{audit.topic}: course.yml's audit.accepted lists {a.mutant}, which the tests now kill: remove it"
              for a in audit.accepted_killed]
    notes += [f"{audit.topic}: course.yml's audit.accepted lists {a.mutant}, which is no longer generated: update or remove it"
              for a in audit.accepted_unmatched]
    return notes


def audit_markdown(audits: Sequence[TopicAudit]) -> str:
    """audit.md: per topic, its notes, a table of its functions and each survivor's diff."""
    lines = ["# Mutation audit", ""]
    for audit in audits:
        lines += [f"## {audit.topic}", "", *(f"- {note}" for note in audit_notes(audit)), "",
                  "| function | " + " | ".join(_COUNTS) + " |", "|---|" + "---:|" * len(_COUNTS)]
        rows = [(f"**{audit.topic}**", counts(audit.outcomes()))]
        rows += [(f"`{f}`", counts(audit.outcomes(f))) for f in audit.functions()]
        lines += ["| " + " | ".join(_cells(name, row)) + " |" for name, row in rows]
        survivors = [o for o in audit.mutants if o.counts]
        if survivors:
            lines += ["", f"### Survivors ({len(survivors)})"]
        for outcome in survivors:
            mutant = outcome.mutant
            fence = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", mutant.diff)), default=0))
            lines += ["", f"`{mutant.id}` in `{mutant.function}` ({mutant.operator}, line {mutant.line}):", "",
                      f"{fence}diff", mutant.diff, fence]
        lines.append("")
    return "\n".join(lines)


def write_audit(audits: Sequence[TopicAudit], out: Path) -> tuple[Path, Path]:
    """Write ``out``/audit.json and ``out``/audit.md (each atomically); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = out / "audit.json", out / "audit.md"
    atomic_write(paths[0], json.dumps(audit_json(audits), indent=2, ensure_ascii=False) + "\n")
    atomic_write(paths[1], audit_markdown(audits))
    return paths
