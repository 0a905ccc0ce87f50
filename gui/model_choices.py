"""The app's model choices: the model picker, Preferences, and falling back from an engine
that cannot run the model.

What the app remembers is always what is in use: a model, engine or device is written to
the settings file once a model has loaded with it, and a choice that fails to load falls
back to one that works (the automatic engine), with a message, and that is remembered
instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QDialog

from core.devices import DEVICE_AUTO, DEVICE_CPU, available_devices
from core.servers import ServerConfig
from core.settings import ModelLimits
from gui.chat_settings_menu import ENGINE_LABELS
from gui.model_picker import SERVER_PREFIX, ModelPicker
from gui.preferences import PreferencesDialog
from gui.server_dialog import ServerDialog, forget_server, key_of

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger(__name__)


class ModelChoices:
    """Carries out the model, engine, device and reply-style choices of one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.fallback_message = ""
        self.picker: ModelPicker | None = None
        self.preferences: PreferencesDialog | None = None
        self.server_dialog: ServerDialog | None = None
        self.session_keys: dict[str, str] = {}  # keys kept for this session only

    def _busy(self) -> bool:
        if self.window.session.pending:
            self.window.statusBar().showMessage(
                QCoreApplication.translate("ModelChoices", "Wait for the reply, or press Stop."),
                4000,
            )
            return True
        return False

    def pick_model(self, parent: QDialog | None = None) -> str:
        """Run the model picker; the reference chosen, or "" when cancelled."""
        window = self.window
        picker = ModelPicker(
            window.options.data_dir,
            window.settings.recent_models,
            window.model_setup.reference,
            parent or window,
            servers=window.settings.servers,
            edit_server=lambda server: self.edit_server(server, picker),
            forget_server=lambda name: forget_server(window.settings, name, self.session_keys),
            engine=window.engine_choice,
        )
        self.picker = picker
        accepted = picker.exec() == QDialog.DialogCode.Accepted
        if window.options.persist:
            window.settings.recent_models = picker.recent
        return picker.reference if accepted else ""

    def edit_server(
        self, server: ServerConfig | None, parent: ModelPicker | None = None
    ) -> ServerConfig | None:
        """Add a server (``None``) or edit one; the saved server, or None if cancelled."""
        dialog = ServerDialog(self.window.settings, server, self.session_keys, parent)
        self.server_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.config

    def server_for(self, reference: str) -> tuple[ServerConfig | None, str]:
        """The server a model reference names and its key: "server:<name>" for a server the
        user added, or the command line's ``--server`` for the reference it came with."""
        window = self.window
        if reference.startswith(SERVER_PREFIX):
            name = reference.removeprefix(SERVER_PREFIX)
            server = window.settings.server(name)
            if server is None:
                return None, ""
            return server, key_of(window.settings, name, self.session_keys)
        launched = window.options.server
        if launched is not None and reference == window.options.model_reference:
            return launched, window.options.api_key
        return None, ""

    def choose_model(self) -> None:
        """Model > Choose Model (and the status bar's Model… button): the chosen model loads
        (a download asks first, as always), and the chat shown stays as it is."""
        if self._busy():
            return
        reference = self.pick_model()
        if reference:
            self.window.start_loading(reference)
        self.window.input_box.setFocus()

    def open_preferences(self) -> None:
        """Edit > Preferences (Ctrl+,): the chat's reply settings, and the engine, threads,
        device and model of the app."""
        window = self.window
        info = window.model_info
        limits = ModelLimits() if info is None else ModelLimits.of(
            info.context_limit, info.architecture
        )
        defaults = {} if info is None else dict(info.generation_defaults)
        devices = [DEVICE_AUTO, DEVICE_CPU]
        if info is not None:  # torch is loaded already: asking it for GPUs costs nothing
            devices = [device for device, _label in available_devices()]
        dialog = PreferencesDialog(
            window.settings,
            window.session.transcript.settings,
            limits,
            defaults,
            window.engine_choice,
            window.threads,
            devices,
            window,
            device=window.settings.device,
            model_reference=window.model_setup.reference,
        )
        self.preferences = dialog
        dialog.choose_model_button.clicked.connect(
            lambda: dialog.set_model_reference(self.pick_model(dialog) or dialog.model_reference())
        )
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        window.input_box.setFocus()
        if not accepted:
            return
        window.session.set_settings(dialog.settings())
        window.chat_settings.show_chat_settings(dialog.settings())
        reload = (
            dialog.engine_choice() != window.engine_choice
            or dialog.threads() != window.threads
            or dialog.device() != window.settings.device
            or dialog.model_reference() != window.model_setup.reference
        )
        window.engine_choice, window.threads = dialog.engine_choice(), dialog.threads()
        if window.options.persist:
            dialog.remember()
        if reload and not window.session.pending:
            window.start_loading(dialog.model_reference())

    def fall_back(self, message: str) -> bool:
        """A load failed: if an engine other than Automatic was asked for, load again with
        Automatic, say so, and remember that instead. False when there is nothing to fall
        back to (the error is then shown as it is)."""
        window = self.window
        if window.engine_choice == "auto":
            return False
        failed = ENGINE_LABELS[window.engine_choice]
        log.warning("the %s engine failed (%s); falling back to auto", failed, message)
        failed = QCoreApplication.translate("ChatSettingsMenu", failed)
        window.engine_choice = "auto"
        window.chat_settings.show_engine("auto")
        if window.options.persist:
            window.settings.engine = "auto"
        self.fallback_message = QCoreApplication.translate(
            "ModelChoices",
            "The {engine} engine cannot run this model, so Confab uses Automatic. ({message})",
        ).format(engine=failed, message=message)
        window.statusBar().showMessage(self.fallback_message, 20000)
        QTimer.singleShot(0, window.model_setup.start_loading)
        return True
