"""Find banned API calls in a submission's source, per public function, without running it.

Names are resolved through the module's imports and module-level aliases
(``import torch.nn.functional as F; F.softmax``, ``from torch import softmax as sm``,
``sm = torch.softmax``, ``getattr(torch, "softmax")``); a method call on something that is not
a module (``O.softmax(1)``, ``loss.backward()``) is ``Tensor.<name>``. A function is charged
with what it uses and what the module-level helpers it refers to use, transitively, so a helper
used by another function only is not held against it. Patterns are ``fnmatch`` globs over the
dotted names of course.yml (``torch.linalg.*norm*``, ``Tensor.backward``).

Two rules hold for every function of every course, whatever course.yml bans: the patterns of
``ALWAYS_BANNED`` (torch's reference implementations and compilers, which reimplement or compile
torch ops out of the run-time tripwire's sight), and no reference to the grader's own modules
(``import grader``, ``from grader.x import y``, ``importlib.import_module("grader.x")``,
``__import__("grader")``, ``sys.modules["grader.x"]``): a submission has no business there.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from fnmatch import fnmatchcase

__all__ = ["BannedCall", "find_banned"]


@dataclass(frozen=True)
class BannedCall:
    """A use of ``name`` (a dotted API name) on ``line`` that matches a banned ``pattern``."""

    name: str
    line: int
    pattern: str

    def __str__(self) -> str:
        what = {LOOPS: "banned", GRADER: "reference to the grader's internals"}.get(self.pattern, "banned call")
        return f"{what} `{self.name}` (line {self.line})"


LOOPS = "loops"  # the pattern that bans for/while loops and comprehensions
GRADER = "grader"  # the pattern of a reference to the grader's modules; not a course.yml pattern
# Banned in every function: no exercise needs them, and each reimplements torch ops in Python
# (_refs, _decomp, _prims) or compiles them (jit, compile, dynamo, fx) where the tripwire's
# wrappers never run. torch.jit.* as a whole is not: torch's own code calls torch.jit.is_scripting.
ALWAYS_BANNED = ("torch._refs.*", "torch._decomp.*", "torch._prims.*", "torch._prims_common.*", "torch._dynamo.*",
                 "torch.fx.*", "torch.jit.script", "torch.jit.trace", "torch.jit.trace_module",
                 "torch.jit.CompilationUnit", "torch.jit.ScriptFunction", "torch.jit.ScriptModule", "torch.compile",
                 "torch.compiler.compile")
_LOOP_NODES = {ast.For: "for loop", ast.AsyncFor: "for loop", ast.While: "while loop",
               ast.ListComp: "comprehension", ast.SetComp: "comprehension", ast.DictComp: "comprehension",
               ast.GeneratorExp: "comprehension"}


def find_banned(tree: ast.Module, banned: dict[str, tuple[str, ...]]) -> dict[str, list[BannedCall]]:
    """Banned calls per public name of the module.

    Args:
        tree: the parsed submission module.
        banned: ``{public function or class: banned patterns}``; the pattern ``loops`` bans
            for/while loops and comprehensions in the function itself (a "use broadcasting" rule).
            ``ALWAYS_BANNED`` is added to every function's patterns.

    Returns:
        ``{name: [BannedCall, ...]}`` for each name with at least one banned use; a reference to
        the grader's modules anywhere in the module is charged to every name (pattern ``GRADER``).
    """
    aliases, definitions = _module_names(tree)
    uses = {name: _dotted_uses(node, aliases) for name, node in definitions.items()}
    engine = [BannedCall(module, line, GRADER) for module, line in _grader_references(tree, aliases)]
    found: dict[str, list[BannedCall]] = {}
    for name, patterns in banned.items():
        patterns = tuple(patterns) + ALWAYS_BANNED
        calls = engine + [BannedCall(dotted, line, pattern)
                          for helper in _closure(name, uses, definitions)
                          for dotted, line in uses[helper]
                          for pattern in patterns if _matches(dotted, pattern)]
        if LOOPS in patterns and name in definitions:
            calls += [BannedCall(kind, node.lineno, LOOPS) for node in ast.walk(definitions[name])
                      for cls, kind in _LOOP_NODES.items() if isinstance(node, cls)]
        if calls:
            found[name] = sorted(set(calls), key=lambda c: (c.line, c.name))
    return found


def _matches(dotted: str, pattern: str) -> bool:
    return fnmatchcase(dotted, pattern) or (pattern.startswith("Tensor.") and fnmatchcase(dotted, "torch." + pattern))


def _module_names(tree: ast.Module) -> tuple[dict[str, str], dict[str, ast.AST]]:
    """Import aliases (``F -> torch.nn.functional``) and module-level definitions."""
    aliases: dict[str, str] = {}
    definitions: dict[str, ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name == "*":
                    aliases["*" + node.module] = node.module
                else:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            definitions[node.name] = node
            aliases.pop(node.name, None)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    definitions[target.id] = node.value
                    dotted = _resolve(node.value, aliases)
                    if dotted:  # sm = torch.softmax / SM = torch.nn.Softmax(1)
                        aliases[target.id] = dotted
    return aliases, definitions


def _resolve(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The dotted API name an expression refers to, if it refers to one."""
    if isinstance(node, ast.Call):
        fn = _resolve(node.func, aliases)
        is_getattr = isinstance(node.func, ast.Name) and node.func.id == "getattr" and "getattr" not in aliases
        if is_getattr and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
            base = _resolve(node.args[0], aliases)
            return f"{base}.{node.args[1].value}" if base else f"Tensor.{node.args[1].value}"
        return fn
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        base = _resolve(node.value, aliases)  # F.__dict__["softmax"]
        if base and base.endswith(".__dict__"):
            return f"{base.removesuffix('.__dict__')}.{node.slice.value}"
    return None


def _dotted_uses(node: ast.AST, aliases: dict[str, str]) -> list[tuple[str, int]]:
    """Every API name used under ``node``, with its line; unknown bases are ``Tensor.``."""
    star = [m for k, m in aliases.items() if k.startswith("*")]
    uses: list[tuple[str, int]] = []
    for sub in ast.walk(node):
        dotted = _resolve(sub, aliases) if isinstance(sub, (ast.Attribute, ast.Name, ast.Subscript, ast.Call)) else None
        if dotted:
            uses.append((dotted, sub.lineno))
        elif isinstance(sub, ast.Attribute):
            uses.append((f"Tensor.{sub.attr}", sub.lineno))
        elif isinstance(sub, ast.Name) and star:
            uses.extend((f"{module}.{sub.id}", sub.lineno) for module in star)
    return uses


def _grader_references(tree: ast.Module, aliases: dict[str, str]) -> list[tuple[str, int]]:
    """``(module, line)`` for each import of the grader's modules, by statement or by a constant name."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if _is_grader(a.name)]
        elif isinstance(node, ast.ImportFrom) and not node.level and _is_grader(node.module):
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Call) and node.args and _is_grader(_constant(node.args[0])):
            # importlib.import_module, __import__ by any base (builtins, __builtins__), sys.modules.get
            word = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if word in ("import_module", "__import__") or (_resolve(node.func, aliases) or "").startswith("sys.modules."):
                found.append((_constant(node.args[0]), node.lineno))
        elif (isinstance(node, ast.Subscript) and _is_grader(_constant(node.slice))
              and _resolve(node.value, aliases) == "sys.modules"):
            found.append((_constant(node.slice), node.lineno))
    return found


def _constant(node: ast.AST) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _is_grader(module: object) -> bool:
    return isinstance(module, str) and (module == "grader" or module.startswith("grader."))


def _closure(name: str, uses: dict[str, list[tuple[str, int]]], definitions: dict[str, ast.AST]) -> set[str]:
    """``name`` and the module-level definitions it refers to, transitively."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in definitions:
            continue
        seen.add(current)
        todo.extend(n.id for n in ast.walk(definitions[current]) if isinstance(n, ast.Name) and n.id in definitions)
        todo.extend(n.attr for n in ast.walk(definitions[current])  # self.helper(), cls.helper()
                    if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                    and n.value.id in ("self", "cls") and n.attr in definitions)
    return seen
