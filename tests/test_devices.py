"""Device choice: the pure logic over fake probes, the real probe, and the device wired through.

There is no GPU on the test machines, so the GPU cases use ``DeviceProbe`` values; the CPU
path runs for real (engine, worker, model setup), with a GPU asked for where there is none.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import torch

from core.context import Turn
from core.devices import (
    CPU_CHOICE,
    DeviceChoice,
    DeviceProbe,
    available_devices,
    choose_device,
    engine_for_device,
    is_valid_preference,
    probe_devices,
    resolve_device,
)
from core.engines import create_engine
from core.engines.int8_engine import Int8Engine
from core.engines.transformers_engine import TransformersEngine
from core.models import ModelFolder, resolve
from core.requests import LoadRequest
from core.settings import GenerationSettings
from tests.worker_signals import worker_signal

NO_GPU = DeviceProbe()
ONE_H200 = DeviceProbe(cuda_available=True, cuda_names=("NVIDIA H200",), cuda_bf16=(True,))
OLD_AND_NEW = DeviceProbe(
    cuda_available=True, cuda_names=("Tesla T4", "NVIDIA A100"), cuda_bf16=(False, True)
)
APPLE = DeviceProbe(mps_available=True)
HAS_CUDA = torch.cuda.is_available()
ROOT = Path(__file__).resolve().parents[1]


# -- the pure choice -------------------------------------------------------------------------
def test_auto_takes_cuda_device_0_in_bfloat16_where_it_supports_it() -> None:
    assert choose_device("auto", ONE_H200) == DeviceChoice(
        "cuda:0", "bfloat16", "CUDA 0: NVIDIA H200 (bfloat16)"
    )


def test_auto_takes_float16_on_a_gpu_without_bfloat16() -> None:
    choice = choose_device("auto", OLD_AND_NEW)
    assert (choice.device, choice.dtype) == ("cuda:0", "float16")
    assert choice.reason == "CUDA 0: Tesla T4 (float16)"


def test_auto_takes_apple_mps_in_float16_when_there_is_no_cuda() -> None:
    choice = choose_device("auto", APPLE)
    assert (choice.device, choice.dtype, choice.is_gpu) == ("mps", "float16", True)
    assert "MPS" in choice.reason


def test_auto_prefers_cuda_over_mps() -> None:
    both = DeviceProbe(cuda_available=True, cuda_names=("GPU",), mps_available=True)
    assert choose_device("auto", both).device == "cuda:0"


def test_auto_without_a_gpu_is_the_cpu_in_float32() -> None:
    choice = choose_device("auto", NO_GPU)
    assert choice == DeviceChoice("cpu", "float32", "CPU: no CUDA device")
    assert not choice.is_gpu


def test_a_failed_probe_falls_back_to_the_cpu_and_says_why() -> None:
    choice = choose_device("auto", DeviceProbe(error="driver too old"))
    assert choice.device == "cpu" and "driver too old" in choice.reason


def test_cpu_chosen_in_preferences_stays_on_the_cpu_even_with_a_gpu() -> None:
    choice = choose_device("cpu", ONE_H200)
    assert choice == DeviceChoice("cpu", "float32", "CPU (chosen in Preferences)")


def test_a_chosen_cuda_device_is_used_with_its_own_precision() -> None:
    first = choose_device("cuda:0", OLD_AND_NEW)
    second = choose_device("cuda:1", OLD_AND_NEW)
    assert (first.device, first.dtype) == ("cuda:0", "float16")
    assert (second.device, second.dtype) == ("cuda:1", "bfloat16")
    assert second.reason.startswith("CUDA 1: NVIDIA A100 (bfloat16)")


def test_a_cuda_device_that_is_not_there_falls_back_to_the_cpu() -> None:
    assert choose_device("cuda:3", ONE_H200) == DeviceChoice(
        "cpu", "float32", "cuda:3 asked for but only 1 GPU: CPU"
    )
    assert choose_device("cuda:2", OLD_AND_NEW).reason == "cuda:2 asked for but only 2 GPUs: CPU"
    assert choose_device("cuda:0", NO_GPU).reason == (
        "cuda:0 asked for but there is no CUDA device: CPU"
    )


def test_cuda_devices_reported_while_cuda_is_unavailable_are_not_used() -> None:
    probe = DeviceProbe(cuda_available=False, cuda_names=("GPU",), cuda_bf16=(True,))
    assert choose_device("auto", probe).device == "cpu"
    assert choose_device("cuda:0", probe).device == "cpu"


def test_mps_asked_for_without_an_apple_gpu_is_the_cpu() -> None:
    assert choose_device("mps", APPLE).device == "mps"
    choice = choose_device("mps", ONE_H200)
    assert choice.device == "cpu" and "mps asked for" in choice.reason


def test_an_unknown_preference_is_the_cpu() -> None:
    for preference in ("tpu", "cuda:x", "cuda:", ""):
        choice = choose_device(preference, ONE_H200)
        assert choice.device == "cpu", preference
        assert not is_valid_preference(preference)
    for preference in ("auto", "cpu", "mps", "cuda:0", "cuda:12"):
        assert is_valid_preference(preference)


def test_the_preferences_list_has_auto_cpu_and_each_gpu() -> None:
    assert [value for value, _ in available_devices(NO_GPU)] == ["auto", "cpu"]
    listed = available_devices(OLD_AND_NEW)
    assert [value for value, _ in listed] == ["auto", "cpu", "cuda:0", "cuda:1"]
    assert "NVIDIA A100" in listed[3][1]
    assert [value for value, _ in available_devices(APPLE)] == ["auto", "cpu", "mps"]


# -- the int8 engine is CPU-only --------------------------------------------------------------
GPU = choose_device("auto", ONE_H200)
CPU = choose_device("auto", NO_GPU)


def test_auto_on_a_gpu_takes_the_transformers_engine_for_blenderbot() -> None:
    engine, device = engine_for_device("auto", True, GPU)
    assert engine == "transformers" and device.device == "cuda:0"
    assert device.dtype == "bfloat16"
    assert "int8 engine runs on CPU only" in device.reason


def test_fast_chosen_on_a_gpu_runs_on_the_cpu_and_says_why() -> None:
    engine, device = engine_for_device("fast", True, GPU)
    assert engine == "fast" and device.device == "cpu" and device.dtype == "float32"
    assert "int8 engine runs on CPU only" in device.reason


def test_on_the_cpu_auto_keeps_the_fast_engine_for_blenderbot() -> None:
    assert engine_for_device("auto", True, CPU) == ("fast", CPU)
    assert engine_for_device("fast", True, CPU) == ("fast", CPU)


def test_transformers_and_other_models_keep_the_chosen_device() -> None:
    assert engine_for_device("transformers", True, GPU) == ("transformers", GPU)
    assert engine_for_device("auto", False, GPU) == ("transformers", GPU)
    assert engine_for_device("auto", False, CPU) == ("transformers", CPU)


# -- the real probe --------------------------------------------------------------------------
def test_the_probe_reports_what_torch_reports() -> None:
    probe = probe_devices()
    assert probe.cuda_available == torch.cuda.is_available()
    assert probe.cuda_count == (torch.cuda.device_count() if HAS_CUDA else 0)
    assert len(probe.cuda_bf16) == probe.cuda_count
    assert probe.mps_available == torch.backends.mps.is_available()
    assert not probe.error


def test_importing_the_module_does_not_import_torch() -> None:
    code = "import sys, core.devices; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_resolving_cpu_never_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    import core.devices

    def probe_fails() -> DeviceProbe:
        raise AssertionError("probed")

    monkeypatch.setattr(core.devices, "probe_devices", probe_fails)
    assert resolve_device("cpu").device == "cpu"
    with pytest.raises(AssertionError, match="probed"):
        resolve_device("auto")


# -- the device wired through -----------------------------------------------------------------
@pytest.mark.skipif(HAS_CUDA, reason="checks the fall-back on a machine without CUDA")
def test_create_engine_falls_back_to_the_cpu_when_the_gpu_is_missing(
    tiny_model: Path, tmp_path: Path
) -> None:
    folder = resolve(str(tiny_model))
    engine = create_engine("transformers", folder, tmp_path, 1, "cuda:1")
    assert type(engine) is TransformersEngine
    assert engine.placement.device == "cpu"
    assert "cuda:1 asked for" in engine.placement.reason
    fast = create_engine("auto", folder, tmp_path, 1, "auto")
    assert isinstance(fast, Int8Engine) and fast.placement.device == "cpu"
    assert fast.placement.reason == "CPU: no CUDA device"


def test_create_engine_passes_the_device_on(tiny_model: Path, tmp_path: Path) -> None:
    folder = resolve(str(tiny_model))
    engine = create_engine("transformers", folder, tmp_path, 1, "cpu")
    assert isinstance(engine, TransformersEngine)
    assert engine.placement == choose_device("cpu", NO_GPU)
    causal = ModelFolder("tiny-gpt", tmp_path, "GPT2ForCausalLM", {})
    other = create_engine("auto", causal, tmp_path, 1, "cpu")
    assert type(other) is TransformersEngine and other.placement.reason.startswith("CPU")


def test_the_engine_loads_in_the_placements_dtype_and_replies(tiny_model: Path) -> None:
    """The dtype comes from the placement (bfloat16 here, on the CPU, as on a GPU)."""
    placement = DeviceChoice("cpu", "bfloat16", "test: bfloat16")
    engine = TransformersEngine(resolve(str(tiny_model)), 1, placement)
    info = engine.load(lambda percent, text: None)
    assert engine._model.dtype == torch.bfloat16
    assert (info.device, info.device_reason) == ("cpu", "test: bfloat16")
    greedy = GenerationSettings(num_beams=1, do_sample=False, min_length=2, max_length=8)
    reply = engine.generate([Turn("user", "Hello")], greedy, lambda _: None, threading.Event())
    assert reply.tokens > 0


def test_the_cpu_engine_is_float32_and_reports_its_device(tiny_model: Path) -> None:
    engine = TransformersEngine(resolve(str(tiny_model)), 1)
    info = engine.load(lambda percent, text: None)
    assert engine.placement == CPU_CHOICE
    assert engine._model.dtype == torch.float32
    assert info.device == "cpu" and info.device_reason == "CPU"


@pytest.mark.skipif(HAS_CUDA, reason="checks the fall-back on a machine without CUDA")
def test_the_worker_loads_on_the_device_the_request_names(
    qtbot: Any, tiny_model: Path, tmp_path: Path
) -> None:
    from gui.worker import ChatWorker, WorkerHost

    host = WorkerHost(ChatWorker(tmp_path))
    try:
        with worker_signal(qtbot, host.worker.loaded, timeout=60_000) as loaded:
            host.load_requested.emit(LoadRequest(str(tiny_model), "transformers", 1, "cuda:7"))
        info = loaded.args[0]
        assert info.device == "cpu"
        assert info.device_reason == "cuda:7 asked for but there is no CUDA device: CPU"
    finally:
        assert host.shutdown(10_000)


def test_a_load_request_asks_for_auto_by_default() -> None:
    assert LoadRequest("model", "auto", 1).device == "auto"


@pytest.mark.skipif(HAS_CUDA, reason="checks the fall-back on a machine without CUDA")
def test_model_setup_takes_the_device_from_its_option(
    qtbot: Any, tiny_model: Path, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMainWindow

    from gui.model_setup import ModelSetup
    from gui.worker import ChatWorker, WorkerHost

    window = QMainWindow()
    qtbot.addWidget(window)
    host = WorkerHost(ChatWorker(tmp_path))
    asked: list[object] = []
    host.load_requested.connect(asked.append)
    setup = ModelSetup(
        window,
        host,
        str(tiny_model),
        offline=True,
        load_options=lambda: ("transformers", 1),
        headless=lambda: True,
        device_option=lambda: "cuda:5",
    )
    default = ModelSetup(
        window, host, str(tiny_model), True, lambda: ("transformers", 1), lambda: True
    )
    try:
        with qtbot.waitSignal(setup.model_ready, timeout=60_000) as ready:
            setup.start_loading()
        assert isinstance(asked[0], LoadRequest) and asked[0].device == "cuda:5"
        assert "cuda:5 asked for" in ready.args[0].device_reason
        assert "Device: cuda:5 asked for" in setup.label.toolTip()
        assert setup.label.text() == f"Ready: {tiny_model.name} (transformers)"
        assert default._request("x").device == "auto"
    finally:
        assert host.shutdown(10_000)
