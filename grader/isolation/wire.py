"""The message format between the grading process and a worker: typed data, never objects.

A frame is an 8-byte big-endian header length, a JSON header, then the raw buffers the header
lists (``"buffers": [sizes]``). Values are JSON scalars or ``{"t": kind, ...}`` records:
``list``, ``tuple``, ``dict``, ``tensor`` (dtype, shape, device, requires_grad, leaf, grad and a
buffer of its bytes), ``generator`` (device and state buffer), ``dtype``, ``device``,
``function`` (a :class:`~grader.testing.NamedFunction`), and, where a side must refer to
something that cannot travel, ``callback`` (a grader function), ``handle`` (a worker object) or
``arg`` (the result is one of the call's own arguments). Decoding builds fresh, exact
``torch.Tensor`` objects and checks every size, so a forged or oversized frame is a
:class:`WireError`, never an object the other side chose.
"""

from __future__ import annotations

import ctypes
import json
import math
import socket
import struct
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import torch

from grader.testing import NamedFunction

__all__ = ["Decoder", "Encoder", "WireError", "recv_frame", "restore_rng", "rng_record", "send_frame"]

MAX_HEADER = 16 * 2**20
MAX_PAYLOAD = 512 * 2**20
_LENGTH = struct.Struct(">Q")
_DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
    torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)}


class WireError(Exception):
    """A frame that is malformed, too large, or names something that cannot be rebuilt."""


def send_frame(sock: socket.socket, header: dict, buffers: list[bytes]) -> None:
    """Send one frame: ``header`` (JSON-able) and its raw ``buffers``."""
    header = dict(header, buffers=[len(b) for b in buffers])
    data = json.dumps(header, separators=(",", ":")).encode()
    # One write: a frame sent piecemeal wakes the reader once per piece.
    sock.sendall(b"".join([_LENGTH.pack(len(data)), data, *buffers]))


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket) -> tuple[dict, list[bytes]]:
    """Receive one frame; WireError if it is malformed or over the size limits; EOFError at end."""
    (size,) = _LENGTH.unpack(_recv_exactly(sock, _LENGTH.size))
    if size > MAX_HEADER:
        raise WireError(f"header of {size} bytes exceeds {MAX_HEADER}")
    try:
        header = json.loads(_recv_exactly(sock, size))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WireError(f"unreadable header: {exc}") from None
    sizes = header.get("buffers") if isinstance(header, dict) else None
    if not isinstance(sizes, list) or not all(type(s) is int and s >= 0 for s in sizes) \
            or sum(sizes) > MAX_PAYLOAD:
        raise WireError("bad or oversized buffer list")
    payload, ends = _recv_exactly(sock, sum(sizes)), list(accumulate(sizes))
    return header, [payload[end - size:end] for size, end in zip(sizes, ends)]


class Encoder:
    """Turns values into JSON records plus buffers.

    Args:
        objects: encodes what is not data (the worker registers it and sends a handle);
            None makes such a value a WireError.
        callbacks: encodes plain callables (the grader keeps them and sends an id).
        args: ``{id(obj): path}`` of the call's arguments, so a result that *is* an argument
            travels as a reference to it (in-place functions return their argument).
    """

    def __init__(self, objects: Callable[[Any], dict] | None = None,
                 callbacks: Callable[[Callable], dict] | None = None,
                 args: dict[int, list[int]] | None = None) -> None:
        self.buffers: list[bytes] = []
        self._objects, self._callbacks, self.args = objects, callbacks, args or {}

    def encode(self, value: Any) -> Any:
        if id(value) in self.args and not isinstance(value, (bool, int, float, str, type(None))):
            return {"t": "arg", "path": self.args[id(value)]}
        if value is None or type(value) in (bool, int, str):
            return value
        if isinstance(value, float):  # also NumPy's float64, sent as a plain float
            return float(value) if math.isfinite(value) else {"t": "float", "v": repr(float(value))}
        if isinstance(value, (list, tuple)):  # torch.Size and named tuples travel as tuples
            return {"t": "tuple" if isinstance(value, tuple) else "list", "v": [self.encode(v) for v in value]}
        if type(value) is dict and all(type(k) is str for k in value):
            return {"t": "dict", "v": {k: self.encode(v) for k, v in value.items()}}
        if isinstance(value, torch.Tensor):
            return self._tensor(value)
        if isinstance(value, torch.Generator):
            return {"t": "generator", "device": str(value.device), "state": self._buffer(value.get_state())}
        if isinstance(value, torch.dtype):
            return {"t": "dtype", "v": str(value).removeprefix("torch.")}
        if isinstance(value, torch.device):
            return {"t": "device", "v": str(value)}
        if isinstance(value, NamedFunction):
            return {"t": "function", "module": value.module, "name": value.name}
        if callable(value) and self._callbacks is not None and not isinstance(value, type):
            return self._callbacks(value)
        if self._objects is not None:
            return self._objects(value)
        raise WireError(f"cannot send a {type(value).__name__}")

    def _buffer(self, t: torch.Tensor) -> int:
        flat = t.detach().to("cpu").contiguous().reshape(-1)
        # The bytes straight from memory: NumPy is optional for torch, and may be absent.
        self.buffers.append(ctypes.string_at(flat.data_ptr(), flat.numel() * flat.element_size()))
        return len(self.buffers) - 1

    def _tensor(self, t: torch.Tensor) -> dict:
        if str(t.dtype).removeprefix("torch.") not in _DTYPES or t.is_sparse or t.is_quantized:
            raise WireError(f"cannot send a tensor of dtype {t.dtype} / layout {t.layout}")
        # Keep a permuted layout (a transposed view) so "any layout" tests see one.
        perm = sorted(range(t.dim()), key=lambda d: -t.stride(d)) if t.dim() > 1 else list(range(t.dim()))
        dense = t.permute(perm)
        return {"t": "tensor", "dtype": str(t.dtype).removeprefix("torch."), "shape": list(dense.shape),
                "perm": perm, "device": str(t.device), "requires_grad": t.requires_grad,
                "leaf": t.is_leaf, "data": self._buffer(dense),
                "grad": None if not t.is_leaf or t.grad is None else self._tensor(t.grad)}


class Decoder:
    """Turns records and buffers back into fresh values.

    Args:
        buffers: the frame's buffers. Tensors are rebuilt on the device their record names,
            so the grader sees where an output really was.
        handle: builds the local stand-in for a ``handle``/``callback`` record.
        args: the call's arguments, for ``arg`` records.
        functions: the modules whose ``function`` records may be rebuilt (None: any). The
            grader passes its trusted modules, so a worker cannot name ``os.system`` for it.
    """

    def __init__(self, buffers: list[bytes], handle: Callable[[dict], Any] | None = None,
                 args: list[Any] | None = None, functions: frozenset[str] | None = None) -> None:
        self._buffers, self._handle, self._args, self._functions = buffers, handle, args, functions

    def decode(self, value: Any) -> Any:
        if value is None or type(value) in (bool, int, float, str):
            return value
        if not isinstance(value, dict) or not isinstance(value.get("t"), str):
            raise WireError(f"unexpected value of type {type(value).__name__}")
        kind = value["t"]
        if kind == "float":
            return float(value["v"])
        if kind in ("list", "tuple"):
            items = [self.decode(v) for v in value["v"]]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            return {str(k): self.decode(v) for k, v in value["v"].items()}
        if kind == "tensor":
            return self._tensor(value)
        if kind == "generator":
            gen = torch.Generator(device=value["device"])
            gen.set_state(self._raw(value["state"], torch.uint8, None))
            return gen
        if kind == "dtype":
            return self._dtype(value["v"])
        if kind == "device":
            return torch.device(value["v"])
        if kind == "function":
            if self._functions is not None and value["module"] not in self._functions:
                raise WireError(f"function record of untrusted module {str(value['module'])[:80]!r}")
            return NamedFunction(str(value["module"]), str(value["name"]))
        if kind == "arg" and self._args is not None:
            return self._follow(value["path"])
        if kind in ("handle", "callback") and self._handle is not None:
            return self._handle(value)
        raise WireError(f"unexpected record {kind!r}")

    def _follow(self, path: list) -> Any:
        obj: Any = self._args
        for i in path:
            obj = obj[i]
        return obj

    @staticmethod
    def _dtype(name: Any) -> torch.dtype:
        if name not in _DTYPES:
            raise WireError(f"unknown dtype {name!r}")
        return _DTYPES[name]

    def _raw(self, index: Any, dtype: torch.dtype, shape: list | None) -> torch.Tensor:
        if type(index) is not int or not 0 <= index < len(self._buffers):
            raise WireError("bad buffer index")
        buf = self._buffers[index]
        numel = math.prod(shape) if shape is not None else len(buf) // dtype.itemsize
        if len(buf) != numel * dtype.itemsize:
            raise WireError(f"buffer of {len(buf)} bytes for {numel} elements of {dtype}")
        flat = torch.frombuffer(bytearray(buf), dtype=dtype) if buf else torch.empty(0, dtype=dtype)
        return flat if shape is None else flat.reshape(shape)

    def _tensor(self, rec: dict) -> torch.Tensor:
        shape, perm = rec.get("shape"), rec.get("perm")
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)
                and isinstance(perm, list) and sorted(perm) == list(range(len(shape)))):
            raise WireError("bad tensor shape")
        dense = self._raw(rec.get("data"), self._dtype(rec.get("dtype")), shape)
        t = dense.permute([perm.index(d) for d in range(len(perm))]).to(torch.device(rec["device"]))
        if rec.get("requires_grad") is True:
            t.requires_grad_(True)
            if rec.get("leaf") is False:
                t = t.clone()  # a non-leaf, as the sender's was
        if rec.get("grad") is not None and t.is_leaf:
            t.grad = self._tensor(rec["grad"])
        return t


def rng_record(encoder: Encoder) -> dict:
    """torch's global RNG state (CPU, and CUDA once initialised), to send with a call or reply."""
    cuda = encoder.encode(torch.cuda.get_rng_state()) if torch.cuda.is_initialized() else None
    return {"cpu": encoder.encode(torch.get_rng_state()), "cuda": cuda}


def restore_rng(decoder: Decoder, rng: dict) -> None:
    """Set torch's global RNG state from a :func:`rng_record`, so both sides draw alike."""
    if rng.get("cpu") is not None:
        torch.set_rng_state(decoder.decode(rng["cpu"]))
    if rng.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state(decoder.decode(rng["cuda"]))
