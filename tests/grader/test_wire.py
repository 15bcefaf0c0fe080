"""The wire format: what a worker sends is rebuilt exactly, and nothing else is accepted."""

import socket
import threading

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from grader.isolation.wire import (MAX_HEADER, Decoder, Encoder, WireError, recv_frame, restore_rng, rng_record,
                                   rng_state, send_frame)
from grader.testing import NamedFunction


def roundtrip(value, **decoder_kwargs):
    encoder = Encoder()
    record = encoder.encode(value)
    header, buffers = exchange({"value": record}, encoder.buffers)
    return Decoder(buffers, **decoder_kwargs).decode(header["value"])


def exchange(header, buffers):
    """``header`` and ``buffers`` sent as a frame (from a thread: a large one fills the socket's
    buffer before it is read) and read back."""
    a, b = socket.socketpair()
    with a, b:
        sender = threading.Thread(target=send_frame, args=(a, header, buffers))
        sender.start()
        received = recv_frame(b)
        sender.join()
    return received


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


ALL_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
              torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_every_dtype_roundtrips_bit_for_bit(dtype):
    t = torch.arange(-3, 9).reshape(3, 4).to(dtype)
    if dtype.is_floating_point or dtype.is_complex:
        t = t / 3
    for value in (t, t[:, ::2], t.t(), t[1], t[0, 0], t[:0]):  # contiguous or not, 0-dim, empty
        back = roundtrip(value)
        assert back.dtype == dtype and back.shape == value.shape
        assert torch.equal(_bits(back), _bits(value))


def _bits(t):
    """``t``'s elements as bytes, row-major: equal bits, not equal values (NaN, -0.0)."""
    flat = t.contiguous().reshape(-1)
    return flat if t.dtype == torch.bool else flat.view(torch.uint8)


def test_a_conjugate_or_negative_view_sends_its_values():
    z = torch.tensor([1 + 2j, 3 - 4j])
    assert torch.equal(roundtrip(z.conj()), torch.tensor([1 - 2j, 3 + 4j]))
    assert torch.equal(roundtrip(z.conj().imag), torch.tensor([-2.0, 4.0]))


def test_a_tensor_larger_than_one_read_arrives_whole():
    t = torch.randn(300, 1000, generator=torch.Generator().manual_seed(0))  # 1.2 MB: several reads
    assert torch.equal(roundtrip([t, t[::2]])[0], t)


def test_a_plain_cpu_tensor_record_names_only_what_differs_from_the_defaults():
    encoder = Encoder()
    assert encoder.encode(torch.ones(2, 3)) == {"t": "tensor", "dtype": "float32", "shape": [2, 3], "data": 0}
    record = encoder.encode(torch.ones(2, 3, requires_grad=True).t() * 1)
    assert record["perm"] == [1, 0] and record["requires_grad"] is True and record["leaf"] is False


def test_frames_sent_back_to_back_are_read_one_at_a_time():
    a, b = socket.socketpair()
    with a, b:
        send_frame(a, {"n": 1}, [b"one"])
        send_frame(a, {"n": 2}, [b"two", b"2"])
        first, second = recv_frame(b), recv_frame(b)
    assert (first[0]["n"], [bytes(x) for x in first[1]]) == (1, [b"one"])
    assert (second[0]["n"], [bytes(x) for x in second[1]]) == (2, [b"two", b"2"])


def test_a_frame_with_more_buffers_than_one_write_takes_arrives_whole():
    encoder = Encoder()
    value = [torch.full((2,), float(i)) for i in range(1500)]
    header, buffers = exchange({"value": encoder.encode(value)}, encoder.buffers)
    back = Decoder(buffers).decode(header["value"])
    assert all(torch.equal(x, y) for x, y in zip(back, value, strict=True))


def test_rng_state_roundtrips():
    torch.manual_seed(5)
    encoder = Encoder()
    record = rng_record(encoder)
    expected = torch.rand(3)
    header, buffers = exchange({"rng": record}, encoder.buffers)
    restore_rng(Decoder(buffers), header["rng"])
    assert torch.equal(torch.rand(3), expected)
    assert rng_state() == rng_state() and rng_state()[0] == bytes(torch.get_rng_state().numpy())


def test_an_object_posing_as_a_tensor_is_refused_in_words_that_do_not_change_between_runs():
    class Pretender:
        dtype = torch.float32

        @property
        def __class__(self):
            return torch.Tensor

        def __getattr__(self, name):
            return lambda: None

    with pytest.raises(WireError) as caught:
        Encoder().encode(Pretender())
    assert str(caught.value) == "cannot send a tensor of dtype torch.float32 / layout <function>"


def test_a_rebuilt_tensor_is_a_view_as_it_always_was():
    back = roundtrip(torch.ones(3)).requires_grad_(True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):  # a student's message, unchanged
        back.sub_(1)
