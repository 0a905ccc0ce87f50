"""The app's remembered choices, stored as an INI file in the data folder."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from core.engines import ENGINE_CHOICES, EngineChoice, default_threads
from core.servers import ServerConfig
from core.settings import CUSTOM_PRESET, DEFAULT_PRESET, PRESETS, GenerationSettings
from gui.theme import ThemeChoice, parse_choice

MAX_RECENT_FILES = 10
MAX_RECENT_MODELS = 8
MIN_ZOOM = 60  # percent of the normal text size
MAX_ZOOM = 250


class AppSettings:
    """Typed access to ``<data-dir>/settings.ini``; bad values fall back to defaults."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "settings.ini"
        self._store = QSettings(str(self.path), QSettings.Format.IniFormat)

    def _str(self, key: str, default: str = "") -> str:
        value = self._store.value(key, default)
        return value if isinstance(value, str) else default

    @property
    def model(self) -> str:
        """The last model chosen (hub id or folder), or "" for the default."""
        return self._str("model/reference")

    @model.setter
    def model(self, reference: str) -> None:
        self._store.setValue("model/reference", reference)

    @property
    def engine(self) -> EngineChoice:
        value = self._str("model/engine", "auto")
        for choice in ENGINE_CHOICES:
            if value == choice:
                return choice
        return "auto"

    @engine.setter
    def engine(self, choice: EngineChoice) -> None:
        self._store.setValue("model/engine", choice)

    @property
    def threads(self) -> int:
        try:
            value = int(str(self._store.value("model/threads", 0)))
        except ValueError:
            value = 0
        return value if value > 0 else default_threads()

    @threads.setter
    def threads(self, count: int) -> None:
        self._store.setValue("model/threads", count)

    @property
    def preset(self) -> str:
        """The reply style chosen: a built-in preset, a user preset, or ``CUSTOM_PRESET``."""
        value = self._str("generation/preset", DEFAULT_PRESET)
        known = value in PRESETS or value == CUSTOM_PRESET or value in self.user_presets
        return value if known else DEFAULT_PRESET

    @preset.setter
    def preset(self, name: str) -> None:
        self._store.setValue("generation/preset", name)

    @property
    def custom_generation(self) -> GenerationSettings:
        """The settings of the ``CUSTOM_PRESET`` style (JSON overrides in the file)."""
        try:
            data = json.loads(self._str("generation/custom", "{}"))
        except ValueError:
            return GenerationSettings()
        return GenerationSettings.from_dict(data if isinstance(data, dict) else {})

    @custom_generation.setter
    def custom_generation(self, settings: GenerationSettings) -> None:
        self._store.setValue("generation/custom", json.dumps(settings.overrides(), sort_keys=True))

    @property
    def generation(self) -> GenerationSettings:
        """The settings of the chosen reply style (what new chats start with)."""
        name = self.preset
        if name in PRESETS:
            return PRESETS[name]
        if name == CUSTOM_PRESET:
            return self.custom_generation
        return GenerationSettings.from_dict(self.user_presets[name])

    @property
    def recent_files(self) -> list[str]:
        value = self._store.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [str(v) for v in value if isinstance(v, str) and v][:MAX_RECENT_FILES]

    @recent_files.setter
    def recent_files(self, paths: list[str]) -> None:
        self._store.setValue("files/recent", paths[:MAX_RECENT_FILES])

    def add_recent_file(self, path: str) -> None:
        """Put ``path`` first in Open Recent."""
        self.recent_files = [path] + [p for p in self.recent_files if p != path]

    @property
    def recent_models(self) -> list[str]:
        """Models that loaded, newest first (hub ids or folders), for the model picker."""
        value = self._store.value("model/recent", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [str(v) for v in value if isinstance(v, str) and v][:MAX_RECENT_MODELS]

    @recent_models.setter
    def recent_models(self, references: list[str]) -> None:
        self._store.setValue("model/recent", references[:MAX_RECENT_MODELS])

    def add_recent_model(self, reference: str) -> None:
        """Put ``reference`` first among the recent models."""
        self.recent_models = [reference] + [r for r in self.recent_models if r != reference]

    @property
    def device(self) -> str:
        """Where models run: "auto", "cpu", or "cuda:N" (bad values read as "auto")."""
        value = self._str("model/device", "auto")
        if value in ("auto", "cpu", "mps") or (
            value.startswith("cuda:") and value[5:].isdigit()
        ):
            return value
        return "auto"

    @device.setter
    def device(self, value: str) -> None:
        self._store.setValue("model/device", value)

    @property
    def user_presets(self) -> dict[str, dict[str, Any]]:
        """Generation presets the user saved: name -> the settings' overrides (JSON text in the
        file; a damaged entry is skipped, never fatal)."""
        raw = self._str("generation/user_presets", "{}")
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, dict)}

    @user_presets.setter
    def user_presets(self, presets: dict[str, dict[str, Any]]) -> None:
        self._store.setValue("generation/user_presets", json.dumps(presets, sort_keys=True))

    @property
    def geometry(self) -> QByteArray | None:
        value = self._store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._store.setValue("window/geometry", value)

    @property
    def zoom(self) -> int:
        """The text size of the messages and the input box, in percent (100: normal)."""
        try:
            value = int(str(self._store.value("window/zoom", 100)))
        except ValueError:
            return 100
        return value if MIN_ZOOM <= value <= MAX_ZOOM else 100

    @zoom.setter
    def zoom(self, percent: int) -> None:
        self._store.setValue("window/zoom", percent)

    @property
    def splitter_state(self) -> QByteArray | None:
        value = self._store.value("window/splitter")
        return value if isinstance(value, QByteArray) else None

    @splitter_state.setter
    def splitter_state(self, value: QByteArray) -> None:
        self._store.setValue("window/splitter", value)

    @property
    def sidebar_visible(self) -> bool:
        return self._str("window/sidebar", "true") != "false"

    @sidebar_visible.setter
    def sidebar_visible(self, visible: bool) -> None:
        self._store.setValue("window/sidebar", "true" if visible else "false")

    # -- inference servers ----------------------------------------------------------------------
    @property
    def servers(self) -> list[ServerConfig]:
        """The servers the user added (without their keys: those are in the keyring)."""
        data = self._json("servers/list", [])
        servers = []
        for item in data if isinstance(data, list) else []:
            if not isinstance(item, dict):
                continue
            name, base, model = item.get("name"), item.get("base_url"), item.get("model")
            if not (isinstance(name, str) and isinstance(base, str) and isinstance(model, str)):
                continue
            context = item.get("context_length")
            timeout = item.get("read_timeout_s")
            servers.append(
                ServerConfig(
                    name,
                    base,
                    model,
                    context if isinstance(context, int) and context > 0 else None,
                    float(timeout) if isinstance(timeout, int | float) and timeout > 0 else 120.0,
                )
            )
        return servers

    @servers.setter
    def servers(self, servers: list[ServerConfig]) -> None:
        self._store.setValue(
            "servers/list", json.dumps([asdict(server) for server in servers], sort_keys=True)
        )

    def server(self, name: str) -> ServerConfig | None:
        return next((s for s in self.servers if s.name == name), None)

    @property
    def keys_in_file(self) -> dict[str, str]:
        """API keys the user agreed to keep in this file (no keyring on the system)."""
        data = self._json("servers/keys_in_plain_text", {})
        if not isinstance(data, dict):
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, str)}

    @keys_in_file.setter
    def keys_in_file(self, keys: dict[str, str]) -> None:
        if keys:
            self._store.setValue("servers/keys_in_plain_text", json.dumps(keys, sort_keys=True))
        else:
            self._store.remove("servers/keys_in_plain_text")

    @property
    def warned_insecure(self) -> list[str]:
        """Base URLs whose plain-http warning was shown already (it is shown once)."""
        data = self._json("servers/warned_insecure", [])
        return [str(v) for v in data if isinstance(v, str)] if isinstance(data, list) else []

    @warned_insecure.setter
    def warned_insecure(self, urls: list[str]) -> None:
        self._store.setValue("servers/warned_insecure", json.dumps(urls))

    def _json(self, key: str, default: Any) -> Any:
        try:
            return json.loads(self._str(key, json.dumps(default)))
        except ValueError:
            return default

    @property
    def persona_panel_visible(self) -> bool:
        return self._str("window/persona_panel", "false") == "true"

    @persona_panel_visible.setter
    def persona_panel_visible(self, visible: bool) -> None:
        self._store.setValue("window/persona_panel", "true" if visible else "false")

    @property
    def theme(self) -> ThemeChoice:
        """View > Theme: "system" (follow the desktop), "light" or "dark"."""
        return parse_choice(self._str("view/theme", "system"))

    @theme.setter
    def theme(self, choice: ThemeChoice) -> None:
        self._store.setValue("view/theme", choice)

    @property
    def language(self) -> str:
        """Preferences > Interface > Language: "system" (the locale's) or a language code."""
        return self._str("view/language", "system") or "system"

    @language.setter
    def language(self, code: str) -> None:
        self._store.setValue("view/language", code)

    @property
    def plain_replies(self) -> bool:
        """View > Replies as Plain Text: the bot's Markdown shown as it was written."""
        return self._str("view/plain_replies", "false") == "true"

    @plain_replies.setter
    def plain_replies(self, plain: bool) -> None:
        self._store.setValue("view/plain_replies", "true" if plain else "false")

    @property
    def library_import_offered(self) -> bool:
        """Whether the autosave and recent files were offered for import into the library."""
        return self._str("library/import_offered") == "true"

    @library_import_offered.setter
    def library_import_offered(self, offered: bool) -> None:
        self._store.setValue("library/import_offered", "true" if offered else "false")

    @property
    def unsent_draft(self) -> tuple[str, str]:
        """What the input box held at the last quit: (the chat's file, or "" for a chat never
        written; the text). ``("", "")`` when it was empty (``gui.unsent_draft``)."""
        return self._str("library/unsent_draft_chat"), self._str("library/unsent_draft")

    @unsent_draft.setter
    def unsent_draft(self, value: tuple[str, str]) -> None:
        self._store.setValue("library/unsent_draft_chat", value[0])
        self._store.setValue("library/unsent_draft", value[1])

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._store.sync()
