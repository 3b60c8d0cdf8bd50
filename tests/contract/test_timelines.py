"""Every stage of the registry sets its stamps of the article's timeline and observes the hops ending there
(issue 19): a new stage, or a stage that stops stamping, fails here instead of leaving a hole in the waterfall."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from wirewatch.schemas import HOPS, STAGE_STAMPS, STAGES, STAMPS

SERVICES = Path(__file__).resolve().parents[2] / "services"


def calls(stage: str) -> list[ast.Call]:
    found: list[ast.Call] = []
    for path in sorted((SERVICES / stage).glob("*.py")):
        found += [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)]
    return found


def name_of(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def test_every_stage_has_stamps_and_every_stamp_one_stage() -> None:
    assert set(STAGE_STAMPS) == set(STAGES)
    stamped = [stamp for stamps in STAGE_STAMPS.values() for stamp in stamps]
    assert sorted(stamped) == sorted(STAMPS)
    assert all(start in STAMPS and end in STAMPS for start, end in HOPS.values())


@pytest.mark.parametrize("stage", sorted(STAGE_STAMPS))
def test_the_stage_sets_its_stamps_and_observes_the_hops_ending_there(stage: str) -> None:
    found = calls(stage)
    set_here = {kw.arg for call in found if name_of(call) in {"Timeline", "stamped"} for kw in call.keywords}
    observed = {
        arg.value
        for call in found
        if name_of(call) == "observe_hops" and len(call.args) >= 2
        for arg in [call.args[1]]
        if isinstance(arg, ast.Constant)
    }
    for stamp in STAGE_STAMPS[stage]:
        assert stamp in set_here, f"{stage} never sets timeline.{stamp}"
        if any(end == stamp for _, end in HOPS.values()):
            assert stamp in observed, f"{stage} never observes the hops ending at {stamp}"
