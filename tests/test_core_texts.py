"""Texts made in core/ (load progress steps, the device line) are shown in the interface's
language: each has a template in gui/core_texts.py, found by reading core/ itself."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from gui.core_texts import core_text, template_of

CORE = Path(__file__).resolve().parents[1] / "core"


def sample(node: ast.expr, constants: dict[str, str]) -> str | None:
    """A string node as it could read at run time: the module's string constants put in,
    stand-in values for the other {placeholders}."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for i, part in enumerate(node.values):
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
            elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name):
                parts.append(constants.get(part.value.id, f"<value{i}>"))
            else:
                parts.append(f"<value{i}>")
        return "".join(parts)
    return None


def string_constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def shown_texts() -> Iterator[tuple[str, str]]:
    """(where, text) of every progress step and device label written in core/."""
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = string_constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "progress" and len(node.args) == 2:
                text = sample(node.args[1], constants)
            elif name == "_cpu" and node.args:
                text = sample(node.args[0], constants)
            elif name == "DeviceChoice" and len(node.args) == 3:
                text = sample(node.args[2], constants)
            else:
                continue
            if text is not None:
                yield f"{path.name}:{node.lineno}", text


def test_every_progress_step_and_device_line_of_core_has_a_template() -> None:
    found = list(shown_texts())
    assert len(found) > 15  # the walk reached the engines and devices
    missing = [(where, text) for where, text in found if template_of(text) is None]
    assert not missing, missing


def test_core_texts_are_shown_in_german_with_their_values(german: None) -> None:
    assert core_text("Loading the weights…") == "Gewichte werden geladen…"
    moved = core_text("Moving the weights to cuda:0…")
    assert "cuda:0" in moved and "Moving" not in moved
    assert core_text("Something core never said") == "Something core never said"
