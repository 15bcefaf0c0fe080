"""``dlgrade audit``: the course checks its own tests with generated mutants (issue 15).

:func:`mutants` makes a reference's mutants (:mod:`grader.audit.operators`), :func:`audit`
grades them with the catalog, the correct alternatives and the stub and flags the probably
equivalent survivors (:mod:`grader.audit.equivalence`), and :func:`write_audit` writes
audit.json and audit.md. Accepted survivors come from course.yml's audit.accepted (:mod:`grader.audit.accepted`).
"""

from grader.audit.generate import Mutant, mutants
from grader.audit.report import write_audit
from grader.audit.run import TopicAudit, audit

__all__ = ["Mutant", "TopicAudit", "audit", "mutants", "write_audit"]
