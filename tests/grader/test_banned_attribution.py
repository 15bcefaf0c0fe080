"""Banned calls are charged by what a function can reach: the functions and methods it calls,
not every method of a class it names (statically, and at run time when graded)."""

import ast
from pathlib import Path

import pytest

from grader.banned import find_banned
from grader.course import load_course
from grader.engine import grade_topic
from tests.grader.test_banned import banned

# Attribution follows what a function can reach: the methods it calls, not every method of a
# class it names. ACTIVATIONS bans what the activations topic bans.
ACTIVATIONS = ("torch.relu", "Tensor.relu", "torch.nn.functional.relu", "torch.sigmoid", "Tensor.sigmoid",
               "torch.tanh", "Tensor.tanh", "torch.nn.ReLU")
RELU_CLASS = """
import torch
class Relu:
    def func(self, x):
        return torch.relu(x)
    def grad(self, x):
        return (x > 0).to(x.dtype)
_RELU = Relu()
"""


@pytest.mark.parametrize("call", ["Relu().{}(x)", "_RELU.{}(x)", "getattr(Relu(), '{}')(x)", "Relu.{}(Relu(), x)",
                                  "(lambda r: r.{}(x))(Relu())"])
def test_sibling_method_is_charged_only_to_the_function_that_calls_it(call):
    source = RELU_CLASS + f"def relu(x):\n    return {call.format('func')}\ndef relu_grad(x):\n" \
                          f"    return {call.format('grad')}\n"
    assert banned(source, {"relu": ACTIVATIONS, "relu_grad": ACTIVATIONS}) == {"relu": ["torch.relu"]}


def test_methods_reached_through_self_are_charged_transitively():
    source = """
    import torch
    class Act:
        def func(self, x):
            return self._impl(x)
        def _impl(self, x):
            return torch.relu(x)
        def grad(self, x):
            return self._mask(x).to(x.dtype)
        def _mask(self, x):
            return x > 0
    def relu(x):
        return Act().func(x)
    def relu_grad(x):
        return Act().grad(x)
    """
    assert banned(source, {"relu": ACTIVATIONS, "relu_grad": ACTIVATIONS}) == {"relu": ["torch.relu"]}


def test_construction_and_call_reach_dunder_methods_only():
    source = """
    import torch
    class Clamp:
        def __call__(self, x):
            return torch.clamp(x, min=0)
        def slow(self, x):
            return torch.relu(x)
    class Squash:
        def __init__(self):
            self.f = torch.sigmoid
        def __call__(self, x):
            return self.f(x)
    class Bent:
        def __call__(self, x):
            return torch.tanh(x)
    def relu(x):
        return Clamp()(x)
    def relu_grad(x):
        return Clamp().slow(x)
    def sigmoid(x):
        return Squash()(x)
    def tanh(x):
        return Bent()(x)
    """
    found = banned(source, {f: ACTIVATIONS for f in ("relu", "relu_grad", "sigmoid", "tanh")})
    assert found == {"relu_grad": ["torch.relu"], "sigmoid": ["torch.sigmoid"], "tanh": ["torch.tanh"]}


def test_properties_are_reached_by_name_and_the_class_body_reaches_what_it_names():
    source = """
    import torch
    class Act:
        def __init__(self, x):
            self.x = x
        @property
        def bent(self):
            return torch.tanh(self.x)
        @property
        def clamped(self):
            return torch.clamp(self.x, min=0)
    class Squash:
        def __init__(self, x):
            self.x = x
        def _get(self):
            return torch.sigmoid(self.x)
        value = property(_get)
    def sigmoid(x):
        return Squash(x).value
    def tanh(x):
        return Act(x).bent
    def relu(x):
        return Act(x).clamped
    """
    found = banned(source, {f: ACTIVATIONS for f in ("sigmoid", "tanh", "relu")})
    assert found == {"sigmoid": ["torch.sigmoid"], "tanh": ["torch.tanh"]}


def test_inherited_methods_are_charged_where_reached_and_only_there():
    source = """
    import torch
    class Base:
        def func(self, x):
            return torch.relu(x)
        def run(self, x):
            return self.step(x)
        def unused(self, x):
            return torch.sigmoid(x)
    class Sub(Base):
        def grad(self, x):
            return (x > 0).to(x.dtype)
        def step(self, x):
            return torch.tanh(x)
    def relu(x):
        return Sub().func(x)
    def relu_grad(x):
        return Sub().grad(x)
    def tanh(x):
        return Sub().run(x)
    """
    found = banned(source, {f: ACTIVATIONS for f in ("relu", "relu_grad", "tanh")})
    assert found == {"relu": ["torch.relu"], "tanh": ["torch.tanh"]}


@pytest.mark.parametrize(("base", "use"), [
    ("torch.nn.Module", "Relu()(x)"),
    ("nn.Module", "Relu().to(x.device)(x)"),
    ("torch.autograd.Function", "Relu.apply(x)"),
])
def test_hooks_that_a_torch_base_calls_are_reached_through_the_class(base, use):
    source = f"""
    import torch
    from torch import nn
    class Relu({base}):
        @staticmethod
        def forward(x):
            return torch.relu(x)
    class Sub(Relu):
        pass
    class Plain:
        def forward(self, x):
            return torch.tanh(x)
    def relu(x):
        return {use}
    def tanh(x):
        return Plain()
    def sigmoid(x):
        return {use.replace("Relu", "Sub")}
    """
    found = banned(source, {f: ACTIVATIONS for f in ("relu", "tanh", "sigmoid")})
    assert found == {"relu": ["torch.relu"], "sigmoid": ["torch.relu"]}


def test_static_and_class_methods_are_reached_by_name():
    source = """
    import torch
    class Relu:
        @staticmethod
        def func(x):
            return torch.relu(x)
        @classmethod
        def grad(cls, x):
            return cls._step(x).to(x.dtype)
        @staticmethod
        def _step(x):
            return x > 0
    def relu(x):
        return Relu.func(x)
    def relu_grad(x):
        return Relu.grad(x)
    """
    assert banned(source, {"relu": ACTIVATIONS, "relu_grad": ACTIVATIONS}) == {"relu": ["torch.relu"]}


def test_a_method_set_at_module_level_is_reached_by_name():
    source = """
    import torch
    class Relu:
        def grad(self, x):
            return (x > 0).to(x.dtype)
    def _func(x):
        return torch.relu(x)
    Relu.func = staticmethod(_func)
    Relu.relu = staticmethod(lambda x: torch.clamp(x, min=0))
    def relu(x):
        return Relu.func(x)
    def relu_grad(x):
        return Relu().grad(x)
    def sigmoid(x):
        return Relu.relu(-x)
    """
    assert banned(source, {f: ACTIVATIONS for f in ("relu", "relu_grad", "sigmoid")}) == {"relu": ["torch.relu"]}


def test_nested_helpers_belong_to_the_function_that_defines_them():
    source = """
    import torch
    def relu(x):
        def inner(v):
            return torch.relu(v)
        return inner(x)
    def relu_grad(x):
        def inner(v):
            return (v > 0).to(v.dtype)
        class Local:
            def unused(self, v):
                return torch.tanh(v)
        return inner(x)
    """
    found = banned(source, {"relu": ACTIVATIONS, "relu_grad": ACTIVATIONS})
    assert found == {"relu": ["torch.relu"], "relu_grad": ["torch.tanh"]}


def test_a_public_class_is_charged_with_all_its_methods_and_its_bases():
    source = """
    import torch
    class _Base(torch.nn.Module):
        def _unused(self, X):
            return torch.nn.functional.dropout(X, 0.5)
    class Dropout(_Base):
        def forward(self, X):
            return X
    class Other:
        def unused(self, X):
            return torch.dropout(X, 0.5, True)
    """
    found = banned(source, {"Dropout": ("torch.nn.functional.*dropout*", "torch.dropout")})
    assert found == {"Dropout": ["torch.nn.functional.dropout"]}


def test_a_method_named_like_a_banned_tensor_method_is_the_classs_own():
    source = """
    import torch
    class Act:
        def sigmoid(self, x):
            z = torch.exp(-x.abs())
            return torch.where(x >= 0, 1 / (1 + z), z / (1 + z))
        def sigmoid_grad(self, x):
            s = self.sigmoid(x)
            return s * (1 - s)
    _ACT = Act()
    def sigmoid(x):
        return getattr(_ACT, "sigmoid")(x)
    def sigmoid_grad(x):
        return _ACT.sigmoid_grad(x)
    def tanh(x):
        return x.tanh()
    """
    assert banned(source, {f: ACTIVATIONS for f in ("sigmoid", "sigmoid_grad", "tanh")}) == {"tanh": ["Tensor.tanh"]}


def test_a_star_import_does_not_supply_the_modules_own_names():
    source = """
    from torch import *
    def sigmoid(x):
        z = exp(-x.abs())
        return where(x >= 0, 1 / (1 + z), z / (1 + z))
    def sigmoid_grad(x):
        s = sigmoid(x)
        return s * (1 - s)
    def tanh_grad(x):
        return 1 - tanh(x) ** 2
    """
    found = banned(source, {f: ACTIVATIONS for f in ("sigmoid", "sigmoid_grad", "tanh_grad")})
    assert found == {"tanh_grad": ["torch.tanh"]}


# The case, graded: relu_grad calls Relu().grad (written by hand) while its sibling
# Relu.func, which relu calls, uses torch.relu in plain sight or by a name no source shows.
RELU_BY_CLASS = '''

class Relu:
    """ReLU as an object, as a class-based submission writes it."""

    def func(self, x):
        return {relu}(x)

    def grad(self, x):
        return (x > 0).to(x.dtype)


def relu(x):
    return Relu().func(x)


def relu_grad(x):
    return Relu().grad(x)
'''


@pytest.mark.parametrize(("relu", "static"), [("torch.relu", {"relu": ["torch.relu"]}),
                                              ('getattr(torch, "re" + "lu")', {})])
def test_sibling_method_attribution_when_graded(tmp_path, relu, static):
    root = Path(__file__).resolve().parents[2]
    course = load_course(root / "course.yml")
    topic = course.topic("activations")
    source = (root / "solutions" / "activations.py").read_text() + RELU_BY_CLASS.format(relu=relu)
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve" / "activations.py").write_text(source)
    found = find_banned(ast.parse(source), {f: topic.banned_in(f) for f in topic.functions})
    assert {name: [c.name for c in calls] for name, calls in found.items()} == static
    result = grade_topic(course, topic, tmp_path / "eve" / "activations.py")
    relu_tests = [t for t in result.tests if t.function == "relu"]
    assert relu_tests and not any(t.passed for t in relu_tests)
    assert all("`torch.relu`" in t.message for t in relu_tests), relu_tests[0].message
    others = [t for t in result.tests if t.function != "relu"]
    assert {t.function for t in others} >= {"relu_grad"}
    assert all(t.passed for t in others), [t.message for t in others if not t.passed]
