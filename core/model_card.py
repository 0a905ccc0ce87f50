"""A loaded model's own name and license, as its folder states them (Help > About).

The sources, first found wins for each field:

1. the YAML front matter of the folder's ``README.md`` (the hub's model card): ``license``
   (with ``license_name`` when the license is ``other``) and ``model_name``; the card's
   first ``# heading`` names the model when the front matter does not;
2. ``config.json``: ``license`` (rare) and ``_name_or_path`` when it is a hub id, not a path
   on the machine that saved the model;
3. a single GGUF file's metadata: ``general.name`` and ``general.license``;
4. Confab's catalog, for the BlenderBot checkpoints it offers.

Only the front matter's top-level ``key: value`` lines are read: that is where the hub puts
these fields, and it needs no YAML library. A model on an inference server has no folder
here; its card says so (``on_server``). Nothing here imports Qt or touches the network.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.model_catalog import family_entry

log = logging.getLogger(__name__)

# A hub id: "owner/name" or "name", without the slashes or drive letters of a local path.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_FRONT_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
README_LIMIT = 256_000  # bytes: a model card is a few KB; never read a huge file whole


@dataclass(frozen=True)
class ModelCard:
    """What a model says about itself. ``license`` is None when nothing says."""

    name: str
    license: str | None = None
    license_source: str = ""  # where the license was found: "README.md", "config.json"…
    on_server: bool = False  # the model runs on an inference server; its card is there


def server_card(model_id: str) -> ModelCard:
    """The card of a model on an inference server: its name; the license is the server's."""
    return ModelCard(name=model_id, on_server=True)


def read_model_card(folder: Path, fallback_name: str) -> ModelCard:
    """The name and license of the model in ``folder``; ``fallback_name`` if it has no name."""
    name: str | None = None
    license_: str | None = None
    source = ""
    readers = (
        ("README.md", _from_readme),
        ("config.json", _from_config),
        ("GGUF metadata", _from_gguf),
    )
    for label, reader in readers:
        found_name, found_license = reader(folder)
        name = name or found_name
        if license_ is None and found_license:
            license_, source = found_license, label
    if license_ is None:
        entry = family_entry(name or fallback_name) or family_entry(fallback_name)
        if entry is not None and entry.license:
            license_, source = entry.license, "Confab's model catalog"
    return ModelCard(name=name or fallback_name, license=license_, license_source=source)


def front_matter(text: str) -> dict[str, str]:
    """The top-level scalar fields of a Markdown file's ``---`` YAML front matter."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    fields: dict[str, str] = {}
    for line in lines[1:]:
        if line.strip() in ("---", "..."):
            return fields
        match = _FRONT_LINE.match(line)  # indented lines belong to a list or mapping: skipped
        if match and match.group(2).strip():
            fields[match.group(1)] = _scalar(match.group(2))
    return {}  # never closed: not front matter


def _scalar(value: str) -> str:
    value = value.split(" #", 1)[0].strip()  # a YAML comment after the value
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value.strip()


def _from_readme(folder: Path) -> tuple[str | None, str | None]:
    text = _read_text(folder / "README.md")
    if text is None:
        return None, None
    fields = front_matter(text)
    license_ = fields.get("license") or None
    if license_ is not None and license_.lower() == "other" and fields.get("license_name"):
        license_ = fields["license_name"]
    name = fields.get("model_name") or _first_heading(text)
    return name or None, license_


def _first_heading(text: str) -> str | None:
    in_front_matter = text.lstrip("\ufeff").startswith("---")
    for index, line in enumerate(text.lstrip("\ufeff").splitlines()):
        if in_front_matter:
            if index > 0 and line.strip() in ("---", "..."):
                in_front_matter = False
            continue
        if line.startswith("# "):
            return line[2:].strip() or None
    return None


def _from_config(folder: Path) -> tuple[str | None, str | None]:
    text = _read_text(folder / "config.json")
    if text is None:
        return None, None
    try:
        config: Any = json.loads(text)
    except json.JSONDecodeError:
        return None, None
    if not isinstance(config, dict):
        return None, None
    name = config.get("_name_or_path")
    license_ = config.get("license")
    return (
        name if isinstance(name, str) and _HUB_ID.match(name) else None,
        license_ if isinstance(license_, str) and license_.strip() else None,
    )


def _from_gguf(folder: Path) -> tuple[str | None, str | None]:
    files = sorted(folder.glob("*.gguf")) if folder.is_dir() else []
    if len(files) != 1:
        return None, None
    try:
        from gguf import GGUFReader

        fields = GGUFReader(str(files[0])).fields
        values = []
        for key in ("general.name", "general.license"):
            field = fields.get(key)
            value = field.contents() if field is not None else None
            values.append(value.strip() if isinstance(value, str) and value.strip() else None)
    except Exception as error:  # noqa: BLE001 - a damaged file fails in many ways
        log.info("No metadata from %s: %s", files[0], error)
        return None, None
    return values[0], values[1]


def _read_text(path: Path) -> str | None:
    try:
        with path.open("rb") as file:
            return file.read(README_LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return None
