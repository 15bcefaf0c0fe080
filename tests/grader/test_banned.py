"""The static banned-call check: aliases resolved, charged to the function that uses them."""

import ast
import textwrap

import pytest

from grader.banned import find_banned

SOFTMAX = ("torch.softmax", "Tensor.softmax", "torch.nn.functional.softmax", "*log_softmax*", "torch.logsumexp",
           "Tensor.logsumexp", "torch.nn.Softmax")


def banned(source: str, functions: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    found = find_banned(ast.parse(textwrap.dedent(source)), functions)
    return {name: [c.name for c in calls] for name, calls in found.items()}


@pytest.mark.parametrize("source", [
    "import torch\ndef softmax(O):\n    return torch.softmax(O, 1)\n",
    "import torch\ndef softmax(O):\n    return O.softmax(1)\n",
    "import torch.nn.functional as F\ndef softmax(O):\n    return F.softmax(O, 1)\n",
    "from torch.nn import functional\ndef softmax(O):\n    return functional.softmax(O, 1)\n",
    "from torch import softmax as sm\ndef softmax(O):\n    return sm(O, 1)\n",
    "import torch\nsm = torch.softmax\ndef softmax(O):\n    return sm(O, 1)\n",
    "import torch\nSM = torch.nn.Softmax(dim=1)\ndef softmax(O):\n    return SM(O)\n",
    "import torch\ndef softmax(O):\n    return getattr(torch, 'softmax')(O, 1)\n",
    "import torch.nn.functional as F\ndef softmax(O):\n    return F.__dict__['softmax'](O, 1)\n",
    "import torch\ndef softmax(O):\n    return torch.Tensor.softmax(O, 1)\n",
    "from torch import *\ndef softmax(O):\n    return logsumexp(O, 1)\n",
    "import torch\ndef softmax(O):\n    return torch.exp(O.log_softmax(1))\n",
    "import torch\ndef _helper(O):\n    return torch.softmax(O, 1)\ndef softmax(O):\n    return _helper(O)\n",
    "import torch\nsoftmax = lambda O: torch.softmax(O, 1)\n",
])
def test_banned_call_is_found_however_it_is_spelled(source):
    assert banned(source, {"softmax": SOFTMAX}).get("softmax"), source


def test_helper_is_charged_only_to_functions_that_use_it():
    source = """
    import torch
    def _autograd_grad(O):
        O = O.detach().requires_grad_()
        O.sum().backward()
        return O.grad
    def softmax(O):
        E = torch.exp(O - O.max(1, keepdim=True).values)
        return E / E.sum(1, keepdim=True)
    def softmax_cross_entropy_grad(O, y):
        return _autograd_grad(O)
    """
    found = banned(source, {"softmax": ("Tensor.backward",), "softmax_cross_entropy_grad": ("Tensor.backward",)})
    assert found == {"softmax_cross_entropy_grad": ["Tensor.backward"]}


def test_own_function_named_like_a_banned_one_is_allowed():
    source = """
    import torch
    def tanh(x):
        return 2 / (1 + torch.exp(-2 * x)) - 1
    def tanh_grad(x):
        return 1 - tanh(x) ** 2
    """
    assert banned(source, {"tanh": ("torch.tanh", "Tensor.tanh"), "tanh_grad": ("torch.tanh", "Tensor.tanh")}) == {}


def test_class_methods_are_checked():
    source = """
    import torch
    class Dropout(torch.nn.Module):
        def forward(self, X):
            return torch.nn.functional.dropout(X, self.p)
    """
    assert banned(source, {"Dropout": ("torch.nn.functional.*dropout*",)}) == {"Dropout": ["torch.nn.functional.dropout"]}


def test_allowed_calls_are_not_flagged():
    source = """
    import math
    import torch
    def softmax(O):
        E = torch.exp(O - O.max(dim=1, keepdim=True).values)
        return E / E.sum(dim=1, keepdim=True) + math.tanh(0.0)
    """
    assert banned(source, {"softmax": SOFTMAX + ("torch.tanh", "Tensor.tanh")}) == {}


@pytest.mark.parametrize("body", [
    "for i in range(len(X)):\n        D[i] = ((X[i] - Y) ** 2).sum(1)",
    "D = torch.stack([((x - Y) ** 2).sum(1) for x in X])",
    "i = 0\n    while i < len(X):\n        i += 1",
])
def test_loops_pattern_bans_loops_and_comprehensions_in_the_function_only(body):
    source = f"""
import torch
def _helper(n):
    return [i for i in range(n)]
def pairwise_sq_dists(X, Y):
    D = torch.zeros(len(X), len(Y))
    {body}
    return D
def standardize(X):
    return [x for x in X]
"""
    found = banned(source, {"pairwise_sq_dists": ("loops",), "standardize": ()})
    assert list(found) == ["pairwise_sq_dists"] and len(found["pairwise_sq_dists"]) == 1


# Run time: what the static check cannot read is caught by the worker's tripwire while the
# function's tests run, and charged to that function only.
# The reference's softmax, redefined to reach a banned function by a route no name shows.
DISGUISED_SOFTMAX = '''

def softmax(O):
    import importlib
    functional = importlib.import_module("torch.nn." + "functional")
    return getattr(functional, "soft" + "min")(-O, dim=1)
'''


def test_disguised_banned_call_fails_its_function_at_run_time(tmp_path):
    from pathlib import Path

    from grader.course import load_course
    from grader.engine import grade_topic

    root = Path(__file__).resolve().parents[2]
    course = load_course(root / "course.yml")
    source = (root / "solutions" / "softmax.py").read_text() + DISGUISED_SOFTMAX
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve" / "softmax.py").write_text(source)
    assert find_banned(ast.parse(source), {"softmax": course.topic("softmax").banned_in("softmax")}) == {}
    result = grade_topic(course, course.topic("softmax"), tmp_path / "eve" / "softmax.py")
    softmax_tests = [t for t in result.tests if t.function == "softmax"]
    assert softmax_tests and not any(t.passed for t in softmax_tests)
    assert all("called banned `torch.nn.functional.softmin`" in t.message or "`Tensor.softmax`" in t.message
               for t in softmax_tests), softmax_tests[0].message
    others = [t for t in result.tests if t.function != "softmax"]  # their helper _softmax is allowed
    assert others and all(t.passed for t in others), [t.message for t in others if not t.passed]


# Engine-wide rules: whatever course.yml bans, every function is charged with torch's reference
# implementations and compilers, and with any reference to the grader's own modules.
@pytest.mark.parametrize(("source", "name"), [
    ("import torch\ndef f(x):\n    return torch.jit.script(g)(x)\n", "torch.jit.script"),
    (("import torch\nC = torch.jit.CompilationUnit('def g(x: int) -> int:\\n    return x\\n')\ndef f(x):\n"
      "    return C.g(x)\n"), "torch.jit.CompilationUnit"),
    ("import torch._refs as refs\ndef f(x):\n    return refs.softmax(x, 1)\n", "torch._refs.softmax"),
    ("from torch._decomp import decompositions\ndef f(x):\n    return decompositions._softmax(x, 1, False)\n",
     "torch._decomp.decompositions._softmax"),
    ("import torch\ndef f(x):\n    return torch.compile(g)(x)\n", "torch.compile"),
    ("import torch.fx\ndef f(m):\n    return torch.fx.symbolic_trace(m)\n", "torch.fx.symbolic_trace"),
])
def test_engine_wide_bans_apply_to_every_function(source, name):
    assert name in banned(source, {"f": (), "other": ()}).get("f", []), source


def test_torch_jit_helpers_that_torch_itself_uses_are_allowed():
    source = "import torch\ndef f(x):\n    return x if torch.jit.is_scripting() else x * 2\n"
    assert banned(source, {"f": ()}) == {}


@pytest.mark.parametrize("line", [
    "import grader",
    "import grader.isolation.tripwire as tw",
    "from grader.isolation import tripwire",
    "import importlib\nT = importlib.import_module('grader.isolation.tripwire')",
    "from importlib import import_module\nT = import_module('grader')",
    "T = __import__('grader.isolation.tripwire')",
    "import sys\nT = sys.modules['grader.isolation.tripwire']",
    "import sys\nT = sys.modules.get('grader.isolation.zygote')",
])
def test_reference_to_the_grader_is_charged_to_every_function(line):
    source = f"import torch\n{line}\ndef f(x):\n    return x\ndef g(x):\n    return torch.exp(x)\n"
    found = find_banned(ast.parse(source), {"f": (), "g": ("torch.softmax",)})
    assert set(found) == {"f", "g"}
    assert all("reference to the grader's internals `grader" in str(c) for calls in found.values() for c in calls)


def test_strings_that_merely_mention_the_grader_are_allowed():
    source = "import importlib\ndef f(x):\n    print('grader')\n    return importlib.import_module('graderx')\n"
    assert banned(source, {"f": ()}) == {}
