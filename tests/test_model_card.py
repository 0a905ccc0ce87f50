"""A model's own name and license, read from its folder: model card, config, GGUF metadata."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core.model_card import front_matter, read_model_card, server_card

CARD = """---
language: en
license: apache-2.0  # as the hub writes it
tags:
  - license: not-this-one
model_name: "Tiny Chat 7B"
---

# A heading that is not the name

Some text.
"""


def test_the_model_cards_front_matter_gives_name_and_license(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(CARD, encoding="utf-8")
    (tmp_path / "config.json").write_text('{"license": "mit"}', encoding="utf-8")
    card = read_model_card(tmp_path, "folder-name")
    assert (card.name, card.license, card.license_source) == (
        "Tiny Chat 7B",
        "apache-2.0",
        "README.md",
    )


def test_license_other_is_named_by_license_name(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(
        "---\nlicense: other\nlicense_name: llama3\n---\n# Llama Chat\n", encoding="utf-8"
    )
    card = read_model_card(tmp_path, "folder-name")
    assert (card.name, card.license) == ("Llama Chat", "llama3")


def test_without_a_card_the_config_names_the_model(tmp_path: Path) -> None:
    config = {"_name_or_path": "someone/tiny-chat", "license": "bsd-3-clause"}
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    card = read_model_card(tmp_path, "folder-name")
    assert (card.name, card.license, card.license_source) == (
        "someone/tiny-chat",
        "bsd-3-clause",
        "config.json",
    )


def test_a_local_path_in_the_config_is_not_a_name(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"_name_or_path": "/tmp/x/model"}', encoding="utf-8")
    card = read_model_card(tmp_path, "folder-name")
    assert (card.name, card.license) == ("folder-name", None)


def test_gguf_metadata_gives_name_and_license(tmp_path: Path) -> None:
    from gguf import GGUFWriter

    writer = GGUFWriter(str(tmp_path / "model.gguf"), "llama")
    writer.add_name("SmolTest 135M")
    writer.add_license("apache-2.0")
    writer.add_tensor("dummy", np.zeros(4, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    card = read_model_card(tmp_path, "model")
    assert (card.name, card.license, card.license_source) == (
        "SmolTest 135M",
        "apache-2.0",
        "GGUF metadata",
    )


def test_a_blenderbot_without_a_card_gets_the_catalogs_license(tmp_path: Path) -> None:
    card = read_model_card(tmp_path, "facebook/blenderbot-400M-distill")
    assert card.license == "Apache-2.0"
    assert read_model_card(tmp_path, "someone/unknown-model").license is None


def test_an_unreadable_or_odd_folder_gives_unknown(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_bytes(b"---\nlicense: [unclosed\n")
    (tmp_path / "config.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "model.gguf").write_bytes(b"not a gguf file")
    card = read_model_card(tmp_path, "mystery")
    assert (card.name, card.license) == ("mystery", None)
    assert read_model_card(tmp_path / "missing", "gone").license is None


def test_front_matter_reads_only_top_level_scalars() -> None:
    fields = front_matter(CARD)
    assert fields["license"] == "apache-2.0"
    assert fields["model_name"] == "Tiny Chat 7B"
    assert "tags" not in fields
    assert front_matter("no front matter\nlicense: mit\n") == {}


def test_a_server_model_says_its_license_is_the_servers() -> None:
    card = server_card("llama3.1:8b")
    assert (card.name, card.license, card.on_server) == ("llama3.1:8b", None, True)
