"""How a student disguises a copied module: every local name renamed, the functions reordered."""

from __future__ import annotations

import ast


class _Rename(ast.NodeTransformer):
    """Rename the names in ``mapping`` wherever they are read, bound or declared as parameters."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.mapping.get(node.arg, node.arg)
        return node


def disguise(source: str) -> str:
    """``source`` with every parameter and local variable renamed (``x`` -> ``value_0``, ...), the
    top-level functions and classes in reverse order, comments and formatting gone (``ast.unparse``).

    The public names (functions, classes, imports) stay, so the copy still offers the topic's API.
    """
    tree = ast.parse(source)
    bound = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                   | {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)})
    public = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    mapping = {name: f"value_{i}" for i, name in enumerate(n for n in bound if n not in public and n != "self")}
    tree = _Rename(mapping).visit(tree)
    definitions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    rest = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    tree.body = rest + definitions[::-1]
    return ast.unparse(tree)
