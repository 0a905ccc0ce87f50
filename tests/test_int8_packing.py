"""The fast engine is "Ready" before FBGEMM has packed its layers; a reply waits for them.

Packing is held back here with an event (fault injection on timing only: the packing itself
is the real one).
"""

from __future__ import annotations

import gc
import threading
import time
import warnings
import weakref
from pathlib import Path

import pytest

from core.context import Turn
from core.engines.base import EngineError, GenerationCancelled
from core.engines.int8_engine import Int8Engine
from core.engines.int8_layers import Int8Linear
from core.engines.int8_loading import PACKING_THREAD, READING_THREAD, Packing
from core.models import resolve
from core.settings import GenerationSettings

TURNS = [Turn("user", "Do you have any pets at home?")]
GREEDY = GenerationSettings(num_beams=1, do_sample=False, min_length=6, max_length=6)


@pytest.fixture
def held_packing(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Each layer's packing waits until the returned event is set."""
    release = threading.Event()
    pack = Int8Linear.pack

    def held(self: Int8Linear) -> bool:
        release.wait(timeout=60)
        return pack(self)

    monkeypatch.setattr(Int8Linear, "pack", held)
    return release


def loaded(model: Path, data_dir: Path) -> Int8Engine:
    engine = Int8Engine(resolve(str(model)), data_dir, threads=1)
    steps: list[str] = []
    engine.load(lambda percent, text: steps.append(text))
    assert steps[-1] == "Ready"
    return engine


def packed_layers(engine: Int8Engine) -> list[bool]:
    layers = engine._model.layers
    assert layers and all(isinstance(layer, Int8Linear) for layer in layers)
    return [layer._packed is not None for layer in layers]


def test_ready_comes_before_packing_and_a_reply_waits_for_it(
    tiny_model: Path, tmp_path: Path, held_packing: threading.Event
) -> None:
    engine = loaded(tiny_model, tmp_path)
    assert not any(packed_layers(engine))  # "Ready" did not wait for the packing
    replies: list[str] = []
    reply = threading.Thread(
        target=lambda: replies.append(
            engine.generate(TURNS, GREEDY, lambda d: None, threading.Event()).text
        )
    )
    reply.start()
    reply.join(timeout=1.0)
    assert reply.is_alive() and not replies  # it waits for the layers
    held_packing.set()
    reply.join(timeout=60)
    assert replies and replies[0]
    assert all(packed_layers(engine))


def test_stop_ends_a_reply_that_waits_for_the_packing(
    tiny_model: Path, tmp_path: Path, held_packing: threading.Event
) -> None:
    engine = loaded(tiny_model, tmp_path)
    stop = threading.Event()
    outcome: list[BaseException] = []

    def reply() -> None:
        try:
            engine.generate(TURNS, GREEDY, lambda d: None, stop)
        except GenerationCancelled as cancelled:
            outcome.append(cancelled)

    waiting = threading.Thread(target=reply)
    waiting.start()
    time.sleep(0.3)
    stop.set()
    waiting.join(timeout=2.0)  # within a tenth of a second or so, not after the packing
    assert not waiting.is_alive() and outcome
    held_packing.set()


@pytest.mark.parametrize("failure", [RuntimeError("out of memory"), KeyError("out of memory")])
def test_a_packing_that_fails_fails_the_reply_with_a_clear_message(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    def broken(self: Int8Linear) -> bool:
        raise failure

    monkeypatch.setattr(Int8Linear, "pack", broken)
    engine = loaded(tiny_model, tmp_path)
    with pytest.raises(EngineError, match=r"could not be prepared: .*out of memory"):
        engine.generate(TURNS, GREEDY, lambda d: None, threading.Event())


def test_a_load_cancelled_at_ready_leaves_no_packing_thread(
    tiny_model: Path, tmp_path: Path
) -> None:
    """The app closing during a load refuses "Ready": the packing that began while it loaded
    stops after its current layer, and no thread is left to delay the app's exit."""

    class Closing(Exception):
        pass

    def progress(percent: int, text: str) -> None:
        if text == "Ready":
            raise Closing

    engine = Int8Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    with pytest.raises(Closing):
        engine.load(progress)
    names = (PACKING_THREAD, READING_THREAD)
    assert not any(t.name.startswith(names) for t in threading.enumerate())
    assert engine._model is None  # half-packed: not to be used


def test_a_dropped_engine_frees_its_model_at_once(tiny_model: Path, tmp_path: Path) -> None:
    """No reference cycle keeps the weights until a full collection."""
    engine = loaded(tiny_model, tmp_path)
    engine.wait_until_packed()
    decoder = weakref.ref(engine._model.layers[0])
    gc.disable()
    try:
        del engine
        assert decoder() is None
    finally:
        gc.enable()


def test_packing_on_its_thread_leaves_the_warning_filters_of_other_threads_alone() -> None:
    """``warnings.catch_warnings`` in the packing thread swapped the process's filters while
    FBGEMM packed (it is not thread-safe): another thread's warnings were silenced meanwhile."""
    import torch

    if "fbgemm" not in torch.backends.quantized.supported_engines:
        pytest.skip("FBGEMM is missing: nothing is packed")
    layers = [Int8Linear.from_linear(torch.nn.Linear(512, 512)) for _ in range(40)]
    filters = warnings.filters
    seen = {id(filters)}  # sampled ~10^6 times over the 0.4 s that packing takes here
    packing = Packing(list(layers))
    packing.start(2)
    packing.start()
    while packing.running():
        seen.add(id(warnings.filters))
    packing.wait()
    assert seen == {id(filters)} and warnings.filters is filters
    assert all(layer._packed is not None for layer in layers)


def test_the_engine_packs_with_as_many_threads_as_it_computes_with(
    tiny_model: Path, tmp_path: Path, held_packing: threading.Event
) -> None:
    engine = Int8Engine(resolve(str(tiny_model)), tmp_path, threads=2)
    engine.load(lambda percent, text: None)
    packers = [t for t in threading.enumerate() if t.name.startswith(PACKING_THREAD)]
    held_packing.set()
    engine.wait_until_packed()
    assert len(packers) == 2
    assert all(packed_layers(engine))


def test_two_workers_pack_two_layers_at_once_and_every_layer_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each worker's first layer waits at a barrier for the other's: one worker alone, or
    workers that take turns, would break it."""
    import torch

    together = threading.Barrier(2, timeout=10)
    packed_by: dict[int, str] = {}
    first: set[str] = set()
    pack = Int8Linear.pack

    def pack_at_the_barrier(self: Int8Linear) -> bool:
        name = threading.current_thread().name
        if name not in first:
            first.add(name)
            together.wait()
        packed_by[id(self)] = name
        return pack(self)

    monkeypatch.setattr(Int8Linear, "pack", pack_at_the_barrier)
    layers = [Int8Linear.from_linear(torch.nn.Linear(64, 64)) for _ in range(12)]
    packing = Packing(list(layers))
    packing.start(2)
    packing.wait()
    assert set(packed_by) == {id(layer) for layer in layers}  # each layer, and once (a dict)
    assert len(set(packed_by.values())) == 2


def test_a_failing_layer_stops_every_worker_and_fails_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first layer fails; the other worker, packing meanwhile, takes no further layer."""
    import torch

    layers = [Int8Linear.from_linear(torch.nn.Linear(8, 8)) for _ in range(40)]
    packed: list[Int8Linear] = []

    def first_one_fails(self: Int8Linear) -> bool:
        time.sleep(0.02)
        if self is layers[0]:
            raise RuntimeError("out of memory")
        packed.append(self)
        return True

    monkeypatch.setattr(Int8Linear, "pack", first_one_fails)
    packing = Packing(list(layers))
    packing.start(2)
    with pytest.raises(EngineError, match="could not be prepared: out of memory"):
        packing.wait()
    assert not packing.running()
    assert len(packed) <= 2  # the layer it was packing when the first failed, not 38 more


def test_packing_begins_before_ready_while_the_model_is_still_loading(
    tiny_model: Path, tmp_path: Path, held_packing: threading.Event
) -> None:
    """The layers are read and one worker packs them from the moment torch is imported
    (``int8_loading.EarlyLayers``), on the core that importing transformers leaves free."""
    at_ready: list[str] = []

    def progress(percent: int, text: str) -> None:
        if text == "Ready":
            at_ready.extend(t.name for t in threading.enumerate())

    for _ in ("converting first", "reusing the conversion"):
        held_packing.clear()
        at_ready.clear()
        engine = Int8Engine(resolve(str(tiny_model)), tmp_path, threads=1)
        engine.load(progress)
        assert f"{PACKING_THREAD}-1" in at_ready
        held_packing.set()
        engine.wait_until_packed()
        assert all(packed_layers(engine))


def test_the_layers_module_and_the_reader_do_not_import_transformers() -> None:
    """They run on a thread of their own while the engine's thread imports transformers;
    two threads importing one package at once can deadlock on its import locks."""
    import subprocess
    import sys

    code = (
        "import sys, core.engines.int8_layers, core.engines.int8_loading; "
        "print('transformers' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
