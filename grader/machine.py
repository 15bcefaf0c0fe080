"""This machine's facts that decide a grading: the torch device, the sandbox, the package versions.

The grading API, the result cache's keys, the Dask workers' checks and the CLI read them here,
each from one function.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

from grader.errors import DeviceError, SandboxError
from grader.isolation.sandbox import Sandbox, detect

__all__ = ["choose_sandbox", "package_versions", "resolve_device"]


def resolve_device(name: str) -> str:
    """The torch device to grade on, by name: ``cpu``; ``cuda`` (or ``cuda:N``); ``auto``, cuda if
    this machine has it, else cpu.

    Raises:
        DeviceError: cuda where this machine has none, cuda:N where it has N or fewer, or not a
            torch device.
    """
    if name == "cpu":  # needs no torch: a regrade that finds everything cached never imports it
        return name
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError(f"--device {name}: CUDA is not available on this machine (try --device cpu)")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"--device {name}: not a torch device (cpu, cuda, cuda:N or auto)") from None
    count = torch.cuda.device_count()
    if device.type == "cuda" and device.index is not None and device.index >= count:
        has = "cuda:0" if count == 1 else f"cuda:0 to cuda:{count - 1}"
        raise DeviceError(f"--device {name}: no such CUDA device (this machine has {has})")
    return str(device)


def choose_sandbox(unsafe: bool = False) -> Sandbox:
    """The sandbox this machine offers (:func:`grader.isolation.sandbox.detect`).

    Raises:
        SandboxError: it cannot keep a submission from the course's files (no bubblewrap, no
            Landlock) and ``unsafe`` is False.
    """
    sandbox = detect()
    if not sandbox.confines_files and not unsafe:
        raise SandboxError(
            f"no sandbox for untrusted code on this machine (found: {sandbox.name}): grading needs Linux >= 5.13 "
            "with Landlock, or bubblewrap (apt-get install bubblewrap); pass --unsafe to grade without one")
    return sandbox


@cache
def package_versions() -> dict[str, str]:
    """The installed torch and Hypothesis versions (``{"torch": "2.13.0+cpu", ...}``), from package
    metadata, without importing either: a cache key names them, and a Dask worker must match."""
    return {"torch": version("torch"), "hypothesis": version("hypothesis")}
