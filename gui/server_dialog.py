"""Add or edit an inference server: name, address, API key, model, context length.

"Test connection" asks the server in a background thread (the window never waits on the
network) and says in plain words what is wrong; its model list fills the model box. Saving
keeps the key in the system keyring; where there is none, the user is asked before the key
is kept in ``settings.ini`` in plain text (No keeps it for this session only). A plain
``http://`` address that is not on this computer or the local network is warned about once.

``ServerDialog(app_settings, server, session_keys, parent)``; after ``exec()`` accepts,
``dialog.config`` is the saved ``ServerConfig`` (already stored in ``app_settings.servers``)
and ``dialog.api_key`` its key.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME
from core.secrets import SecretError, delete_key, keyring_available, load_key, store_key
from core.servers import (
    ConnectionReport,
    ServerConfig,
    check_connection,
    insecure_warning,
    normalize_base_url,
)
from gui.app_settings import AppSettings


class _Checker(QObject):
    """Runs ``check_connection`` in a thread of its own and reports on the GUI thread."""

    finished = Signal(object)  # ConnectionReport

    def start(self, base_url: str, api_key: str, model: str) -> None:
        def work() -> None:
            self.finished.emit(check_connection(base_url, api_key, model))

        threading.Thread(target=work, name="server-check", daemon=True).start()


def key_of(settings: AppSettings, name: str, session_keys: dict[str, str]) -> str:
    """A server's API key: from this session, the keyring, or (with consent) the file."""
    return session_keys.get(name) or load_key(name) or settings.keys_in_file.get(name, "")


class ServerDialog(QDialog):
    """The fields of one server, a connection test, and saving with the key kept safe."""

    def __init__(
        self,
        settings: AppSettings,
        server: ServerConfig | None,
        session_keys: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit server") if server else self.tr("Add a server"))
        self.settings = settings
        self.original = server
        self.session_keys = session_keys
        self.config: ServerConfig | None = None
        self.api_key = ""
        self.report: ConnectionReport | None = None
        self.checker = _Checker(self)
        self.checker.finished.connect(self._checked)

        self.name_edit = QLineEdit(server.name if server else "")
        self.name_edit.setPlaceholderText(self.tr("e.g. Home server"))
        self.url_edit = QLineEdit(server.base_url if server else "")
        self.url_edit.setPlaceholderText(
            self.tr("e.g. http://192.168.1.20:8000/v1 or localhost:11434")
        )
        self.key_edit = QLineEdit(key_of(settings, server.name, session_keys) if server else "")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText(self.tr("none: local servers need none"))
        self.model_box = QComboBox()
        self.model_box.setEditable(True)
        self.model_box.setCurrentText(server.model if server else "")
        model_line = self.model_box.lineEdit()
        assert model_line is not None  # an editable combo box has one
        model_line.setPlaceholderText(self.tr("Test connection lists the models"))
        self.context_edit = QLineEdit(
            str(server.context_length) if server and server.context_length else ""
        )
        self.context_edit.setPlaceholderText(self.tr("as the server says (else 4096)"))
        for widget, name in (
            (self.name_edit, self.tr("Server name")),
            (self.url_edit, self.tr("Server address")),
            (self.key_edit, self.tr("API key")),
            (self.model_box, self.tr("Model on the server")),
            (self.context_edit, self.tr("Context length in tokens")),
        ):
            widget.setAccessibleName(name)
        self.test_button = QPushButton(self.tr("&Test Connection"))
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test_connection)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Connection status"))
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("&Name:"), self.name_edit)
        form.addRow(self.tr("&Address:"), self.url_edit)
        form.addRow(self.tr("API &key:"), self.key_edit)
        form.addRow(self.tr("&Model:"), self.model_box)
        form.addRow(self.tr("&Context length:"), self.context_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr(
            "An OpenAI-compatible server (vLLM, llama.cpp's llama-server, Ollama, TGI, LM "
            "Studio). The chat's turns are sent to it; the chats stay in files here."
        )))
        layout.addLayout(form)
        layout.addWidget(self.test_button)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(560, 0)

    # -- testing -------------------------------------------------------------------------------
    @Slot()
    def test_connection(self) -> None:
        self.test_button.setEnabled(False)
        self.status.setText(self.tr("Asking the server…"))
        self.checker.start(
            self.url_edit.text(), self.key_edit.text().strip(), self.model_box.currentText()
        )

    @Slot(object)
    def _checked(self, report: ConnectionReport) -> None:
        self.report = report
        self.test_button.setEnabled(True)
        self.status.setText(report.message)
        if report.suggestion:
            self.url_edit.setText(report.suggestion)
        if report.models:
            typed = self.model_box.currentText()
            self.model_box.clear()
            self.model_box.addItems([m.id for m in report.models])
            self.model_box.setCurrentText(typed or report.models[0].id)

    # -- saving --------------------------------------------------------------------------------
    def _problem(self) -> str:
        name = self.name_edit.text().strip()
        if not name:
            return self.tr("Give the server a name.")
        own = self.original.name if self.original is not None else None
        if name != own and self.settings.server(name) is not None:
            return self.tr("There is a server named {name} already.").format(name=repr(name))
        try:
            normalize_base_url(self.url_edit.text())
        except ValueError as error:
            return str(error)
        context = self.context_edit.text().strip()
        if context and (not context.isdigit() or int(context) < 16):
            return self.tr("The context length is a whole number of tokens (16 or more), or empty.")
        return ""

    @Slot()
    def save(self) -> None:
        problem = self._problem()
        if problem:
            self.status.setText(problem)
            return
        url = normalize_base_url(self.url_edit.text())
        warning = insecure_warning(url)
        warned = self.settings.warned_insecure
        if warning and url not in warned:
            answer = QMessageBox.warning(
                self,
                APP_NAME,
                warning + self.tr(" Keep this address?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            self.settings.warned_insecure = [*warned, url]
        context = self.context_edit.text().strip()
        config = ServerConfig(
            self.name_edit.text().strip(),
            url,
            self.model_box.currentText().strip(),
            int(context) if context else None,
            self.original.read_timeout_s if self.original else 120.0,
        )
        key = self.key_edit.text().strip()
        if not self._keep_key(config.name, key):
            return
        replaced = {config.name} | ({self.original.name} if self.original else set())
        self.settings.servers = [
            s for s in self.settings.servers if s.name not in replaced
        ] + [config]
        if self.original is not None and self.original.name != config.name:
            forget_key(self.settings, self.original.name, self.session_keys)
        self.config, self.api_key = config, key
        self.accept()

    def _keep_key(self, name: str, key: str) -> bool:
        """Keep the key safely; False when the user cancelled."""
        plain = self.settings.keys_in_file
        if keyring_available():
            try:
                store_key(name, key)
            except SecretError as error:
                self.status.setText(str(error))
                return False
            if name in plain:  # the keyring has it now: no plain-text copy stays
                del plain[name]
                self.settings.keys_in_file = plain
            return True
        if not key:
            plain.pop(name, None)
            self.settings.keys_in_file = plain
            return True
        answer = QMessageBox.question(
            self,
            APP_NAME,
            self.tr(
                "This system has no keyring to keep the API key in. Keep it in Confab's "
                "settings file ({path}) in plain text? Anyone who can read that "
                "file can use the key. No keeps it only until Confab closes."
            ).format(path=self.settings.path),
            QMessageBox.StandardButton.Yes
            | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        self.session_keys[name] = key
        if answer == QMessageBox.StandardButton.Yes:
            plain[name] = key
        else:
            plain.pop(name, None)
        self.settings.keys_in_file = plain
        return True


def forget_key(settings: AppSettings, name: str, session_keys: dict[str, str]) -> None:
    """Forget a server's key everywhere Confab kept it."""
    delete_key(name)
    session_keys.pop(name, None)
    plain = settings.keys_in_file
    if plain.pop(name, None) is not None:
        settings.keys_in_file = plain


def forget_server(settings: AppSettings, name: str, session_keys: dict[str, str]) -> None:
    """Remove a server from the list, with its key."""
    settings.servers = [s for s in settings.servers if s.name != name]
    forget_key(settings, name, session_keys)
