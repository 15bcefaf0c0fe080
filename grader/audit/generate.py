"""A reference module -> its mutants, one operator at one place each (:mod:`grader.audit.operators`).

The definitions mutated are the topic's public functions and classes and the module's helpers
they reach (a name used in their bodies, followed through the helpers' own bodies). Each node of
a definition's body (never its docstring) is offered to every operator; each replacement gives
one mutant: the reference's text with that one top-level definition re-rendered by
``ast.unparse``. Mutants that leave the definition unchanged, do not compile, or repeat an
earlier mutant's source are dropped.
"""

from __future__ import annotations

import ast
import copy
import difflib
import hashlib
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from grader.audit.operators import OPERATORS, Context, Replacement, without_docstring

__all__ = ["Mutant", "mutants", "reachable"]

_Path = tuple[tuple[str, int | None], ...]
_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class Mutant:
    """One generated mutant of a reference module.

    Attributes:
        id: ``<function>@<10 hex>``: a hash of the mutated definition's source, the same on every
            run while that definition and the mutation are (course.yml's audit.accepted names survivors by it).
        function: the top-level def or class the mutation is in (a public one or a helper).
        affects: the public functions whose tests can notice it (those that reach ``function``).
        operator: the name of the operator (a key of :data:`grader.audit.operators.OPERATORS`).
        line: the line of the reference the mutation is on.
        source: the whole mutant module.
        diff: a unified diff of ``function`` against the reference's, both as ``ast.unparse``
            renders them (so comments and layout make no noise).
    """

    id: str
    function: str
    affects: tuple[str, ...]
    operator: str
    line: int
    source: str
    diff: str


def mutants(source: str, public: Collection[str], *, filename: str = "reference.py",
            operators: Sequence[str] | None = None) -> Iterator[Mutant]:
    """Yield the mutants of ``source``, definition by definition in file order, each once.

    Args:
        source: the reference module's text.
        public: the names of its public functions and classes (course.yml's ``functions``).
        filename: how the diffs name the reference (``solutions/norms.py``).
        operators: the names of the operators to apply (default: all of them).

    Raises:
        KeyError: an unknown operator name.
        SyntaxError: ``source`` is not Python.
    """
    chosen = {name: OPERATORS[name] for name in (operators or OPERATORS)}
    tree = ast.parse(source)
    definitions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                               ast.ClassDef))}
    reach = reachable(definitions, public)
    lines = source.splitlines(keepends=True)
    seen = {source}
    for name, node in definitions.items():
        affects = tuple(f for f in public if name in reach.get(f, ()))
        if not affects:
            continue
        original = ast.unparse(node)
        start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
        before, after = "".join(lines[:start]), "".join(lines[node.end_lineno:])
        for operator, path, line, replacement in _sites(node, chosen):
            mutated = _replaced(node, path, replacement)
            rendered = ast.unparse(mutated)
            text = f"{before}{rendered}\n{after}"
            if rendered == original or text in seen or not _compiles(text):
                continue
            seen.add(text)
            digest = hashlib.sha256(f"{name}\0{rendered}".encode()).hexdigest()[:10]
            diff = "\n".join(difflib.unified_diff(original.splitlines(), rendered.splitlines(), f"{filename} ({name})",
                                                  f"mutant ({operator}, line {line})", n=2, lineterm=""))
            yield Mutant(f"{name}@{digest}", name, affects, operator, line, text, diff)


def reachable(definitions: dict[str, _Definition], public: Collection[str]) -> dict[str, set[str]]:
    """``{public name: the definitions it reaches}``: itself, and every top-level definition
    named in the body of one it reaches (helpers of helpers too)."""
    uses = {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in definitions} - {name}
            for name, node in definitions.items()}
    reach = {}
    for name in public:
        found, stack = set(), [name] if name in definitions else []
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(uses[current])
        reach[name] = found
    return reach


def _sites(definition: _Definition, operators: dict) -> Iterator[tuple[str, _Path, int, Replacement]]:
    """``(operator, path, line, replacement)`` for every node of the bodies of ``definition``'s
    functions (itself, or a class's methods), docstrings left out."""
    functions = ([definition] if not isinstance(definition, ast.ClassDef) else
                 [(("body", i), m) for i, m in enumerate(definition.body)
                  if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))])
    for entry in functions:
        prefix, function = ((), entry) if not isinstance(entry, tuple) else ((entry[0],), entry[1])
        context = Context(function)
        skip = len(function.body) - len(without_docstring(function.body))
        for index, statement in enumerate(function.body[skip:], start=skip):
            for path, node in _walk(statement, (*prefix, ("body", index))):
                for name, operator in operators.items():
                    for replacement in operator(node, context):
                        yield name, path, getattr(node, "lineno", statement.lineno), replacement


def _walk(node: ast.AST, path: _Path) -> Iterator[tuple[_Path, ast.AST]]:
    """Every node under ``node`` (itself first) with its path of ``(field, index)`` steps; type
    annotations and nested docstrings are not walked (nothing there changes what code does)."""
    yield path, node
    for field, value in ast.iter_fields(node):
        if field in ("annotation", "returns", "type_comment"):
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST) and not (field == "body" and i == 0 and _is_docstring(node, item)):
                    yield from _walk(item, (*path, (field, i)))
        elif isinstance(value, ast.AST):
            yield from _walk(value, (*path, (field, None)))


def _is_docstring(parent: ast.AST, statement: ast.AST) -> bool:
    return isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and \
        not without_docstring([statement])


def _replaced(definition: _Definition, path: _Path, replacement: Replacement) -> _Definition:
    """A copy of ``definition`` with the node at ``path`` replaced (a list of statements is
    spliced into the body it sits in; a body left empty gets ``pass``)."""
    root = copy.deepcopy(definition)
    parent: ast.AST = root
    for field, index in path[:-1]:
        value = getattr(parent, field)
        parent = value if index is None else value[index]
    field, index = path[-1]
    if index is None:
        setattr(parent, field, replacement)
    else:
        body = getattr(parent, field)
        body[index:index + 1] = replacement if isinstance(replacement, list) else [replacement]
        if not body:
            body.append(ast.Pass())
    return ast.fix_missing_locations(root)


def _compiles(text: str) -> bool:
    try:
        compile(text, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True
