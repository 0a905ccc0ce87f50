"""Random-weight BlenderBot models in the hub's file layout, for tests and benchmarks.

The hub cannot be reached from the project's machines, so tests build tiny models with the
same files as ``facebook/blenderbot-400M-distill`` (config, generation config, a byte-level
BPE tokenizer as ``vocab.json`` + ``merges.txt``, pickle or safetensors weights) and load them
through the app's real loading code. ``published=`` names a published config kept in
``configs/`` beside this module (the 400M-distill, 1B-distill and 3B shapes; ``full_size=True``
is the 400M-distill) for benchmarks. The benchmark and the tests both build
models here, so this lives outside both.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Literal

CONFIGS_DIR = Path(__file__).resolve().parent / "configs"
REAL_CONFIG_DIR = CONFIGS_DIR / "blenderbot-400M-distill"
# The published configs in ``configs/``: the 1B-distill and 3B files are the 400M-distill's
# with the shape fields of the published ones (d_model, layers, feed-forward; issue 14).
PUBLISHED = ("blenderbot-400M-distill", "blenderbot-1B-distill", "blenderbot-3B")

CORPUS = [
    "Hello there, how are you doing today? I am doing well, thank you for asking.",
    "I love dogs and cats. Do you have any pets at home? My dog is called Max.",
    "What is your favorite food? I like pizza, pasta and fresh bread from the bakery.",
    "The weather is nice today, we should go for a walk in the park by the river.",
    "Do you like music? I play the guitar and sing in a band on the weekends.",
    "Where are you from? I grew up in a small town near the mountains and the sea.",
    "Reading books is my hobby. Have you read anything good lately? Tell me more!",
    "<b>bold</b> <img src=x> <script>alert(1)</script> & ünïcödé ✓ 你好 🙂",
]

GENERATION_CONFIG: dict[str, Any] = json.loads(
    (REAL_CONFIG_DIR / "generation_config.json").read_text(encoding="utf-8")
)
SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<unk>", "<mask>"]


def write_tokenizer(folder: Path, vocab_size: int) -> None:
    """A byte-level BPE tokenizer with BlenderBot's special ids, padded to ``vocab_size``."""
    from tokenizers import ByteLevelBPETokenizer

    tokenizer = ByteLevelBPETokenizer()
    tokenizer.train_from_iterator(
        CORPUS * 4, vocab_size=min(vocab_size, 400), min_frequency=1, special_tokens=SPECIAL_TOKENS
    )
    tokenizer.save_model(str(folder))
    vocab_path = folder / "vocab.json"
    vocab: dict[str, int] = json.loads(vocab_path.read_text(encoding="utf-8"))
    filler = 0
    while len(vocab) < vocab_size:  # unreachable entries, so ids up to vocab_size decode
        vocab.setdefault(f"Ġfiller{filler}", len(vocab))
        filler += 1
    vocab_path.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"model_max_length": 128, "tokenizer_class": "BlenderbotTokenizer"}),
        encoding="utf-8",
    )
    (folder / "special_tokens_map.json").write_text(
        json.dumps(
            {
                "bos_token": "<s>",
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "pad_token": "<pad>",
                "mask_token": "<mask>",
                "sep_token": "</s>",
                "cls_token": "<s>",
            }
        ),
        encoding="utf-8",
    )


def published_config(name: str) -> dict[str, Any]:
    """The published config ``name`` (one of ``PUBLISHED``), without its ``_name_or_path``."""
    if name not in PUBLISHED:
        raise ValueError(f"No published config {name!r}; there are {', '.join(PUBLISHED)}.")
    config: dict[str, Any] = json.loads((CONFIGS_DIR / name / "config.json").read_text("utf-8"))
    config.pop("_name_or_path", None)
    return config


def tiny_config(**overrides: Any) -> dict[str, Any]:
    """A BlenderBot config with the real model's structure at a tiny width."""
    config: dict[str, Any] = json.loads((REAL_CONFIG_DIR / "config.json").read_text("utf-8"))
    config.update(
        d_model=32,
        encoder_layers=1,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        vocab_size=512,
    )
    config.pop("_name_or_path", None)
    config.update(overrides)
    return config


def build_blenderbot(
    folder: Path,
    weights: Literal["bin", "safetensors"] = "bin",
    full_size: bool = False,
    seed: int = 0,
    published: str | None = None,
    **config_overrides: Any,
) -> Path:
    """Write a random-weight BlenderBot to ``folder`` (created) and return it.

    ``published``: the name of a config in ``PUBLISHED`` to build at its real size
    (``full_size=True`` means the 400M-distill's); otherwise a tiny model. The model is in
    memory once: its weights are saved as they are, never copied (the 3B's are 11 GB).
    """
    import torch
    from transformers import BlenderbotConfig, BlenderbotForConditionalGeneration

    folder.mkdir(parents=True, exist_ok=True)
    if full_size and published is None:
        published = REAL_CONFIG_DIR.name
    if published is not None:
        config_dict = published_config(published)
        config_dict.update(config_overrides)
    else:
        config_dict = tiny_config(**config_overrides)
    write_tokenizer(folder, config_dict["vocab_size"])
    torch.manual_seed(seed)
    config = BlenderbotConfig(**config_dict)
    model = BlenderbotForConditionalGeneration(config).eval()
    if published is None:
        # Larger logits than the default init, so greedy decoding picks clear winners and
        # different engines agree token for token despite float rounding.
        with torch.no_grad():
            model.model.shared.weight.normal_(0.0, 1.0)
    (folder / "config.json").write_text(json.dumps(config_dict, indent=2), encoding="utf-8")
    (folder / "generation_config.json").write_text(
        json.dumps(GENERATION_CONFIG, indent=2), encoding="utf-8"
    )
    if weights == "bin":
        # ``contiguous`` returns a contiguous tensor itself, so this holds no second copy.
        state = {k: v.contiguous() for k, v in model.state_dict().items()}
        torch.save(state, folder / "pytorch_model.bin")
    else:
        model.save_pretrained(folder)  # model.safetensors, tied weights stored once
        (folder / "generation_config.json").write_text(
            json.dumps(GENERATION_CONFIG, indent=2), encoding="utf-8"
        )
        (folder / "config.json").write_text(json.dumps(config_dict, indent=2), encoding="utf-8")
    return folder


def install_in_hub_cache(model_folder: Path, cache_dir: Path, repo_id: str) -> Path:
    """Copy a model folder into a Hugging Face cache layout, as a download would leave it."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo_dir = cache_dir / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo_dir / "snapshots" / commit
    snapshot.mkdir(parents=True, exist_ok=True)
    for item in model_folder.iterdir():
        shutil.copy2(item, snapshot / item.name)
    (repo_dir / "refs").mkdir(exist_ok=True)
    (repo_dir / "refs" / "main").write_text(commit, encoding="utf-8")
    return snapshot
