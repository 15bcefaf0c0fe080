"""Tampering with the run-time tripwire during a watched call is recorded.

A submission can reach the tripwire's state through a wrapper's closure; each scenario changes
part of it (or puts an original back) inside a watch, in a fresh Python
(:func:`tests.grader.test_tripwire.run_child`), and the watch must record ``TAMPERING``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import torch

from grader.isolation.tripwire import TAMPERING, Tripwire
from tests.grader.test_tripwire import SOFTMAX, run_child


def _tampering_child(out: str) -> None:
    from grader.isolation.tripwire.wrappers import State

    tripwire = Tripwire(SOFTMAX.banned_in("softmax"))
    state = tripwire._Tripwire__state  # what a submission could dig out of a wrapper's closure
    wrapper, ops, aten = torch.softmax, state.aten, dict(state.aten)

    def unwrap() -> None:
        torch.softmax = lambda *args, **kwargs: None

    def delete() -> None:
        del torch.softmax

    def forget_ops() -> None:
        state.aten.clear()

    def edit_ops() -> None:
        state.aten["aten::_softmax"] = ()

    def replace_ops() -> None:
        state.aten = {}

    def replace_found() -> None:
        state.found = []

    def silence() -> None:
        state.active = frozenset()

    def stay_busy() -> None:
        state.busy += 1

    report: dict[str, Any] = {}
    for tamper in (unwrap, delete, forget_ops, edit_ops, replace_ops, replace_found, silence, stay_busy):
        with tripwire.watch(SOFTMAX.banned_in("softmax")) as report[tamper.__name__]:
            tamper()
        torch.softmax, state.aten = wrapper, ops
        ops.update(aten)
    with tripwire.watch(SOFTMAX.banned_in("softmax")) as report["untouched"]:
        torch.exp(torch.ones(2))
    try:
        Tripwire(["torch.relu"])
    except RuntimeError as exc:
        report["second"] = str(exc)
    # No module of the package holds the state (a grader.isolation.tripwire._STATE to reach).
    report["module_state"] = [f"{name}.{attr}" for name, module in list(sys.modules.items())
                              if name == "grader.isolation.tripwire" or name.startswith("grader.isolation.tripwire.")
                              for attr, value in vars(module).items() if isinstance(value, State)]
    Path(out).write_text(json.dumps(report))


def test_tampering_with_the_tripwire_during_a_call_is_recorded(tmp_path_factory):
    report = run_child(_tampering_child, tmp_path_factory)
    assert report.pop("module_state") == []
    assert report.pop("second").startswith("Tripwire(): this process already has one")
    assert report == {"unwrap": [TAMPERING], "delete": [TAMPERING], "forget_ops": [TAMPERING],
                      "edit_ops": [TAMPERING], "replace_ops": [TAMPERING], "replace_found": [TAMPERING],
                      "silence": [TAMPERING], "stay_busy": [TAMPERING], "untouched": []}
