"""Provenance: whether a call of an engine-wide banned object comes from torch's own code.

torch calls many of ``ALWAYS_BANNED``'s objects in passing (``torch.broadcast_shapes`` calls
``torch._refs._broadcast_shapes``; forward AD scripts decompositions when first used), so the
wrappers of those objects record a call only when the calling frame is not torch's. A frame's
``__name__`` and file can be forged (``exec`` under torch's globals), so torch's code is told by
its code objects: those reachable from the loaded torch module it claims to belong to.
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Collection
from typing import Any

# torch module -> its code objects, and those of its file and globals that are not its
TorchCodes = dict[str, tuple[set[types.CodeType], set[types.CodeType]]]


def called_by_torch(frame: types.FrameType, names: Collection[str], torch_codes: TorchCodes) -> bool:
    """Whether ``frame`` runs torch's own code and calls the callee by one of ``names``.

    Torch's code: a code object reachable from a loaded torch module whose file it comes from and
    whose dict is the frame's globals, or the module-level code of a torch module being imported.
    Code compiled elsewhere under torch's file name and globals (``exec``) is neither.
    ``torch_codes`` caches each module's code objects between calls.
    """
    code = frame.f_code
    if not any(n in names for n in code.co_names + code.co_varnames + code.co_freevars + code.co_cellvars):
        return False  # a higher-order function (tree_map, a decorator) calling what it was given
    module_name = frame.f_globals.get("__name__")
    module = sys.modules.get(module_name) if isinstance(module_name, str) else None
    if (module is None or getattr(module, "__dict__", None) is not frame.f_globals
            or not (module_name == "torch" or module_name.startswith("torch."))
            or getattr(module, "__file__", None) != code.co_filename):
        return False
    if code.co_name == "<module>":
        return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))
    codes, strangers = torch_codes.setdefault(module_name, (set(), set()))
    if code not in codes and code not in strangers:  # first use, or functions the module defined since
        codes |= _code_objects(module)
        if code not in codes:
            strangers.add(code)
    return code in codes


def _code_objects(module: types.ModuleType) -> set[types.CodeType]:
    """The code objects of ``module``'s file reachable from its namespace: its functions, the
    methods of its classes, what they define inside, what decorators and wrappers hold."""
    file, codes, seen = module.__file__, set(), set()
    todo = list(vars(module).values())
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.CodeType):
            if obj.co_filename == file:
                codes.add(obj)
                todo += [c for c in obj.co_consts if isinstance(c, types.CodeType)]
        elif isinstance(obj, types.FunctionType):
            todo.append(obj.__code__)
            todo += vars(obj).values()  # __wrapped__, and this tripwire's originals...
            todo += [_cell(c) for c in obj.__closure__ or ()]
        elif isinstance(obj, type) and obj.__module__ == module.__name__:
            todo += vars(obj).values()
        elif isinstance(obj, (staticmethod, classmethod)):
            todo.append(obj.__func__)
        elif isinstance(obj, property):
            todo += [obj.fget, obj.fset, obj.fdel]
        elif isinstance(obj, (functools.partial, functools.cached_property)):
            todo.append(obj.func)
    return codes


def _cell(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None
