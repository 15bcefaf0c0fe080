"""Find banned API calls in a submission's source, per public function, without running it.

Names are resolved through the module's imports and module-level aliases
(``import torch.nn.functional as F; F.softmax``, ``from torch import softmax as sm``,
``sm = torch.softmax``, ``getattr(torch, "softmax")``, a star import's names but those the
module defines itself); a method call on something that is not a module (``O.softmax(1)``,
``loss.backward()``) is ``Tensor.<name>``, unless the name is bound in one of the module's
classes (``self.sigmoid(x)``, ``Act().relu(x)``): that is taken for the class's own, and a
tensor's method of the same name is left to the run-time tripwire
(:mod:`grader.isolation.tripwire`). Patterns are ``fnmatch`` globs over the dotted names of
course.yml (``torch.linalg.*norm*``, ``Tensor.backward``).

A function is charged with what it uses and what the code it can reach uses, so a helper that
another function uses is not held against it. The units of code are the module-level functions
and assignments, each module-level class's body without its methods (decorators, bases, class
attributes), and each method (``Relu.grad``, or ``Relu.func = value`` at module level). A unit
reaches, transitively:

- the module-level functions, assignments and classes it names (a nested function is part of
  the function that defines it);
- for a class: its body, its bases, and the methods its construction, calls and operators may
  run: every dunder method (``__init__``, ``__call__``, ``__post_init__``, ``__add__``, ...), and,
  where a base comes from outside the module (``torch.nn.Module``, ``torch.autograd.Function``),
  the hooks such a base calls by name (``forward``, ``backward``, ...);
- a method ``m`` of a reached class (or of a base of one: an override may call it by ``super()``)
  when reached code accesses an attribute named ``m`` (``obj.m``, ``self.m``, ``Relu().m``,
  ``Cls.m``) or holds the string ``"m"`` (``getattr(obj, "m")``), or the class body names it.

So ``relu_grad`` calling ``Relu().grad(x)`` is not charged with ``torch.relu`` in ``Relu.func``,
which it never reaches; but a banned call in ``Relu.__call__`` (or, for a ``torch.nn.Module``,
in ``forward``) is charged to every function that names ``Relu``, whichever method it calls. A
public name that is a class (dropout's ``Dropout``) is graded as a whole, so it reaches all its
methods and its bases'. What the source reaches only by computed names (``getattr(self, name)``
in a loop) the run-time tripwire attributes to the function under test.

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
        ``{name: [BannedCall, ...]}`` for each name with at least one banned use in the code it
        can reach; a reference to the grader's modules anywhere in the module is charged to every
        name (pattern ``GRADER``).
    """
    aliases, definitions = _module_names(tree)
    units = _Units(tree, definitions, aliases)
    engine = [BannedCall(module, line, GRADER) for module, line in _grader_references(tree, aliases)]
    found: dict[str, list[BannedCall]] = {}
    for name, patterns in banned.items():
        patterns = tuple(patterns) + ALWAYS_BANNED
        calls = engine + [BannedCall(dotted, line, pattern)
                          for unit in units.reach(name)
                          for dotted, line in units.uses[unit]
                          for pattern in patterns if _matches(dotted, pattern)]
        if LOOPS in patterns:
            calls += [BannedCall(kind, node.lineno, LOOPS) for top in definitions.get(name, ())
                      for node in ast.walk(top) for cls, kind in _LOOP_NODES.items() if isinstance(node, cls)]
        if calls:
            found[name] = sorted(set(calls), key=lambda c: (c.line, c.name))
    return found


def _matches(dotted: str, pattern: str) -> bool:
    return fnmatchcase(dotted, pattern) or (pattern.startswith("Tensor.") and fnmatchcase(dotted, "torch." + pattern))


def _module_names(tree: ast.Module) -> tuple[dict[str, str], dict[str, list[ast.AST]]]:
    """Import aliases (``F -> torch.nn.functional``) and module-level definitions: each name's
    function and class statements and assigned values, all of them where it is bound twice."""
    aliases: dict[str, str] = {}
    definitions: dict[str, list[ast.AST]] = {}
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
            definitions.setdefault(node.name, []).append(node)
            aliases.pop(node.name, None)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    definitions.setdefault(target.id, []).append(node.value)
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


def _dotted_uses(nodes: list[ast.AST], aliases: dict[str, str], own: set[str],
                 defined: set[str]) -> list[tuple[str, int]]:
    """Every API name used under ``nodes``, with its line; unknown bases are ``Tensor.``, except
    for the names in ``own`` (bound in the module's classes); a star import does not supply the
    module's own names ``defined``."""
    star = [m for k, m in aliases.items() if k.startswith("*")]
    uses: list[tuple[str, int]] = []
    for sub in (sub for node in nodes for sub in ast.walk(node)):
        dotted = _resolve(sub, aliases) if isinstance(sub, (ast.Attribute, ast.Name, ast.Subscript, ast.Call)) else None
        if dotted:
            if not (dotted.startswith("Tensor.") and dotted.removeprefix("Tensor.") in own):  # getattr(self, "m")
                uses.append((dotted, sub.lineno))
        elif isinstance(sub, ast.Attribute):
            if sub.attr not in own:
                uses.append((f"Tensor.{sub.attr}", sub.lineno))
        elif isinstance(sub, ast.Name) and star and sub.id not in defined:
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


# Methods that a class's external base calls by name: nn.Module.__call__ runs forward, and
# autograd.Function.apply runs forward, setup_context and, in the backward pass, backward.
_HOOKS = frozenset({"forward", "backward", "setup_context", "jvp", "vjp", "vmap", "extra_repr"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class _Class:
    """A module-level class: its methods (a name defined twice, as a property's getter and
    setter, keeps both; ``Class.name = value`` at module level counts as one), its bases among the
    module's classes, and whether it has another base."""

    methods: dict[str, list[ast.AST]]
    bases: list[str]
    foreign: bool


class _Units:
    """The module's units of code (module-level names, ``Class.method``), what each uses and
    which units each can reach; see the module docstring."""

    def __init__(self, tree: ast.Module, definitions: dict[str, list[ast.AST]], aliases: dict[str, str]) -> None:
        roots: dict[str, list[ast.AST]] = {}
        self.classes: dict[str, _Class] = {}
        for name, nodes in definitions.items():
            for node in nodes:
                if isinstance(node, ast.ClassDef):
                    roots.setdefault(name, []).extend(
                        node.decorator_list + node.bases + node.keywords
                        + [s for s in node.body if not isinstance(s, _FUNCTIONS)])
                    cls = self.classes.setdefault(name, _Class({}, [], False))
                    for method in (s for s in node.body if isinstance(s, _FUNCTIONS)):
                        cls.methods.setdefault(method.name, []).append(method)
                        roots.setdefault(f"{name}.{method.name}", []).append(method)
                    for base in node.bases:
                        if isinstance(base, ast.Name) and any(isinstance(d, ast.ClassDef)
                                                              for d in definitions.get(base.id, ())):
                            cls.bases.append(base.id)
                        elif not (isinstance(base, ast.Name) and base.id == "object"):
                            cls.foreign = True
                else:
                    roots.setdefault(name, []).append(node)
        for node in (s for s in tree.body if isinstance(s, ast.Assign)):  # Relu.func = _func: a method
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id in self.classes):
                    self.classes[target.value.id].methods.setdefault(target.attr, []).append(node.value)
                    roots.setdefault(f"{target.value.id}.{target.attr}", []).append(node.value)
        # The names bound in the module's classes, nested classes too.
        own = {m for cls in self.classes.values() for m in cls.methods}
        for node in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for s in node.body:
                own |= {s.name} if isinstance(s, _FUNCTIONS) else set()
                own |= {t.id for t in _assigned(s) if isinstance(t, ast.Name)}
        self.uses = {unit: _dotted_uses(nodes, aliases, own, set(definitions)) for unit, nodes in roots.items()}
        self.edges: dict[str, set[str]] = {}  # unit -> the units it names
        self.accesses: dict[str, set[str]] = {}  # unit -> the attribute names it uses
        for unit, nodes in roots.items():
            methods = self.classes[unit].methods if unit in self.classes else {}
            names = {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}
            self.edges[unit] = ({n for n in names if n in definitions}
                                | {f"{unit}.{n}" for n in names if n in methods})  # x = property(get_x)
            self.accesses[unit] = {n.attr if isinstance(n, ast.Attribute) else n.value
                                   for node in nodes for n in ast.walk(node)
                                   if isinstance(n, ast.Attribute)
                                   or (isinstance(n, ast.Constant) and isinstance(n.value, str)
                                       and n.value.isidentifier())}

    def reach(self, name: str) -> set[str]:
        """The units ``name`` can run: itself and what it reaches, transitively."""
        seen: set[str] = set()
        accessed: set[str] = set()
        todo = [name] + [f"{c}.{m}" for c in self._lineage(name) for m in self.classes[c].methods]
        while todo:
            while todo:
                unit = todo.pop()
                if unit in seen or unit not in self.uses:
                    continue
                seen.add(unit)
                todo.extend(self.edges[unit])
                accessed |= self.accesses[unit]
            todo = [f"{c}.{m}" for c in seen & self.classes.keys() for m in self.classes[c].methods
                    if f"{c}.{m}" not in seen and (_is_dunder(m) or m in accessed
                                                   or (m in _HOOKS and self._foreign(c)))]
        return seen

    def _lineage(self, name: str) -> set[str]:
        """``name`` and its bases among the module's classes, transitively; empty if not a class."""
        lineage, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in self.classes and current not in lineage:
                lineage.add(current)
                todo.extend(self.classes[current].bases)
        return lineage

    def _foreign(self, name: str) -> bool:
        """Whether class ``name`` has a base from outside the module, directly or through its bases."""
        return any(self.classes[c].foreign for c in self._lineage(name))


def _assigned(statement: ast.stmt) -> list[ast.expr]:
    """The targets a class-body statement binds (``p = 0.5``, ``p: float``)."""
    if isinstance(statement, ast.Assign):
        return statement.targets
    return [statement.target] if isinstance(statement, ast.AnnAssign) else []


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__") and len(name) > 4
