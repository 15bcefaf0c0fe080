"""A fresh copy of a drawn value is the copy ``copy.deepcopy`` makes (:func:`grader.drawn.fresh_copy`):
the same layout, storages and aliases, and nothing shared with the recording it came from."""

import copy

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.drawn import fresh_copy
from tests.strategies import tensors


def _layout(value) -> list:
    """What a test could tell apart in a copy of ``value``: each node's type and contents, for a
    tensor its dtype, shape, strides, offset, values and autograd state, and which nodes are one
    object or share one storage (by first occurrence)."""
    objects, storages, out = [], [], []

    def walk(node):
        if isinstance(node, (int, float, str, type(None), torch.dtype)):
            out.append(node)
            return
        first = next((i for i, seen in enumerate(objects) if seen is node), None)
        objects.append(node)
        out.append((type(node), first))
        if first is not None:
            return
        if isinstance(node, torch.Tensor):
            ptr = node.untyped_storage().data_ptr()
            shared = next((i for i, seen in enumerate(storages) if ptr and seen == ptr), None)
            storages.append(ptr)
            out.append((node.dtype, node.shape, node.stride(), node.storage_offset(), node.untyped_storage().nbytes(),
                        node.requires_grad, node.is_leaf, shared, node.detach().tolist(), sorted(vars(node))))
            if node.is_leaf and node.grad is not None:
                walk(node.grad)
        elif isinstance(node, dict):
            for key, item in node.items():
                walk(key)
                walk(item)
        else:
            for item in node:
                walk(item)

    walk(value)
    return out


@st.composite
def _example_values(draw):
    """Nested tuples, lists and dicts of tensors as examples hold them: plain tensors, and the
    kinds fresh_copy must leave to deepcopy (views, transposes, Parameters, .grad, attributes),
    with objects repeated so aliases are exercised."""
    pool = []
    for _ in range(draw(st.integers(1, 4))):
        base = draw(tensors(shape=(draw(st.integers(0, 3)), draw(st.integers(1, 3))),
                            dtype=st.sampled_from([torch.float32, torch.float64]), elements=st.floats(-9, 9)))
        kind = draw(st.sampled_from(["plain", "plain", "grad", "view", "head", "transposed", "parameter",
                                     "with_grad", "attribute", "same_storage"]))
        if kind == "grad":
            base.requires_grad_(True)
        elif kind == "view":
            pool.append(base)
            base = base[1:]
        elif kind == "head":  # a view at offset 0, on a storage longer than itself
            base = base[:1]
        elif kind == "same_storage":  # not a view, yet on another tensor's storage
            pool.append(base)
            base = torch.empty(0, dtype=base.dtype).set_(base.untyped_storage(), 0, base.shape, base.stride())
        elif kind == "transposed":
            base = base.t()
        elif kind == "parameter":
            base = torch.nn.Parameter(base)
        elif kind == "with_grad":
            base.requires_grad_(True)
            base.grad = torch.ones_like(base)
        elif kind == "attribute":
            base.note = "kept"
        pool.append(base)
    leaves = st.one_of(st.sampled_from(pool), st.integers(-3, 3), st.none(), st.just(torch.float64))
    return draw(st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(inner, inner), st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=2), inner, max_size=3)),
        max_leaves=8))


@settings(max_examples=400)  # a cheap test (~2 s); the kinds and aliases are many
@given(value=_example_values())
def test_fresh_copy_is_the_copy_deepcopy_makes_and_shares_nothing_with_the_recording(value):
    copied = fresh_copy(value)
    assert _layout(copied) == _layout(copy.deepcopy(value))
    mutable = (list, dict, torch.Tensor)
    objects = {id(o) for o in _walk_objects(value) if isinstance(o, mutable)}
    storages = {t.untyped_storage().data_ptr() for t in _walk_objects(value) if isinstance(t, torch.Tensor) and t.numel()}
    mine = [o for o in _walk_objects(copied) if isinstance(o, mutable)]
    assert not [o for o in mine if id(o) in objects]
    assert not [t for t in mine if isinstance(t, torch.Tensor) and t.numel() and t.untyped_storage().data_ptr() in storages]


def _walk_objects(value) -> list:
    found = [value]
    if isinstance(value, dict):
        for item in value.values():
            found += _walk_objects(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found += _walk_objects(item)
    return found
