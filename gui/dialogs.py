"""Dialogs: a model that is not on this computer yet, download progress, and About."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME, __version__
from core.model_card import ModelCard
from core.model_catalog import (
    RamEngine,
    available_memory_bytes,
    engine_for_memory,
    entry_for,
    memory_fits,
)
from core.models import DownloadPlan
from core.paths import resource_path
from gui.desktop_links import LocalBrowser


def human_size(size: int) -> str:
    """``1536`` -> ``"1.5 KB"``; decimal units, as download sizes are usually shown."""
    value = float(size)
    if value < 1000:
        count = f"{value:.0f}"
        return QCoreApplication.translate("human_size", "{count} bytes").format(count=count)
    for unit in ("KB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            return f"{value:.1f} {unit}"
    return f"{value:.1f} GB"


def engine_name(engine: RamEngine) -> str:
    """How the memory warnings name an engine: "the fast engine" or "Transformers"."""
    if engine == "fast":
        return QCoreApplication.translate("MemoryFit", "the fast engine")
    return QCoreApplication.translate("MemoryFit", "Transformers")


def confirm_despite_memory(parent: QWidget, question: str, anyway: str) -> bool:
    """Ask ``question`` about a model that does not fit in the free memory; True when the
    user clicked ``anyway`` (Cancel is the default, so Enter never overcommits memory)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        QCoreApplication.translate("MemoryFit", "Not enough memory"),
        question,
        QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("memory-fit-confirmation")
    anyway_button = box.addButton(anyway, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is anyway_button


class ModelMissingDialog(QDialog):
    """Offers the three ways on when the model is not cached: download, choose a folder, quit.

    The dialog's result is one of ``DOWNLOAD``, ``CHOOSE_FOLDER`` or ``QUIT``. For a model of
    known size (the BlenderBot family) it shows the memory it needs per engine and warns when
    it does not fit in ``available_memory`` (bytes; default: psutil's ``available`` now) with
    the engine ``engine`` ("auto", "fast" or "transformers") will load it with; Download then
    asks first (issue 14).
    """

    DOWNLOAD, CHOOSE_FOLDER, QUIT = 1, 2, 3

    def __init__(
        self,
        repo_id: str,
        offline: bool,
        parent: QWidget | None = None,
        engine: str = "auto",
        available_memory: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Model needed"))
        self.plan: DownloadPlan | None = None
        self.repo_id = repo_id
        self.available_memory = (
            available_memory_bytes() if available_memory is None else available_memory
        )
        entry = entry_for(repo_id)
        self.memory_engine: RamEngine = engine_for_memory(entry, engine)
        self.needed_memory = entry.ram_bytes(self.memory_engine)
        self.memory_label = QLabel(
            self._memory_text(entry.ram_bytes("fast"), entry.ram_bytes("transformers"))
        )
        self.memory_label.setWordWrap(True)
        self.memory_label.setVisible(bool(self.memory_label.text()))
        self.message = QLabel(
            self.tr(
                "<p>The model <b>{repo_id}</b> is not on this computer yet.</p>"
                "<p>Confab can download it once from the Hugging Face hub (only the PyTorch "
                "weights and tokenizer files) into the standard Hugging Face cache; after that "
                "it works offline. Or choose a folder that already holds a model.</p>"
            ).format(repo_id=repo_id)
        )
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setWordWrap(True)
        self.size_label = QLabel(
            self.tr(
                "Offline mode is on, so nothing will be downloaded. Choose a folder that holds "
                'a model (the README\'s "Other models" shows how to get one without the hub), '
                "or start Confab without --offline to download this one."
            )
            if offline
            else self.tr("Checking the download size…")
        )
        self.size_label.setWordWrap(True)
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setEnabled(False)
        self.folder_button = QPushButton(self.tr("Choose Model Folder…"))
        self.quit_button = QPushButton(self.tr("Quit"))
        # Enter never quits: the useful action is the default (a folder, until the download
        # size is known and the download can start).
        for button in (self.download_button, self.folder_button, self.quit_button):
            button.setAutoDefault(False)
        self.folder_button.setDefault(True)
        self.download_button.clicked.connect(self.download)
        self.folder_button.clicked.connect(lambda: self.done(self.CHOOSE_FOLDER))
        self.quit_button.clicked.connect(lambda: self.done(self.QUIT))
        buttons = QHBoxLayout()
        buttons.addWidget(self.quit_button)
        buttons.addStretch()
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.memory_label)
        layout.addWidget(self.size_label)
        layout.addLayout(buttons)
        self.resize(520, 220)
        self.folder_button.setFocus()

    @property
    def fits(self) -> bool:
        """Whether the model fits in the memory available with its engine (True if unknown)."""
        return self.needed_memory is None or memory_fits(self.needed_memory, self.available_memory)

    def _memory_text(self, fast: int | None, transformers: int | None) -> str:
        if transformers is None:
            return ""
        free = human_size(self.available_memory)
        if fast is None:
            text = self.tr("Memory needed: about {size} with Transformers; {free} free.").format(
                size=human_size(transformers), free=free
            )
        else:
            text = self.tr(
                "Memory needed: about {fast} with the fast engine, {size} with Transformers; "
                "{free} free."
            ).format(fast=human_size(fast), size=human_size(transformers), free=free)
        if not self.fits:
            text += " " + self.tr(
                "⚠ It does not fit with the engine chosen ({engine}): it would make this "
                "computer very slow, or the system may close Confab."
            ).format(engine=engine_name(self.memory_engine))
        return text

    def download(self) -> None:
        """Download, after asking first when the model does not fit in memory."""
        if not self.fits and self.needed_memory is not None:
            question = self.tr(
                "{name} needs about {size} of memory with {engine}, and {free} is free "
                "now.\n\nDownload it anyway?"
            ).format(
                name=self.repo_id,
                size=human_size(self.needed_memory),
                engine=engine_name(self.memory_engine),
                free=human_size(self.available_memory),
            )
            if not confirm_despite_memory(self, question, self.tr("Download Anyway")):
                return
        self.done(self.DOWNLOAD)

    def set_plan(self, plan: DownloadPlan) -> None:
        """Show the download size and allow the download."""
        self.plan = plan
        to_fetch = plan.total_bytes - plan.cached_bytes
        text = self.tr("Download size: {size} in {count} files.").format(
            size=human_size(to_fetch), count=len(plan.files)
        )
        if plan.cached_bytes:
            text += self.tr(" ({size} already here from an earlier try.)").format(
                size=human_size(plan.cached_bytes)
            )
        self.size_label.setText(text)
        self.download_button.setEnabled(True)
        self.folder_button.setDefault(False)
        self.download_button.setDefault(True)
        self.download_button.setFocus()

    def set_plan_failed(self, message: str) -> None:
        """Say why the download is not possible now."""
        self.size_label.setText(message)


class AboutDialog(QDialog):
    """What Confab is, its version, the model in use with its own license, and the licenses
    of what Confab ships (Markdown rendered, never shown as raw source)."""

    def __init__(
        self, model: ModelCard | None, model_detail: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About %1").replace("%1", APP_NAME))
        header = QLabel(
            f"<h2>{APP_NAME} {__version__}</h2><p>"
            + self.tr("An offline desktop chatbot. Your conversations stay on this computer.")
            + "</p>"
        )
        header.setTextFormat(Qt.TextFormat.RichText)
        if model is None:
            name, license_ = self.tr("none loaded"), self.tr("unknown")
        elif model.on_server:
            name, license_ = model.name, self.tr("see the server")
        elif model.license is None:
            name, license_ = model.name, self.tr("unknown")
        else:
            name = model.name
            license_ = self.tr("%1 (from %2)").replace("%1", model.license)
            license_ = license_.replace("%2", model.license_source)
        self.model_name = wrapping_label(name)
        self.model_license = wrapping_label(license_)
        self.model_detail = wrapping_label(model_detail)
        model_form = QFormLayout()
        model_form.addRow(self.tr("Model:"), self.model_name)
        model_form.addRow(self.tr("Model license:"), self.model_license)
        if model_detail:
            model_form.addRow(self.tr("Runs with:"), self.model_detail)
        self.license_list = QListWidget()
        self.license_list.setAccessibleName(self.tr("Components"))
        self.license_text = LocalBrowser()
        self.license_text.setAccessibleName(self.tr("License text"))
        folder = resource_path("licenses")
        self.license_files = sorted(folder.glob("*")) if folder.is_dir() else []
        for path in self.license_files:
            self.license_list.addItem(path.name)
        self.license_list.currentRowChanged.connect(self._show_license)
        if self.license_files:
            self.license_list.setCurrentRow(0)
        else:
            self.license_text.setPlainText(
                self.tr("No license texts were found in this installation.")
            )
        licenses = QHBoxLayout()
        licenses.addWidget(self.license_list, 1)
        licenses.addWidget(self.license_text, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(model_form)
        layout.addWidget(QLabel(self.tr("Licenses of what Confab is built with:")))
        layout.addLayout(licenses, 1)
        layout.addWidget(buttons)
        self.resize(760, 560)

    def _show_license(self, row: int) -> None:
        if not 0 <= row < len(self.license_files):
            return
        path = self.license_files[row]
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            message = self.tr("Cannot read %1: %2").replace("%1", str(path))
            self.license_text.setPlainText(message.replace("%2", str(error)))
            return
        if path.suffix.lower() == ".md":
            self.license_text.setMarkdown(text)
        else:
            self.license_text.setPlainText(text)


# Where a long name may break: after these, and inside any run longer than BREAK_RUN.
_BREAK_AFTER = "/\\_-.:"
BREAK_RUN = 24
ZERO_WIDTH_SPACE = "\u200b"


def breakable(text: str) -> str:
    """``text`` with invisible break opportunities, so a label can wrap a long model id or
    path that has no spaces instead of growing wider than the screen or being cut."""
    out: list[str] = []
    run = 0
    for char in text:
        out.append(char)
        run = 0 if char.isspace() else run + 1
        if char in _BREAK_AFTER or run >= BREAK_RUN:
            out.append(ZERO_WIDTH_SPACE)
            run = 0
    return "".join(out)


def wrapping_label(text: str) -> QLabel:
    """A plain-text label that wraps ``text`` anywhere it must; its tooltip and accessible
    name hold the text as it is (without the invisible breaks)."""
    label = QLabel(breakable(text))
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setToolTip(text)
    label.setAccessibleName(text)
    return label
