"""Converting a model for the fast engine tensor by tensor (issue 14), on tiny real models.

The streamed conversion must write exactly what the earlier whole-model conversion wrote:
``whole_model_conversion`` below is that conversion, kept here as the reference.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from core.engines.base import EngineError
from core.engines.int8_format import (
    CONVERSION_FORMAT,
    METADATA_FILE,
    WEIGHTS_FILE,
    PickleCheckpoint,
    check_free_space,
    convert_atomically,
    convert_to_int8,
)
from core.models import ModelFolder, resolve


def whole_model_conversion(folder: ModelFolder, output: Path) -> None:
    """The conversion before issue 14: the whole float model through transformers."""
    import safetensors.torch
    import torch
    import transformers

    from core.engines.int8_layers import quantize_model

    model = transformers.AutoModelForSeq2SeqLM.from_pretrained(
        str(folder.path), local_files_only=True, dtype=torch.float32
    )
    parameters = sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        quantize_model(model)
    unique: dict[str, Any] = {}
    tied: dict[str, str] = {}
    seen: dict[tuple[int, tuple[int, ...]], str] = {}
    for name, tensor in model.state_dict().items():
        key = (tensor.data_ptr(), tuple(tensor.shape))
        if key in seen:
            tied[name] = seen[key]
        else:
            seen[key] = name
            unique[name] = tensor.contiguous()
    safetensors.torch.save_file(unique, str(output / WEIGHTS_FILE), metadata={"format": "int8"})
    metadata = {
        "format": CONVERSION_FORMAT,
        "source": str(folder.path),
        "model_id": folder.model_id,
        "quantization": "int8",
        "parameters": parameters,
        "tied": tied,
    }
    (output / METADATA_FILE).write_text(json.dumps(metadata, indent=2), encoding="utf-8")


def both_conversions(model: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The reference and the streamed conversion of ``model``, in two new folders."""
    folder = resolve(str(model))
    reference, streamed = tmp_path / "reference", tmp_path / "streamed"
    reference.mkdir()
    streamed.mkdir()
    whole_model_conversion(folder, reference)
    convert_to_int8(folder, streamed, lambda percent, text: None)
    return reference, streamed


def assert_same_files(reference: Path, streamed: Path) -> None:
    for name in (WEIGHTS_FILE, METADATA_FILE):
        assert (streamed / name).read_bytes() == (reference / name).read_bytes(), name
    assert sorted(p.name for p in streamed.iterdir()) == sorted([WEIGHTS_FILE, METADATA_FILE])


def copy_with_weights(model: Path, tmp_path: Path, change: Any, **save: Any) -> Path:
    """A copy of the pickle ``model`` whose weights ``change`` rewrote."""
    import torch

    copy = tmp_path / "changed-model"
    shutil.copytree(model, copy)
    state = torch.load(model / "pytorch_model.bin", weights_only=True)
    torch.save(change(state), copy / "pytorch_model.bin", **save)
    return copy


@pytest.mark.parametrize("weights", ["bin", "safetensors"])
def test_the_streamed_conversion_writes_what_the_whole_model_conversion_wrote(
    tiny_model: Path, tiny_safetensors_model: Path, tmp_path: Path, weights: str
) -> None:
    """Byte for byte: the same tensors, the same layout, the same tied names and metadata."""
    model = tiny_model if weights == "bin" else tiny_safetensors_model
    reference, streamed = both_conversions(model, tmp_path)
    tied = json.loads((streamed / METADATA_FILE).read_text("utf-8"))["tied"]
    assert tied["model.decoder.embed_tokens.weight_int8"] == "model.shared.weight_int8"
    assert_same_files(reference, streamed)


def test_checkpoints_without_the_prefix_or_tied_copies_convert_the_same(
    tiny_model: Path, tmp_path: Path
) -> None:
    """Names without the base model's ``model.`` prefix, tied weights stored once, and no
    ``final_logits_bias`` (transformers starts it at zeros) are read as transformers reads them.
    """

    def strip(state: dict[str, Any]) -> dict[str, Any]:
        left_out = ("lm_head.weight", "final_logits_bias", "model.encoder.embed_tokens.weight")
        return {k.removeprefix("model."): v for k, v in state.items() if k not in left_out}

    model = copy_with_weights(tiny_model, tmp_path, strip)
    assert_same_files(*both_conversions(model, tmp_path))


def test_a_legacy_pickle_that_cannot_be_mapped_converts_the_same(
    tiny_model: Path, tmp_path: Path
) -> None:
    model = copy_with_weights(
        tiny_model, tmp_path, lambda state: state, _use_new_zipfile_serialization=False
    )
    assert not PickleCheckpoint(model / "pytorch_model.bin").mapped
    assert_same_files(*both_conversions(model, tmp_path))


def test_progress_is_reported_for_each_tensor_from_10_to_80(
    tiny_model: Path, tmp_path: Path
) -> None:
    steps: list[tuple[int, str]] = []
    convert_to_int8(resolve(str(tiny_model)), tmp_path, lambda p, text: steps.append((p, text)))
    percents = [percent for percent, _ in steps]
    assert percents == sorted(percents) and percents[0] == 10 and percents[-1] == 80
    counted = [text for _, text in steps if " of " in text]
    # One report per tensor of the float model, tied weights once: the tiny model's state
    # dict has 79 names, four of them (embeddings and output layer) for one weight.
    assert len(counted) == 76
    assert counted[-1] == "Preparing the fast engine: int8 weights (76 of 76)…"


def test_a_disk_without_room_for_the_conversion_is_refused(tmp_path: Path) -> None:
    free = shutil.disk_usage(tmp_path).free
    check_free_space(tmp_path, needed=1)
    with pytest.raises(EngineError) as refused:
        check_free_space(tmp_path, needed=free + 10**15)
    message = str(refused.value)
    assert f"GB free in {tmp_path}, only {free / 1e9:.1f} GB free" in message
    assert f"needs {(free + 10**15) / 1e9:.1f} GB" in message


def test_the_conversion_checks_the_disk_before_writing(tiny_model: Path, tmp_path: Path) -> None:
    """A conversion that would need more room than the disk has writes nothing."""
    with pytest.raises(EngineError, match="GB free in"):
        convert_to_int8(resolve(str(tiny_model)), tmp_path, lambda p, t: None, margin=10**18)
    assert not list(tmp_path.iterdir())


def test_weights_that_do_not_fit_the_config_are_named_in_the_error(
    tiny_model: Path, tmp_path: Path
) -> None:
    """The child process's message reaches the app's error, and no conversion is left."""

    def shrink(state: dict[str, Any]) -> dict[str, Any]:
        name = "model.decoder.layers.1.fc2.weight"
        return {**state, name: state[name][:, :8].clone()}

    model = copy_with_weights(tiny_model, tmp_path, shrink)
    target = tmp_path / "data" / "converted"
    with pytest.raises(EngineError) as failed:
        convert_atomically(resolve(str(model)), target, lambda p, t: None)
    message = str(failed.value)
    assert "for the fast engine: The weights in" in message  # the message, not a traceback
    assert "model.decoder.layers.1.fc2.weight is [32, 8], the model needs [32, 64]." in message
    assert not list(target.parent.iterdir())


def test_weights_missing_from_the_checkpoint_are_named(tiny_model: Path, tmp_path: Path) -> None:
    def drop(state: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in state.items() if k != "model.encoder.layer_norm.weight"}

    model = copy_with_weights(tiny_model, tmp_path, drop)
    with pytest.raises(EngineError, match=r"lack model\.encoder\.layer_norm\.weight\."):
        convert_to_int8(resolve(str(model)), tmp_path, lambda p, t: None)


def resident_file_pages() -> int:
    """This process's memory-mapped file pages in memory (kB), as the kernel counts them."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1])
    raise AssertionError("no RssFile in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pages are released on Linux")
def test_a_converted_tensors_mapped_pages_leave_the_process(tmp_path: Path) -> None:
    """Else reading a memory-mapped checkpoint would grow the process by the whole file."""
    import torch

    path = tmp_path / "pytorch_model.bin"
    torch.save({"big": torch.ones(16 * 1024 * 1024)}, path)  # 64 MB
    checkpoint = PickleCheckpoint(path)
    assert checkpoint.mapped
    before = resident_file_pages()
    tensor = checkpoint.read("big")
    assert float(tensor.sum()) == 16 * 1024 * 1024  # every page read
    assert resident_file_pages() - before > 60_000
    checkpoint.release(tensor)
    assert resident_file_pages() - before < 4_000
    assert float(tensor.sum()) == 16 * 1024 * 1024  # still readable: read from the file again
    checkpoint.release(tensor)
    checkpoint.close()


def test_quantizing_a_block_of_rows_at_a_time_gives_the_whole_tensor_s_result() -> None:
    import torch

    from core.engines.int8_format import QUANTIZE_ROWS_AT_ONCE, quantize_in_chunks
    from core.engines.int8_layers import quantize_rows

    torch.manual_seed(0)
    weight = torch.randn(2 * QUANTIZE_ROWS_AT_ONCE + 37, 48) * torch.rand(1, 48) * 3
    values, scales = quantize_in_chunks(weight)
    whole_values, whole_scales = quantize_rows(weight)
    assert torch.equal(values, whole_values) and torch.equal(scales, whole_scales)
