"""The wire format: what a worker sends is rebuilt exactly, and nothing else is accepted."""

import socket

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from grader.isolation.wire import MAX_HEADER, Decoder, Encoder, WireError, recv_frame, send_frame
from grader.testing import NamedFunction


def roundtrip(value, **decoder_kwargs):
    encoder = Encoder()
    record = encoder.encode(value)
    a, b = socket.socketpair()
    with a, b:
        send_frame(a, {"value": record}, encoder.buffers)
        header, buffers = recv_frame(b)
    return Decoder(buffers, **decoder_kwargs).decode(header["value"])


@given(shape=st.lists(st.integers(0, 4), max_size=4),
       dtype=st.sampled_from([torch.float32, torch.float64, torch.int64, torch.bool, torch.float16]))
def test_tensor_roundtrip_keeps_values_shape_dtype(shape, dtype):
    t = (torch.arange(torch.Size(shape).numel()) % 7).to(dtype).reshape(shape)
    back = roundtrip(t)
    assert type(back) is torch.Tensor
    assert back.shape == t.shape and back.dtype == t.dtype and torch.equal(back, t)


def test_transposed_view_stays_transposed():
    t = torch.arange(6.0).reshape(2, 3).t()
    back = roundtrip(t)
    assert not back.is_contiguous() and back.stride() == t.stride() and torch.equal(back, t)


def test_requires_grad_leaf_and_grad_travel():
    leaf = torch.ones(3, requires_grad=True)
    leaf.grad = torch.full((3,), 2.0)
    back = roundtrip(leaf)
    assert back.is_leaf and back.requires_grad and torch.equal(back.grad, leaf.grad)
    nonleaf = roundtrip(leaf * 2)
    assert nonleaf.requires_grad and not nonleaf.is_leaf


def test_nested_values_roundtrip():
    gen = torch.Generator().manual_seed(3)
    value = [1, 2.5, float("nan"), float("-inf"), None, True, "s", (torch.zeros(2), {"k": torch.int64}),
             NamedFunction("tests.functions", "cube"), torch.device("cpu")]
    back = roundtrip(value + [gen])
    assert back[:2] == [1, 2.5] and back[2] != back[2] and back[3] == float("-inf")
    assert back[4:7] == [None, True, "s"] and type(back[7]) is tuple and back[7][1] == {"k": torch.int64}
    assert back[8] == NamedFunction("tests.functions", "cube") and back[9] == torch.device("cpu")
    assert torch.equal(back[10].get_state(), gen.get_state())


def test_tensor_subclass_is_rebuilt_as_plain_tensor():
    class Cheat(torch.Tensor):
        def __eq__(self, other):
            return True

    back = roundtrip(torch.zeros(2).as_subclass(Cheat))
    assert type(back) is torch.Tensor


def test_unknown_object_cannot_be_sent():
    with pytest.raises(WireError, match="object"):
        Encoder().encode(object())


@pytest.mark.parametrize("record", [
    {"t": "tensor", "dtype": "float32", "shape": [4], "perm": [0], "device": "cpu", "data": 0},
    {"t": "tensor", "dtype": "object", "shape": [1], "perm": [0], "device": "cpu", "data": 0},
    {"t": "tensor", "dtype": "float32", "shape": [-1], "perm": [0], "device": "cpu", "data": 0},
    {"t": "pickle", "v": "..."},
    {"t": "arg", "path": [0]},
    ["not", "a", "record"],
])
def test_malformed_records_are_wire_errors(record):
    with pytest.raises(WireError):
        Decoder([b"\0\0\0\0"]).decode(record)


def test_grader_rebuilds_functions_of_its_trusted_modules_only():
    trusted = Decoder([], functions=frozenset({"tests.functions"}))
    assert trusted.decode({"t": "function", "module": "tests.functions", "name": "cube"}) == \
        NamedFunction("tests.functions", "cube")
    with pytest.raises(WireError, match="untrusted module 'os'"):
        trusted.decode({"t": "function", "module": "os", "name": "system"})


def test_deeply_nested_header_is_a_wire_error():
    a, b = socket.socketpair()
    with a, b:
        data = b"[" * 5_000 + b"]" * 5_000
        a.sendall(len(data).to_bytes(8, "big") + data)
        with pytest.raises(WireError):
            recv_frame(b)


def test_oversized_header_is_refused_before_reading_it():
    a, b = socket.socketpair()
    with a, b:
        a.sendall((MAX_HEADER + 1).to_bytes(8, "big"))
        with pytest.raises(WireError, match="exceeds"):
            recv_frame(b)
