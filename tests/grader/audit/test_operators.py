"""Each mutation operator changes the reference as it says, once per distinct mutant, and only
where the audit may mutate: the bodies of public functions and the helpers they reach."""

import ast

import pytest

from grader.audit.generate import mutants
from grader.audit.operators import OPERATORS

SNIPPET = '''
import torch


def scaled(x, alpha, dim=0):
    """Shift, scale and reduce: 0 + 1 < 2 is a docstring, never mutated."""
    y = x.clone().detach()
    y += alpha
    z = y - y.amax(dim=1, keepdim=True)
    with torch.no_grad():
        z.add_(1)
    if alpha < 0.5 and dim == 2:
        return torch.sum(z, dim) * 2
    return _helper(torch.where(z > 0, z, -z)).mean(dim=-1)


def _helper(t):
    return t * 1.0


def _unused(t):
    return t + 1
'''

# One line each operator must be able to write (a "+" line of some mutant's diff).
EXPECTED = {
    "arithmetic": "        return torch.sum(z, dim) / 2",
    "comparison": "    if alpha > 0.5 and dim == 2:",
    "boundary": "    if alpha <= 0.5 and dim == 2:",
    "logic": "    if alpha < 0.5 or dim == 2:",
    "constant": "    if alpha < 1.0 and dim == 2:",
    "statement": "        pass",
    "return": "        return x",
    "arguments": "        return torch.sum(dim, z) * 2",
    "dim": "    z = y - y.amax(dim=1, keepdim=False)",
    "reduction": "        return torch.mean(z, dim) * 2",
    "copy": "    y = x.detach()",
    "no_grad": "    z.add_(1)",
    "shift": "    z = y",
    "in_place": "    y = y + alpha",
}


def _generated(source=SNIPPET, operators=None):
    return list(mutants(source, ["scaled"], filename="snippet.py", operators=operators))


def test_every_operator_has_an_expected_mutation():
    assert set(EXPECTED) == set(OPERATORS)


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_each_operator_makes_mutants_that_differ_from_the_reference(operator):
    found = _generated(operators=[operator])
    assert found, f"{operator}: no mutant of the snippet"
    for mutant in found:
        assert mutant.operator == operator
        assert mutant.source != SNIPPET and ast.parse(mutant.source)
        assert any(line[:1] in "+-" for line in mutant.diff.splitlines()[2:]), mutant.diff
    assert any(f"+{EXPECTED[operator]}" in m.diff.splitlines() for m in found), \
        f"{operator}: no mutant writes {EXPECTED[operator]!r}: " + "\n\n".join(m.diff for m in found)


def test_mutants_are_distinct_and_change_their_definition():
    found = _generated()
    assert len({m.source for m in found}) == len(found)
    assert len({m.id for m in found}) == len(found)
    # `return x.clone()` -> `return x` by removing the copy and by returning the first argument: one mutant
    copies = list(mutants("def f(x):\n    return x.clone()\n", ["f"], operators=["copy", "return"]))
    assert [m.source.strip() for m in copies].count("def f(x):\n    return x") == 1


def test_only_public_functions_and_the_helpers_they_reach_are_mutated():
    found = _generated()
    assert {m.function for m in found} == {"scaled", "_helper"}
    assert {m.affects for m in found if m.function == "_helper"} == {("scaled",)}


def test_docstrings_and_signatures_are_never_mutated():
    for mutant in _generated():
        changed = [line for line in mutant.diff.splitlines()[2:] if line[:1] in "+-"]
        assert not any("docstring" in line or "def scaled" in line for line in changed), mutant.diff


def test_an_id_stays_the_same_when_the_rest_of_the_file_changes():
    before = {m.id for m in _generated() if m.function == "scaled"}
    after = {m.id for m in _generated(SNIPPET + "\n\ndef another(t):\n    return t - 2\n") if m.function == "scaled"}
    assert before == after


def test_a_mutant_replaces_one_definition_and_keeps_the_rest_of_the_file():
    mutant = next(m for m in _generated(operators=["shift"]))
    assert mutant.source.startswith("\nimport torch\n") and "def _unused(t):\n    return t + 1\n" in mutant.source
    assert mutant.line == SNIPPET.splitlines().index("    z = y - y.amax(dim=1, keepdim=True)") + 1


def test_an_unknown_operator_is_a_key_error():
    with pytest.raises(KeyError):
        _generated(operators=["nonsense"])
