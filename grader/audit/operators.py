"""Mutation operators on the standard :mod:`ast`: the reference, one small mistake at a time.

Why our own operators and not a mutation-testing library's (checked with cosmic-ray 8.7 and
mutmut 3.8): cosmic-ray's operators (``mutation_positions``/``mutate``) work on parso trees and
come with its session database, git and HTTP dependencies; mutmut 3 builds one file holding
every mutant behind libcst "trampolines" and has no API to yield a module's mutants one by one.
Neither knows the mistakes of tensor code this course is about (a wrong ``dim`` or ``keepdim``,
``sum`` for ``mean``, a dropped ``.clone()`` or ``torch.no_grad()``, a missing max shift), so we
would write most operators anyway. Here each operator is a small function over a node of the
stdlib AST, and ``ast.unparse`` renders the mutated definition.

Only the bodies of a topic's public functions and classes (course.yml's ``functions``) and of
the module's helpers they reach are mutated; docstrings, signatures and decorators are not. A
mutant replaces one top-level definition (re-rendered by ``ast.unparse``) in the reference's
text and is identified by that definition's mutated source, so its id stays the same while the
rest of the file changes.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator

__all__ = ["OPERATORS", "Context", "Operator", "Replacement", "without_docstring"]


class Context:
    """What an operator may ask about the def (a function, or a method of a class) a node is in:
    its first argument (after ``self``), its first statement, whether it returns a value, and
    the names it binds to a maximum."""

    def __init__(self, function: ast.FunctionDef) -> None:
        self.function = function
        args = [a.arg for a in function.args.posonlyargs + function.args.args]
        if args[:1] == ["self"]:
            args = args[1:]
        self.first_arg = args[0] if args else None
        body = without_docstring(function.body)
        self.first_statement = body[0] if body else None
        self.returns_value = any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(function))
        # Names bound to a maximum: `m = x.amax(...)`, so that `x - m` is a stabilising shift.
        self.maxima = {t.id for n in ast.walk(function) if isinstance(n, ast.Assign) and _is_maximum(n.value)
                       for t in n.targets if isinstance(t, ast.Name)}


Replacement = ast.AST | list[ast.stmt]
Operator = Callable[[ast.AST, Context], Iterator[Replacement]]

_ARITHMETIC = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div], ast.Div: [ast.Mult],
               ast.FloorDiv: [ast.Div], ast.Mod: [ast.FloorDiv], ast.Pow: [ast.Mult], ast.MatMult: [ast.Mult]}
_COMPARISON = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE,
               ast.GtE: ast.LtE, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
_BOUNDARY = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
_REDUCTIONS = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "amax": "amin", "amin": "amax",
               "argmax": "argmin", "argmin": "argmax", "maximum": "minimum", "minimum": "maximum",
               "logsumexp": "sum", "prod": "sum"}
# Tensor methods whose first positional argument is a dim (torch.<name>(x, dim) takes it second).
_DIM_FIRST = {"sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "softmax", "log_softmax", "cumsum",
              "prod", "std", "var", "logsumexp", "squeeze", "unsqueeze", "all", "any", "median", "flip", "size"}
_DIM_KEYWORDS = ("dim", "axis")
_IN_PLACE = {"add_", "sub_", "mul_", "div_", "clamp_", "clamp_min_", "abs_", "exp_", "neg_", "pow_", "sqrt_",
             "masked_fill_", "scatter_", "sign_", "relu_", "fill_diagonal_"}
_IN_PLACE_OF = {name[:-1]: name for name in _IN_PLACE if name != "fill_diagonal_"}
_UNWRAPPED = ("no_grad", "inference_mode", "enable_grad")


def without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    """``body`` without its leading docstring (a string literal statement), if it has one."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _swap_binop(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        for op in _ARITHMETIC.get(type(node.op), []):
            yield _with(node, op=op())
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield copy.deepcopy(node.operand)


def _swap_comparison(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    yield from _compare_ops(node, _COMPARISON)


def _shift_boundary(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    yield from _compare_ops(node, _BOUNDARY)


def _compare_ops(node: ast.AST, table: dict[type, type]) -> Iterator[Replacement]:
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in table:
                ops = list(node.ops)
                ops[i] = table[type(op)]()
                yield _with(node, ops=ops)


def _swap_logic(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.BoolOp):
        yield _with(node, op=ast.Or() if isinstance(node.op, ast.And) else ast.And())
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield copy.deepcopy(node.operand)


def _change_constant(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if not isinstance(node, ast.Constant):
        return
    value = node.value
    if isinstance(value, bool):
        yield ast.Constant(not value)
    elif isinstance(value, int):
        yield ast.Constant({0: 1, 1: 0, 2: 1}.get(value, value + 1))
    elif isinstance(value, float) and value in (0.0, 1.0, 0.5, 2.0):
        yield ast.Constant({0.0: 1.0, 1.0: 0.0, 0.5: 1.0, 2.0: 1.0}[value])


def _drop_statement(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.stmt) and not isinstance(node, ast.Pass):
        yield []


def _return_early(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield ast.Return(ast.Constant(None))
        if ctx.first_arg is not None and not (isinstance(node.value, ast.Name) and node.value.id == ctx.first_arg):
            yield ast.Return(ast.Name(ctx.first_arg, ast.Load()))
    elif node is ctx.first_statement and not ctx.returns_value:  # a procedure (an in-place update) that does nothing
        yield [ast.Return(None), copy.deepcopy(node)]


def _swap_arguments(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.Call) and not any(isinstance(a, ast.Starred) for a in node.args):
        for i in range(len(node.args) - 1):
            args = list(node.args)
            args[i], args[i + 1] = args[i + 1], args[i]
            if ast.dump(args[i]) != ast.dump(args[i + 1]):
                yield _with(node, args=args)


def _change_dim(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if not isinstance(node, ast.Call):
        return
    for i, keyword in enumerate(node.keywords):
        if keyword.arg in _DIM_KEYWORDS:
            for value in _other_dims(keyword.value):
                keywords = list(node.keywords)
                keywords[i] = ast.keyword(keyword.arg, value)
                yield _with(node, keywords=keywords)
        elif keyword.arg == "keepdim":
            flipped = (ast.Constant(not keyword.value.value) if isinstance(keyword.value, ast.Constant)
                       else ast.UnaryOp(ast.Not(), copy.deepcopy(keyword.value)))
            keywords = list(node.keywords)
            keywords[i] = ast.keyword("keepdim", flipped)
            yield _with(node, keywords=keywords)
    position = _dim_position(node)
    if position is not None and position < len(node.args):
        for value in _other_dims(node.args[position]):
            args = list(node.args)
            args[position] = value
            yield _with(node, args=args)


def _dim_position(call: ast.Call) -> int | None:
    """Where a positional dim sits in ``call``: ``x.sum(dim)`` first, ``torch.sum(x, dim)`` second."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in _DIM_FIRST):
        return None
    return 1 if isinstance(func.value, ast.Name) and func.value.id == "torch" else 0


def _other_dims(value: ast.expr) -> Iterator[ast.expr]:
    """dim 0 <-> 1 / -1; a dim computed at run time -> -1 (the last), 0 (the first)."""
    if isinstance(value, ast.Constant) and value.value is None:
        return
    current = _int_value(value)
    for other in (0, 1, -1):
        if other != current:
            yield ast.Constant(other) if other >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(1))


def _int_value(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    return None


def _swap_reduction(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _REDUCTIONS:
            yield _with(node, func=_with(func, attr=_REDUCTIONS[func.attr]))
        elif isinstance(func, ast.Name) and func.id in ("max", "min"):
            yield _with(node, func=ast.Name({"max": "min", "min": "max"}[func.id], ast.Load()))


def _remove_copy(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    """``x.clone()`` / ``x.detach()`` -> ``x``; ``torch.clone(x)`` -> ``x``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("clone", "detach"):
        if not node.args and not node.keywords and not _is_torch(node.func.value):
            yield copy.deepcopy(node.func.value)
        elif _is_torch(node.func.value) and len(node.args) == 1:
            yield copy.deepcopy(node.args[0])


def _unwrap_no_grad(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.With) and len(node.items) == 1:
        expr = node.items[0].context_expr
        func = expr.func if isinstance(expr, ast.Call) else expr
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _UNWRAPPED:
            yield copy.deepcopy(node.body)


def _remove_shift(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    """``x - x.max(...)`` (or ``x - m`` with ``m = x.amax(...)``) -> ``x``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
        right = node.right
        if _is_maximum(right) or (isinstance(right, ast.Name) and right.id in ctx.maxima):
            yield copy.deepcopy(node.left)


def _is_maximum(node: ast.expr) -> bool:
    """``x.max(...)``, ``torch.amax(...)``, ``x.max(dim).values``, ``x.max(dim)[0]``, ``x.logsumexp(...)``."""
    if isinstance(node, ast.Attribute) and node.attr == "values" or isinstance(node, ast.Subscript):
        node = node.value
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("max", "amax", "logsumexp"))


def _toggle_in_place(node: ast.AST, ctx: Context) -> Iterator[Replacement]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        attr = node.func.attr
        if attr in _IN_PLACE and attr != "fill_diagonal_":
            yield _with(node, func=_with(node.func, attr=attr[:-1]))
        elif attr in _IN_PLACE_OF and not _is_torch(node.func.value):
            yield _with(node, func=_with(node.func, attr=_IN_PLACE_OF[attr]))
    elif isinstance(node, ast.AugAssign):  # x += y -> x = x + y: a new object, the caller's left unchanged
        load = _as_load(node.target)
        yield ast.Assign([copy.deepcopy(node.target)], ast.BinOp(load, copy.deepcopy(node.op),
                                                                 copy.deepcopy(node.value)), lineno=node.lineno)
    elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
          and isinstance(node.value, ast.BinOp) and isinstance(node.value.left, ast.Name)
          and node.value.left.id == node.targets[0].id):
        yield ast.AugAssign(copy.deepcopy(node.targets[0]), copy.deepcopy(node.value.op),
                            copy.deepcopy(node.value.right))


def _as_load(target: ast.expr) -> ast.expr:
    load = copy.deepcopy(target)
    load.ctx = ast.Load()
    return load


def _is_torch(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "torch"


def _with(node: ast.AST, **fields: object) -> ast.AST:
    """A deep copy of ``node`` with ``fields`` replaced."""
    new = copy.deepcopy(node)
    for name, value in fields.items():
        setattr(new, name, value)
    return new


OPERATORS: dict[str, Operator] = {
    "arithmetic": _swap_binop, "comparison": _swap_comparison, "boundary": _shift_boundary,
    "logic": _swap_logic, "constant": _change_constant, "statement": _drop_statement,
    "return": _return_early, "arguments": _swap_arguments, "dim": _change_dim, "reduction": _swap_reduction,
    "copy": _remove_copy, "no_grad": _unwrap_no_grad, "shift": _remove_shift, "in_place": _toggle_in_place,
}
"""Every operator by name: each yields, for one node, the nodes (or statement lists) that replace it."""
