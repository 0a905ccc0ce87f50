"""Where a model runs: CPU, an NVIDIA (CUDA) GPU or an Apple GPU (MPS), and in which precision.

The choice is split in two so that its logic is tested on any machine:

- ``probe_devices()`` asks torch what this computer has (imported there, never at module level,
  so importing this module costs nothing) and returns a plain ``DeviceProbe``;
- ``choose_device(preference, probe)`` is a pure function from the user's preference
  ("auto", "cpu", "mps" or "cuda:N") and a probe to a ``DeviceChoice``: the torch device
  string, the dtype the transformers engine loads the weights in, and a sentence for the
  status bar saying why.

Auto picks CUDA device 0, then Apple MPS, then the CPU. On a CUDA GPU the weights are
bfloat16 where the GPU supports it (compute capability 8.0 and later) and float16 otherwise;
on MPS float16; on the CPU float32, as before.

The int8 ("fast") engine runs on the CPU only: ``engine_for_device`` says which engine and
device a given engine choice ends up with (auto on a GPU takes the transformers engine there;
an explicit fast choice stays on the CPU and says so).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Literal

log = logging.getLogger(__name__)

DEVICE_AUTO = "auto"
DEVICE_CPU = "cpu"
DEVICE_MPS = "mps"
CUDA_PREFIX = "cuda:"
BF16_MIN_CAPABILITY = (8, 0)  # Ampere and later compute in bfloat16 natively

DtypeName = Literal["float32", "float16", "bfloat16"]
EngineKind = Literal["transformers", "fast"]


@dataclass(frozen=True)
class DeviceProbe:
    """What torch reports about this computer's accelerators (a plain value, for testing)."""

    cuda_available: bool = False
    cuda_names: tuple[str, ...] = ()  # one per CUDA device, by index
    cuda_bf16: tuple[bool, ...] = ()  # bfloat16 support, by index
    mps_available: bool = False
    error: str = ""  # why probing failed, if it did

    @property
    def cuda_count(self) -> int:
        return len(self.cuda_names) if self.cuda_available else 0


@dataclass(frozen=True)
class DeviceChoice:
    """Where a model runs: ``device`` for torch, ``dtype`` for its weights, ``reason`` to show."""

    device: str
    dtype: DtypeName
    reason: str

    @property
    def is_gpu(self) -> bool:
        return self.device != DEVICE_CPU


CPU_CHOICE = DeviceChoice(DEVICE_CPU, "float32", "CPU")


def is_valid_preference(preference: str) -> bool:
    """Whether ``preference`` is one a user can choose ("auto", "cpu", "mps", "cuda:N")."""
    return preference in (DEVICE_AUTO, DEVICE_CPU, DEVICE_MPS) or (
        preference.startswith(CUDA_PREFIX) and preference[len(CUDA_PREFIX) :].isdigit()
    )


def _cuda(index: int, probe: DeviceProbe, suffix: str = "") -> DeviceChoice:
    bf16 = index < len(probe.cuda_bf16) and probe.cuda_bf16[index]
    dtype: DtypeName = "bfloat16" if bf16 else "float16"
    name = probe.cuda_names[index]
    return DeviceChoice(f"{CUDA_PREFIX}{index}", dtype, f"CUDA {index}: {name} ({dtype}){suffix}")


def _mps(suffix: str = "") -> DeviceChoice:
    return DeviceChoice(DEVICE_MPS, "float16", f"Apple GPU (MPS, float16){suffix}")


def _cpu(reason: str) -> DeviceChoice:
    return replace(CPU_CHOICE, reason=reason)


def _gpus(count: int) -> str:
    return "1 GPU" if count == 1 else f"{count} GPUs"


def choose_device(preference: str, probe: DeviceProbe) -> DeviceChoice:
    """The device for ``preference`` on a computer described by ``probe`` (pure logic)."""
    chosen = " (chosen in Preferences)"
    if preference == DEVICE_CPU:
        return _cpu("CPU (chosen in Preferences)")
    if preference == DEVICE_AUTO:
        if probe.cuda_count:
            return _cuda(0, probe)
        if probe.mps_available:
            return _mps()
        if probe.error:
            return _cpu(f"CPU: no GPU could be used ({probe.error})")
        return _cpu("CPU: no CUDA device")
    if preference == DEVICE_MPS:
        if probe.mps_available:
            return _mps(chosen)
        return _cpu("mps asked for but no Apple GPU is available: CPU")
    if preference.startswith(CUDA_PREFIX) and preference[len(CUDA_PREFIX) :].isdigit():
        index = int(preference[len(CUDA_PREFIX) :])
        if index < probe.cuda_count:
            return _cuda(index, probe, chosen)
        if probe.cuda_count:
            return _cpu(f"{preference} asked for but only {_gpus(probe.cuda_count)}: CPU")
        return _cpu(f"{preference} asked for but there is no CUDA device: CPU")
    return _cpu(f"unknown device '{preference}' asked for: CPU")


def probe_devices() -> DeviceProbe:
    """Ask torch which GPUs this computer has (imports torch: seconds, the first time)."""
    try:
        import torch

        cuda = bool(torch.cuda.is_available())
        count = int(torch.cuda.device_count()) if cuda else 0
        names = tuple(str(torch.cuda.get_device_name(i)) for i in range(count))
        bf16 = tuple(
            tuple(torch.cuda.get_device_capability(i)) >= BF16_MIN_CAPABILITY for i in range(count)
        )
        backend = getattr(torch.backends, "mps", None)
        mps = bool(backend is not None and backend.is_available())
    except Exception as error:  # noqa: BLE001 - a broken driver must not stop the app
        log.warning("probing the GPUs failed: %s", error)
        return DeviceProbe(error=str(error) or type(error).__name__)
    return DeviceProbe(cuda_available=cuda, cuda_names=names, cuda_bf16=bf16, mps_available=mps)


def resolve_device(preference: str, probe: DeviceProbe | None = None) -> DeviceChoice:
    """The device for ``preference`` on this computer; "cpu" never imports torch."""
    if preference == DEVICE_CPU:
        return choose_device(preference, DeviceProbe())
    return choose_device(preference, probe if probe is not None else probe_devices())


def available_devices(probe: DeviceProbe | None = None) -> list[tuple[str, str]]:
    """``(preference, label)`` pairs for the Preferences list: auto, CPU, then each GPU."""
    probe = probe if probe is not None else probe_devices()
    devices = [
        (DEVICE_AUTO, "Automatic (a GPU if there is one, else the CPU)"),
        (DEVICE_CPU, "CPU"),
    ]
    for index in range(probe.cuda_count):
        devices.append((f"{CUDA_PREFIX}{index}", f"CUDA {index}: {probe.cuda_names[index]}"))
    if probe.mps_available:
        devices.append((DEVICE_MPS, "Apple GPU (MPS)"))
    return devices


INT8_CPU_ONLY = "the int8 engine runs on CPU only"


def engine_for_device(
    engine_choice: str, int8_supported: bool, device: DeviceChoice
) -> tuple[EngineKind, DeviceChoice]:
    """The engine and device that ``engine_choice`` ("auto", "transformers", "fast") gets.

    ``int8_supported``: whether the int8 engine runs this model (BlenderBot). The int8 engine
    is CPU-only: auto takes the transformers engine when the device is a GPU, and an explicit
    fast choice runs on the CPU with a reason that says why.
    """
    if engine_choice == "transformers" or not (int8_supported or engine_choice == "fast"):
        return "transformers", device
    if not device.is_gpu:
        return "fast", device
    if engine_choice == "fast":
        return "fast", _cpu(f"CPU: {INT8_CPU_ONLY} ({device.device} not used)")
    return "transformers", replace(
        device, reason=f"{device.reason}; transformers engine ({INT8_CPU_ONLY})"
    )
