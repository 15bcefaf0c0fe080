"""The message format between the grading process and a worker: typed data, never objects.

A frame is an 8-byte big-endian header length, a JSON header, then the raw buffers the header
lists (``"buffers": [sizes]``), sent with one write and, when small, read with one. Values are
JSON scalars or ``{"t": kind, ...}`` records: ``list``, ``tuple``, ``dict``, ``tensor`` (dtype,
shape and a buffer of its bytes; perm, device, requires_grad, leaf and grad only where they
differ from a CPU leaf in row-major order without gradient), ``generator`` (device and state
buffer), ``dtype``, ``device``,
``function`` (a :class:`~grader.testing.NamedFunction`), and, where a side must refer to
something that cannot travel, ``callback`` (a grader function), ``handle`` (a worker object) or
``arg`` (the result is one of the call's own arguments). Decoding builds fresh, exact
``torch.Tensor`` objects and checks every size, so a forged or oversized frame is a
:class:`WireError`, never an object the other side chose.

A tensor's bytes are copied once on each side: out of its memory when encoded (the frame is
sent from the pieces, not joined) and into the rebuilt tensor's memory when decoded. torch's
global RNG state crosses only when it changed (:func:`rng_state`).
"""

from __future__ import annotations

import ctypes
import json
import math
import socket
import struct
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import torch

from grader.testing import NamedFunction

__all__ = ["Decoder", "Encoder", "WireError", "recv_frame", "restore_rng", "rng_record", "rng_state", "send_frame"]

MAX_HEADER = 16 * 2**20
MAX_PAYLOAD = 512 * 2**20
_LENGTH = struct.Struct(">Q")
_DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
    torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)}
_NAMES = {d: name for name, d in _DTYPES.items()}
# One encoder for every header: json.dumps builds a new one per call. A header is a tree, never cyclic.
_JSON = json.JSONEncoder(separators=(",", ":"), check_circular=False)
_FIRST_READ = 1 << 16  # a frame this size or smaller usually arrives with one read
# Bytes read past the end of a frame (a peer that sent the next one early), by socket: the next
# recv_frame on that socket starts with them, as if read one frame at a time.
_EARLY: weakref.WeakKeyDictionary[socket.socket, bytes] = weakref.WeakKeyDictionary()


class WireError(Exception):
    """A frame that is malformed, too large, or names something that cannot be rebuilt."""


def send_frame(sock: socket.socket, header: dict, buffers: Sequence[bytes | memoryview]) -> None:
    """Send one frame: ``header`` (JSON-able) and its raw ``buffers``."""
    header = dict(header, buffers=[len(b) for b in buffers])
    data = _JSON.encode(header).encode()
    parts = [_LENGTH.pack(len(data)) + data, *buffers]
    # One write from the pieces (a frame sent piecemeal wakes the reader once per piece), without
    # first joining them into one more copy; past the system's limit on pieces, joined.
    if len(parts) > 512:
        sock.sendall(b"".join(parts))
        return
    views = [memoryview(p) for p in parts if len(p)]
    while views:
        sent = sock.sendmsg(views)
        while views and sent >= views[0].nbytes:
            sent -= views.pop(0).nbytes
        if sent:
            views[0] = views[0][sent:]


def _recv_into(sock: socket.socket, view: memoryview) -> None:
    while view.nbytes:
        n = sock.recv_into(view)
        if not n:
            raise EOFError("connection closed")
        view = view[n:]


def _read(sock: socket.socket, have: bytes, n: int) -> bytes | bytearray:
    """``have`` followed by what it takes to make ``n`` bytes (``have`` is shorter)."""
    data = bytearray(n)
    data[:len(have)] = have
    _recv_into(sock, memoryview(data)[len(have):])
    return data


def recv_frame(sock: socket.socket) -> tuple[dict, list[memoryview]]:
    """Receive one frame; WireError if it is malformed or over the size limits; EOFError at end.

    The buffers are read-only views of the frame's bytes.
    """
    data = _EARLY.pop(sock, b"") if _EARLY else b""
    if not data:
        data = sock.recv(_FIRST_READ)
        if not data:
            raise EOFError("connection closed")
    if len(data) < _LENGTH.size:
        data = _read(sock, data, _LENGTH.size)
    (size,) = _LENGTH.unpack_from(data)
    if size > MAX_HEADER:
        raise WireError(f"header of {size} bytes exceeds {MAX_HEADER}")
    end = _LENGTH.size + size
    if len(data) < end:
        data = _read(sock, data, end)
    try:
        header = json.loads(data[_LENGTH.size:end])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WireError(f"unreadable header: {exc}") from None
    sizes = header.get("buffers") if isinstance(header, dict) else None
    if not isinstance(sizes, list) or not all(type(s) is int and s >= 0 for s in sizes) \
            or sum(sizes) > MAX_PAYLOAD:
        raise WireError("bad or oversized buffer list")
    total = end + sum(sizes)
    if len(data) > total:
        _EARLY[sock] = bytes(data[total:])
    elif len(data) < total:
        data = _read(sock, data, total)
    view, buffers = memoryview(data).toreadonly(), []
    for size in sizes:
        buffers.append(view[end:end + size])
        end += size
    return header, buffers


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
        """Append ``t``'s elements in row-major order as one buffer; its index."""
        if not (t.is_cpu and t.is_contiguous()) or t.is_conj() or t.is_neg():
            # A conjugate or negative view's memory holds the values before the bit applies.
            t = t.detach().to("cpu").contiguous().resolve_conj().resolve_neg()
        # The bytes straight from memory, one copy: NumPy is optional for torch, and may be absent.
        self.buffers.append(ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()))
        return len(self.buffers) - 1

    def _tensor(self, t: torch.Tensor) -> dict:
        name = _NAMES.get(t.dtype)
        if name is None or t.is_sparse or t.is_quantized:
            raise WireError(f"cannot send a tensor of dtype {_shown(t.dtype)} / layout {_shown(t.layout)}")
        # Keep a permuted layout (a transposed view) so "any layout" tests see one: the dims in
        # order of decreasing stride (stable), permuted back on arrival.
        stride = t.stride()
        ordered = all(stride[d] >= stride[d + 1] for d in range(len(stride) - 1))
        perm = None if ordered else sorted(range(t.dim()), key=lambda d: -stride[d])
        dense = t if perm is None else t.permute(perm)
        record = {"t": "tensor", "dtype": name, "shape": list(dense.shape), "data": self._buffer(dense)}
        if perm is not None:
            record["perm"] = perm
        if not t.is_cpu:
            record["device"] = str(t.device)
        if t.requires_grad:
            record["requires_grad"] = True
        if not t.is_leaf:
            record["leaf"] = False
        elif t.grad is not None:
            record["grad"] = self._tensor(t.grad)
        return record


def _shown(kind: Any) -> str:
    """A dtype or layout for a message; what an object that only claims to be a tensor has
    there instead, by its type (its repr may hold an address, different on every run)."""
    return str(kind) if isinstance(kind, (torch.dtype, torch.layout)) else f"<{type(kind).__name__}>"


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
        # One copy, into memory of the tensor's own: the frame's bytes are read only and shared.
        flat = torch.frombuffer(bytearray(buf), dtype=dtype) if numel else torch.empty(0, dtype=dtype)
        # Always a view of it, even of the same shape: a rebuilt tensor has been one of the flat
        # buffer since the wire began, and autograd's errors say "a view of a leaf Variable".
        return flat if shape is None else flat.reshape(shape)

    def _tensor(self, rec: dict) -> torch.Tensor:
        shape, perm, device = rec.get("shape"), rec.get("perm"), rec.get("device", "cpu")
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)
                and (perm is None or isinstance(perm, list) and sorted(perm) == list(range(len(shape))))
                and type(device) is str):
            raise WireError("bad tensor shape")
        t = self._raw(rec.get("data"), self._dtype(rec.get("dtype")), shape)
        if perm is not None:
            t = t.permute([perm.index(d) for d in range(len(perm))])
        if device != "cpu":
            t = t.to(torch.device(device))
        if rec.get("requires_grad") is True:
            t.requires_grad_(True)
            if rec.get("leaf") is False:
                t = t.clone()  # a non-leaf, as the sender's was
        if rec.get("grad") is not None and t.is_leaf:
            t.grad = self._tensor(rec["grad"])
        return t


def rng_state() -> tuple[bytes, bytes | None]:
    """torch's global RNG state as bytes: CPU, and CUDA once initialised (else None).

    Compared with the state last agreed with the other side, it says whether the state must
    cross: most calls draw nothing, and a test reseeds to the same state per example.
    """
    cpu = torch.get_rng_state()
    cuda = torch.cuda.get_rng_state() if torch.cuda.is_initialized() else None
    return (ctypes.string_at(cpu.data_ptr(), cpu.numel()),
            None if cuda is None else ctypes.string_at(cuda.data_ptr(), cuda.numel()))


def rng_record(encoder: Encoder, state: tuple[bytes, bytes | None] | None = None) -> dict:
    """torch's global RNG state (CPU, and CUDA once initialised), to send with a call or reply.

    Args:
        state: a :func:`rng_state` (default: the current one).
    """
    cpu, cuda = rng_state() if state is None else state
    return {"cpu": _bytes_record(encoder, cpu), "cuda": None if cuda is None else _bytes_record(encoder, cuda)}


def _bytes_record(encoder: Encoder, data: bytes) -> dict:
    encoder.buffers.append(data)
    return {"t": "tensor", "dtype": "uint8", "shape": [len(data)], "data": len(encoder.buffers) - 1}


def restore_rng(decoder: Decoder, rng: dict) -> None:
    """Set torch's global RNG state from a :func:`rng_record`, so both sides draw alike."""
    if rng.get("cpu") is not None:
        torch.set_rng_state(decoder.decode(rng["cpu"]))
    if rng.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state(decoder.decode(rng["cuda"]))
