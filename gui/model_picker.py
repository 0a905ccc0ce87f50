"""The model picker: choose a BlenderBot, any hub model, a local folder or a recent model.

``ModelPicker(data_dir, recent, current_reference, parent)`` is a modal dialog:

- ``data_dir``: Confab's data folder (its int8 conversions are in ``<data_dir>/models``);
- ``recent``: the recent models, newest first (``AppSettings.recent_models``);
- ``current_reference``: the model in use (it cannot be removed while in use);
- ``parent``: the window it belongs to;
- ``engine``: the engine choice the model will load with ("auto", "fast", "transformers"),
  for the memory check;
- ``available_memory``: the memory free for a model, in bytes (default: psutil's
  ``virtual_memory().available`` when the picker opens; read from ``picker.available_memory``
  whenever the lists are filled, so a test can set it).

After ``exec()`` returns ``QDialog.DialogCode.Accepted``, ``picker.reference`` is the chosen hub
id or folder path, to load with ``MainWindow.start_loading(picker.reference)``; a model not on
this computer yet goes through the usual download-with-consent flow when it is loaded.
``picker.recent`` is the recent list after any Remove (removed or forgotten entries are gone):
store it back with ``AppSettings.recent_models = picker.recent`` whatever the result.
``picker.removed`` lists what each Remove deleted (``core.model_catalog.Removal``).

The dialog lists the BlenderBot family (download size, memory per engine, license, whether
it is downloaded, and a warning line for each engine with which a model does not fit in the
memory available), the recent models, a line for any hub id and a "Choose Folder…" button.
Using a model that does not fit with the engine it will load with asks first (issue 14).
Use accepts the selection (Enter does too; the family list has the focus first); Remove
deletes a downloaded or converted model after a confirmation naming what it deletes and its
size (a local folder is only forgotten, never deleted); Cancel closes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME
from core.model_catalog import (
    FAMILY,
    CatalogEntry,
    MemoryShortfall,
    Removal,
    available_memory_bytes,
    cache_status,
    engine_for_memory,
    entry_for,
    forget_recent,
    hub_id_problem,
    memory_shortfalls,
    recent_entries,
    removal_plan,
    remove_model,
)
from core.models import ModelError, is_local_reference, resolve
from core.servers import ServerConfig
from gui.dialogs import confirm_despite_memory, engine_name, human_size

Source = Literal["family", "recent", "typed", "server"]
SERVER_PREFIX = "server:"  # a reference to an inference server: "server:<its name>"
REFERENCE_ROLE = Qt.ItemDataRole.UserRole


def _ram_text(entry: CatalogEntry) -> str:
    transformers = entry.ram_bytes("transformers")
    fast = entry.ram_bytes("fast")
    if transformers is None:
        return ""
    text = QCoreApplication.translate("ModelPicker", "memory {size} (transformers)").format(
        size=human_size(transformers)
    )
    if fast is not None:
        return QCoreApplication.translate("ModelPicker", "{memory}, {size} (fast)").format(
            memory=text, size=human_size(fast)
        )
    return QCoreApplication.translate(
        "ModelPicker", "{memory}; the fast engine does not run it"
    ).format(memory=text)


def shortfall_text(shortfalls: Sequence[MemoryShortfall]) -> str:
    """The warning line for ``shortfalls``, such as "⚠ Needs about 11.7 GB with Transformers;
    8.2 GB free." ("" when nothing is short)."""
    if not shortfalls:
        return ""
    free = human_size(shortfalls[0].available_bytes)
    needs = [(human_size(s.needed_bytes), engine_name(s.engine)) for s in shortfalls]
    if len(needs) == 1:
        return QCoreApplication.translate(
            "ModelPicker", "⚠ Needs about {size} with {engine}; {free} free."
        ).format(size=needs[0][0], engine=needs[0][1], free=free)
    return QCoreApplication.translate(
        "ModelPicker", "⚠ Needs about {size} with {engine} and {size2} with {engine2}; {free} free."
    ).format(
        size=needs[0][0], engine=needs[0][1], size2=needs[1][0], engine2=needs[1][1], free=free
    )


class ModelPicker(QDialog):
    """Choose the model to chat with; remove downloaded ones (see the module docstring)."""

    def __init__(
        self,
        data_dir: Path,
        recent: Sequence[str],
        current_reference: str = "",
        parent: QWidget | None = None,
        servers: Sequence[ServerConfig] = (),
        edit_server: Callable[[ServerConfig | None], ServerConfig | None] | None = None,
        forget_server: Callable[[str], None] | None = None,
        engine: str = "auto",
        available_memory: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Choose a model"))
        self.engine = engine
        self.available_memory = (
            available_memory_bytes() if available_memory is None else available_memory
        )
        self.data_dir = data_dir
        self.recent: list[str] = list(recent)
        self.current_reference = current_reference
        self.reference = ""
        self.removed: list[Removal] = []
        self.source: Source = "family"
        self.plans: dict[str, Removal] = {}
        self.servers: list[ServerConfig] = list(servers)
        self.edit_server = edit_server
        self.forget_server = forget_server

        family_label = QLabel(self.tr("&BlenderBot models:"))
        self.family_list = QListWidget()
        self.family_list.setAccessibleName(self.tr("BlenderBot models"))
        self.family_list.setAccessibleDescription(
            self.tr("Download size, memory per engine, license, and whether it is on this computer")
        )
        family_label.setBuddy(self.family_list)
        self.recent_label = QLabel(self.tr("&Recent models:"))
        self.recent_list = QListWidget()
        self.recent_list.setAccessibleName(self.tr("Recent models"))
        self.recent_label.setBuddy(self.recent_list)
        servers_label = QLabel(
            self.tr("Inference &servers (OpenAI-compatible: vLLM, llama.cpp, Ollama…):")
        )
        self.server_list = QListWidget()
        self.server_list.setAccessibleName(self.tr("Inference servers"))
        servers_label.setBuddy(self.server_list)
        self.add_server_button = QPushButton(self.tr("&Add Server…"))
        self.add_server_button.setAutoDefault(False)
        self.edit_server_button = QPushButton(self.tr("&Edit Server…"))
        self.edit_server_button.setAutoDefault(False)
        for button in (self.add_server_button, self.edit_server_button):
            button.setVisible(edit_server is not None)
        hub_label = QLabel(self.tr("Any model on the Hugging Face &hub:"))
        self.hub_edit = QLineEdit()
        self.hub_edit.setPlaceholderText(
            self.tr("owner/name, e.g. facebook/blenderbot-400M-distill")
        )
        self.hub_edit.setAccessibleName(self.tr("Hub model id"))
        self.hub_edit.setClearButtonEnabled(True)
        hub_label.setBuddy(self.hub_edit)
        self.folder_button = QPushButton(self.tr("Choose &Folder…"))
        self.folder_button.setAccessibleName(self.tr("Choose a model folder"))
        self.folder_button.setAutoDefault(False)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName(self.tr("Model picker message"))
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.use_button = self.buttons.addButton(
            self.tr("&Use"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.use_button.setAccessibleName(self.tr("Use the selected model"))
        self.use_button.setDefault(True)
        self.remove_button = self.buttons.addButton(
            self.tr("&Remove…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.remove_button.setAccessibleName(
            self.tr("Remove the selected model from this computer")
        )
        self.remove_button.setAutoDefault(False)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)

        hub_row = QHBoxLayout()
        hub_row.addWidget(self.hub_edit, 1)
        hub_row.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.addWidget(family_label)
        layout.addWidget(self.family_list, 3)
        layout.addWidget(self.recent_label)
        layout.addWidget(self.recent_list, 1)
        layout.addWidget(servers_label)
        server_row = QHBoxLayout()
        server_row.addWidget(self.server_list, 1)
        server_buttons = QVBoxLayout()
        server_buttons.addWidget(self.add_server_button)
        server_buttons.addWidget(self.edit_server_button)
        server_buttons.addStretch()
        server_row.addLayout(server_buttons)
        layout.addLayout(server_row, 1)
        layout.addWidget(hub_label)
        layout.addLayout(hub_row)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        QWidget.setTabOrder(self.family_list, self.recent_list)
        QWidget.setTabOrder(self.recent_list, self.server_list)
        QWidget.setTabOrder(self.server_list, self.add_server_button)
        QWidget.setTabOrder(self.add_server_button, self.edit_server_button)
        QWidget.setTabOrder(self.edit_server_button, self.hub_edit)
        QWidget.setTabOrder(self.hub_edit, self.folder_button)

        self.family_list.currentItemChanged.connect(self._family_selected)
        self.recent_list.currentItemChanged.connect(self._recent_selected)
        self.family_list.itemDoubleClicked.connect(self._use_item)
        self.recent_list.itemDoubleClicked.connect(self._use_item)
        self.server_list.currentItemChanged.connect(self._server_selected)
        self.server_list.itemDoubleClicked.connect(self._use_item)
        self.add_server_button.clicked.connect(lambda: self.edit_selected_server(new=True))
        self.edit_server_button.clicked.connect(lambda: self.edit_selected_server(new=False))
        self.hub_edit.textEdited.connect(self._typed)
        self.folder_button.clicked.connect(self.choose_folder)
        self.use_button.clicked.connect(self.use)
        self.remove_button.clicked.connect(self.remove_selected)
        cancel.clicked.connect(self.reject)

        self.refresh()
        self._select(current_reference)
        self.resize(640, 560)

    # -- the lists -----------------------------------------------------------------------------
    def _status_text(self, entry: CatalogEntry) -> str:
        plan = self.plans[entry.reference]
        if entry.is_folder:
            status = (
                self.tr("local folder")
                if Path(entry.reference).is_dir()
                else self.tr("folder not found")
            )
        else:
            status = cache_status(entry.reference)
        if plan.conversions:
            status += self.tr(", converted for the fast engine")
        if entry.reference == self.current_reference:
            status += self.tr(", in use")
        return status

    def _item(self, entry: CatalogEntry) -> QListWidgetItem:
        self.plans[entry.reference] = removal_plan(entry.reference, self.data_dir)
        lines = [f"{entry.name} — {self._status_text(entry)}"]
        if entry.is_folder:
            lines.append(entry.reference)
        elif entry.description and entry.kind == "family":
            lines.append(entry.description)
        facts = []
        if entry.download_bytes is not None:
            facts.append(self.tr("download {size}").format(size=human_size(entry.download_bytes)))
        ram = _ram_text(entry)
        if ram:
            facts.append(ram)
        if entry.license:
            facts.append(entry.license)
        if facts:
            lines.append(" · ".join(facts))
        warning = shortfall_text(memory_shortfalls(entry, self.available_memory))
        if warning:
            lines.append(warning)
        item = QListWidgetItem("\n".join(lines))
        item.setData(REFERENCE_ROLE, entry.reference)
        item.setToolTip(entry.reference)
        return item

    def refresh(self) -> None:
        """List the family and the recent models with what is on this computer now."""
        self.plans.clear()
        for widget, entries in (
            (self.family_list, list(FAMILY)),
            (self.recent_list, recent_entries(self.recent)),
        ):
            widget.blockSignals(True)
            widget.clear()
            for entry in entries:
                widget.addItem(self._item(entry))
            widget.blockSignals(False)
        self.server_list.blockSignals(True)
        self.server_list.clear()
        for server in self.servers:
            model = server.model or self.tr("the server’s model")
            item = QListWidgetItem(
                f"{model} @ {server.host} — {server.name}\n{server.base_url}"
            )
            item.setData(REFERENCE_ROLE, SERVER_PREFIX + server.name)
            item.setToolTip(self.tr("The chat's turns are sent to this server"))
            self.server_list.addItem(item)
        self.server_list.blockSignals(False)
        has_recent = self.recent_list.count() > 0
        self.recent_label.setVisible(has_recent)
        self.recent_list.setVisible(has_recent)
        self._update_buttons()

    def _select(self, reference: str) -> None:
        """Select ``reference`` where it is listed (else the first family member); focus it."""
        lists: tuple[tuple[Source, QListWidget], ...] = (
            ("family", self.family_list),
            ("recent", self.recent_list),
            ("server", self.server_list),
        )
        for source, widget in lists:
            for row in range(widget.count()):
                if widget.item(row).data(REFERENCE_ROLE) == reference:
                    widget.setCurrentRow(row)
                    widget.setFocus()
                    self.source = source
                    self._update_buttons()
                    return
        self.family_list.setCurrentRow(0)
        self.family_list.setFocus()
        self.source = "family"
        self._update_buttons()

    def selected_reference(self) -> str:
        """The hub id or folder that Use would choose ("" if none)."""
        if self.source == "typed":
            return self.hub_edit.text().strip()
        widget = {
            "family": self.family_list,
            "recent": self.recent_list,
            "server": self.server_list,
        }[self.source]
        item = widget.currentItem()
        return str(item.data(REFERENCE_ROLE)) if item is not None else ""

    @Slot(QListWidgetItem, QListWidgetItem)
    def _family_selected(self, current: QListWidgetItem | None, _: object = None) -> None:
        if current is not None:
            self.source = "family"
            self.recent_list.clearSelection()
            self.message.clear()
        self._update_buttons()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _recent_selected(self, current: QListWidgetItem | None, _: object = None) -> None:
        if current is not None:
            self.source = "recent"
            self.family_list.clearSelection()
            self.server_list.clearSelection()
            self.message.clear()
        self._update_buttons()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _server_selected(self, current: QListWidgetItem | None, _: object = None) -> None:
        if current is not None:
            self.source = "server"
            self.family_list.clearSelection()
            self.recent_list.clearSelection()
            self.message.setText(
                self.tr("The chat's turns go to this server; the chat stays here.")
            )
        self._update_buttons()

    def edit_selected_server(self, new: bool) -> None:
        """Add a server, or edit the one selected (through the window's server dialog)."""
        if self.edit_server is None:
            return
        name = self.selected_reference().removeprefix(SERVER_PREFIX)
        current = None if new else next((s for s in self.servers if s.name == name), None)
        if not new and current is None:
            return
        saved = self.edit_server(current)
        if saved is None:
            return
        self.servers = [s for s in self.servers if s is not current and s.name != saved.name]
        self.servers.append(saved)
        self.refresh()
        self._select(SERVER_PREFIX + saved.name)

    @Slot(str)
    def _typed(self, text: str) -> None:
        self.source = "typed"
        self.family_list.clearSelection()
        self.recent_list.clearSelection()
        text = text.strip()
        if not text:
            self.message.clear()
        elif is_local_reference(text):
            self.message.setText(self.tr("A folder: Use checks that it holds a model."))
        else:
            problem = hub_id_problem(text)
            self.message.setText(problem or f"{text}: {cache_status(text)}")
        self._update_buttons()

    def _typed_problem(self) -> str:
        text = self.hub_edit.text().strip()
        return "" if is_local_reference(text) and text else hub_id_problem(text)

    def _update_buttons(self) -> None:
        reference = self.selected_reference()
        self.edit_server_button.setEnabled(self.source == "server" and bool(reference))
        if self.source == "server":
            self.use_button.setEnabled(bool(reference))
            in_use = reference == self.current_reference
            self.remove_button.setEnabled(bool(reference) and not in_use)
            self.remove_button.setToolTip(self.tr("Forget this server and its key"))
            return
        if self.source == "typed":
            self.use_button.setEnabled(not self._typed_problem())
            self.remove_button.setEnabled(False)
            self.remove_button.setToolTip("")
            return
        self.use_button.setEnabled(bool(reference))
        plan = self.plans.get(reference)
        in_use = bool(reference) and reference == self.current_reference
        removable = plan is not None and (not plan.is_empty or self.source == "recent")
        self.remove_button.setEnabled(removable and not in_use)
        self.remove_button.setToolTip(
            self.tr("The model in use cannot be removed; choose another one first.")
            if in_use
            else ""
        )

    # -- using -------------------------------------------------------------------------------
    @Slot(QListWidgetItem)
    def _use_item(self, item: QListWidgetItem) -> None:
        self.use()

    @Slot()
    def use(self) -> None:
        """Accept the selection (a folder is checked first: a bad one is named and kept open)."""
        reference = self.selected_reference()
        if not reference:
            return
        if self.source == "typed":
            problem = self._typed_problem()
            if problem:
                self.message.setText(problem)
                return
        if is_local_reference(reference) and not self._folder_ok(reference):
            return
        if not self._memory_ok(entry_for(reference)):
            return
        self.reference = reference
        self.accept()

    def _memory_ok(self, entry: CatalogEntry) -> bool:
        """True if ``entry`` fits in the memory available with the engine it will load with,
        or the user chose to load it anyway."""
        engine = engine_for_memory(entry, self.engine)
        short = [s for s in memory_shortfalls(entry, self.available_memory) if s.engine == engine]
        if not short:
            return True
        question = self.tr(
            "{name} needs about {size} of memory with {engine}, and {free} is free now."
            "\n\nLoading it may make this computer very slow, or the system may close "
            "Confab. Close other programs first, or choose a smaller model."
            "\n\nLoad it anyway?"
        ).format(
            name=entry.name,
            size=human_size(short[0].needed_bytes),
            engine=engine_name(engine),
            free=human_size(short[0].available_bytes),
        )
        if confirm_despite_memory(self, question, self.tr("Load Anyway")):
            return True
        self.message.setText(
            self.tr("{name} was not chosen: not enough memory.").format(name=entry.name)
        )
        return False

    def _folder_ok(self, folder: str) -> bool:
        try:
            resolve(folder)
        except ModelError as error:
            self.message.setText(str(error))
            return False
        return True

    @Slot()
    def choose_folder(self) -> None:
        """Ask for a folder; a folder holding a model is used at once."""
        dialog = QFileDialog(self, self.tr("Choose a model folder"))
        dialog.setObjectName("model-folder-dialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return
        folder = dialog.selectedFiles()[0]
        if self._folder_ok(folder):
            self.reference = folder
            self.accept()

    # -- removing ----------------------------------------------------------------------------
    def _confirmation_text(self, entry: CatalogEntry, plan: Removal) -> str:
        lines = [self.tr("Remove {name} from this computer?").format(name=entry.name), ""]
        if plan.is_empty:
            lines = [self.tr("Forget {name} from the recent models?").format(name=entry.name)]
        else:
            lines.append(self.tr("This deletes:"))
            if plan.cache_entry is not None:
                lines.append(
                    self.tr("• its download in the Hugging Face cache, {folder} ({size})").format(
                        folder=plan.cache_entry, size=human_size(plan.cache_bytes)
                    )
                )
            for folder in plan.conversions:
                lines.append(
                    self.tr("• Confab's fast-engine conversion, {folder}").format(folder=folder)
                )
            if plan.conversions:
                lines.append(
                    self.tr("  ({size} in all)").format(size=human_size(plan.conversion_bytes))
                )
            lines += [
                "",
                self.tr("{size} will be freed.").format(size=human_size(plan.total_bytes)),
            ]
        if entry.is_folder:
            lines += [
                "",
                self.tr("The folder {folder} itself is not deleted.").format(
                    folder=entry.reference
                ),
            ]
        elif plan.cache_entry is not None:
            lines += ["", self.tr("Using it again needs a new download.")]
        return "\n".join(lines)

    @Slot()
    def remove_selected(self) -> None:
        """Ask, then delete the selected model's download and conversions (see module doc)."""
        reference = self.selected_reference()
        if self.source == "server":
            self._forget_selected_server(reference.removeprefix(SERVER_PREFIX))
            return
        plan = self.plans.get(reference)
        if plan is None or reference == self.current_reference:
            return
        entry = entry_for(reference)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Remove a model"),
            self._confirmation_text(entry, plan),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("remove-model-confirmation")
        confirm = box.addButton(
            self.tr("Remove") if not plan.is_empty else self.tr("Forget"),
            QMessageBox.ButtonRole.DestructiveRole,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is not confirm:
            return
        try:
            removal = remove_model(reference, self.data_dir)
        except OSError as error:
            message = self.tr("{name} could not be removed completely: {error}").format(
                name=entry.name, error=error
            )
        else:
            self.removed.append(removal)
            message = (
                self.tr("Removed {name}: {size} freed.").format(
                    name=entry.name, size=human_size(removal.total_bytes)
                )
                if not removal.is_empty
                else self.tr("Forgot {name}.").format(name=entry.name)
            )
        if entry.kind != "family":
            self.recent = forget_recent(self.recent, reference)
        self.refresh()
        self._select(reference)
        self.message.setText(message)  # after selecting, which clears the message

    def _forget_selected_server(self, name: str) -> None:
        answer = QMessageBox.question(
            self,
            APP_NAME,
            self.tr("Forget the server {name} and its API key? Chats written with it stay.").format(
                name=repr(name)
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        if self.forget_server is not None:
            self.forget_server(name)
        self.servers = [s for s in self.servers if s.name != name]
        self.refresh()
        self._select(self.current_reference)
