"""The Preferences dialog (Ctrl+,): how replies are generated, and which engine, threads,
device and model the app uses.

Construct it with what the window knows, run it, and read the choices back::

    dialog = PreferencesDialog(
        app_settings,        # AppSettings: user presets are read from and saved to it
        chat_settings,       # GenerationSettings of the chat shown (the fields start from it)
        limits,              # ModelLimits.of(info.context_limit, info.architecture)
        model_defaults,      # info.generation_defaults (causal defaults are added here)
        engine,              # EngineChoice now in use
        threads,             # CPU threads now in use
        device_choices,      # strings for the device combo, e.g. ["auto", "cpu", "cuda:0"]
        parent,
        device="auto",       # optional: the device now chosen (else app_settings.device)
        model_reference="",  # optional: the model now used (else app_settings.model)
    )
    dialog.choose_model_button.clicked.connect(...)  # the window opens its model picker and
    dialog.set_model_reference(reference)             # shows the reference picked
    if dialog.exec() == QDialog.DialogCode.Accepted:
        dialog.settings(), dialog.preset_name()       # GenerationSettings, and its style's name
        dialog.engine_choice(), dialog.threads(), dialog.device(), dialog.model_reference()
        dialog.remember()  # optional: store style, engine, threads and device in app_settings

Generation tab: a style combo (the built-in presets, the user's saved presets, Custom) and a
field per setting. An empty field means the model's default, shown as the placeholder. A bad
value is explained beside its field (``core.settings.validate``) and OK stays disabled while
any value is bad. Editing a field switches the combo to the preset those values match, or to
Custom. "Save as preset…" stores the values under a name (``AppSettings.user_presets``).
Model tab: engine, CPU threads (1 to the CPU count), device, and the model (read-only; its
button is for the window to connect).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.engines import ENGINE_CHOICES, EngineChoice
from core.models import DEFAULT_MODEL_ID
from core.settings import (
    CUSTOM_PRESET,
    PRESETS,
    GenerationSettings,
    ModelLimits,
    validate,
)
from core.settings import model_defaults as with_causal_defaults
from gui.app_settings import AppSettings
from gui.chat_settings_menu import ENGINE_LABELS, preset_label
from gui.i18n import LANGUAGE_NAMES, QT_TRANSLATE_NOOP, SYSTEM, shipped_languages
from gui.theme import mark_as_error

SHORTCUT = "Ctrl+,"
"""The key that opens the dialog (the window creates the action)."""

# What transformers decodes with when a model's generation config does not say.
TRANSFORMERS_DEFAULTS: dict[str, Any] = {
    "num_beams": 1,
    "do_sample": False,
    "temperature": 1.0,
    "top_p": 1.0,
    "top_k": 50,
    "min_length": 0,
    "max_length": 20,
    "no_repeat_ngram_size": 0,
    "repetition_penalty": 1.0,
}
HIDDEN_FIELDS = ("length_penalty", "encoder_no_repeat_ngram_size")  # kept, not shown


@dataclass(frozen=True)
class FieldSpec:
    """One generation setting's row: its label (with mnemonic), type, and what it does."""

    name: str
    label: str
    kind: type
    help: str

    @property
    def plain_label(self) -> str:
        return self.label.replace("&", "")

    @property
    def shown_label(self) -> str:
        """The label in the language shown (with its mnemonic)."""
        return QCoreApplication.translate("PreferencesDialog", self.label)

    @property
    def shown_plain_label(self) -> str:
        return self.shown_label.replace("&", "")


FIELDS = (
    FieldSpec(
        "num_beams",
        QT_TRANSLATE_NOOP("PreferencesDialog", "&Beams"),
        int,
        QT_TRANSLATE_NOOP(
            "PreferencesDialog", "1: greedy or sampling, streams; more: beam search."
        ),
    ),
    FieldSpec(
        "min_length",
        QT_TRANSLATE_NOOP("PreferencesDialog", "M&in length"),
        int,
        QT_TRANSLATE_NOOP("PreferencesDialog", "The shortest reply, in tokens."),
    ),
    FieldSpec(
        "max_length",
        QT_TRANSLATE_NOOP("PreferencesDialog", "Ma&x length"),
        int,
        QT_TRANSLATE_NOOP("PreferencesDialog", "The longest reply, in tokens."),
    ),
    FieldSpec(
        "no_repeat_ngram_size",
        QT_TRANSLATE_NOOP("PreferencesDialog", "&No-repeat n-gram size"),
        int,
        QT_TRANSLATE_NOOP(
            "PreferencesDialog", "No run of this many tokens appears twice in a reply (0: off)."
        ),
    ),
    FieldSpec(
        "temperature",
        QT_TRANSLATE_NOOP("PreferencesDialog", "&Temperature"),
        float,
        QT_TRANSLATE_NOOP("PreferencesDialog", "Sampling: below 1 safer, above 1 wilder."),
    ),
    FieldSpec(
        "top_p",
        QT_TRANSLATE_NOOP("PreferencesDialog", "T&op-p"),
        float,
        QT_TRANSLATE_NOOP(
            "PreferencesDialog",
            "Sampling: only from the likeliest words that make up this share of the probability.",
        ),
    ),
    FieldSpec(
        "top_k",
        QT_TRANSLATE_NOOP("PreferencesDialog", "Top-&k"),
        int,
        QT_TRANSLATE_NOOP(
            "PreferencesDialog", "Sampling: only from this many likeliest words (0: all)."
        ),
    ),
    FieldSpec(
        "repetition_penalty",
        QT_TRANSLATE_NOOP("PreferencesDialog", "&Repetition penalty"),
        float,
        QT_TRANSLATE_NOOP(
            "PreferencesDialog", "Above 1 makes words already used less likely (1: off)."
        ),
    ),
    FieldSpec(
        "seed",
        QT_TRANSLATE_NOOP("PreferencesDialog", "See&d"),
        int,
        QT_TRANSLATE_NOOP(
            "PreferencesDialog", "The same seed gives the same sampled reply (empty: random)."
        ),
    ),
    FieldSpec(
        "max_new_tokens",
        QT_TRANSLATE_NOOP("PreferencesDialog", "Max ne&w tokens"),
        int,
        QT_TRANSLATE_NOOP("PreferencesDialog", "Causal models: the longest reply, in tokens."),
    ),
)
SAMPLING_CHOICES: tuple[tuple[str, bool | None], ...] = (
    (QT_TRANSLATE_NOOP("PreferencesDialog", "Model default"), None),
    (QT_TRANSLATE_NOOP("PreferencesDialog", "Off (greedy or beam search)"), False),
    (QT_TRANSLATE_NOOP("PreferencesDialog", "On (sampling)"), True),
)
# Shown translated (the settings file keeps the English name, as for the built-in presets).
CUSTOM_TITLE = QT_TRANSLATE_NOOP("PreferencesDialog", "Custom")


class PreferencesDialog(QDialog):
    """Generation settings and model choices; see the module docstring for its use."""

    def __init__(
        self,
        app_settings: AppSettings,
        chat_settings: GenerationSettings,
        limits: ModelLimits,
        model_defaults: Mapping[str, Any],
        engine: EngineChoice,
        threads: int,
        device_choices: Sequence[str],
        parent: QWidget | None = None,
        *,
        device: str | None = None,
        model_reference: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Preferences"))
        self.setAccessibleName(self.tr("Preferences"))
        self.app_settings = app_settings
        self.limits = limits
        self.defaults = with_causal_defaults(model_defaults, limits.is_seq2seq)
        self.cpu_count = os.cpu_count() or 1
        self._filling = False
        self._hidden: dict[str, Any] = {
            name: getattr(chat_settings, name) for name in HIDDEN_FIELDS
        }
        self._problems: dict[str, str] = {}

        self.tabs = QTabWidget()
        self.tabs.addTab(self._generation_tab(), self.tr("&Generation"))
        self.tabs.addTab(
            self._model_tab(engine, threads, device_choices, device, model_reference),
            self.tr("&Model"),
        )
        self.tabs.addTab(self._interface_tab(), self.tr("Lang&uage"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Preferences status"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        self._fill(chat_settings)
        self._select_preset(self._initial_preset(chat_settings))
        self._refresh()

    # -- building ------------------------------------------------------------------------------
    def _interface_tab(self) -> QWidget:
        """The language of menus and dialogs."""
        page = QWidget()
        grid = QGridLayout(page)
        self.language_combo = QComboBox()
        self.language_combo.setAccessibleName(self.tr("Language"))
        for code in [SYSTEM, *shipped_languages()]:
            name = LANGUAGE_NAMES.get(code, code)  # each language in its own tongue
            if code == SYSTEM:
                name = QCoreApplication.translate("PreferencesDialog", LANGUAGE_NAMES[SYSTEM])
            self.language_combo.addItem(name, code)
        chosen = self.language_combo.findData(self.app_settings.language)
        self.language_combo.setCurrentIndex(max(0, chosen))
        note = QLabel(self.tr("A new language shows the next time Confab starts."))
        note.setWordWrap(True)
        self._row(grid, 0, self.tr("Language"), self.language_combo, note)
        grid.setRowStretch(2, 1)
        return page

    def language(self) -> str:
        """The language chosen: a shipped language's code, or "system"."""
        return str(self.language_combo.currentData())

    def _generation_tab(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        self.preset_combo = QComboBox()
        self.preset_combo.setAccessibleName(self.tr("Reply style preset"))
        self._fill_preset_combo()
        self.preset_combo.activated.connect(self._preset_chosen)
        self._row(grid, 0, self.tr("&Preset"), self.preset_combo, None)

        self.sampling_combo = QComboBox()
        for text, _value in SAMPLING_CHOICES:
            self.sampling_combo.addItem(QCoreApplication.translate("PreferencesDialog", text))
        self.sampling_combo.setAccessibleName(self.tr("Sampling"))
        self.sampling_combo.setToolTip(
            self.tr("Sampling picks words at random by their likelihood.")
        )
        self.sampling_combo.activated.connect(self._user_changed)
        self.problem_labels: dict[str, QLabel] = {}
        self.fields: dict[str, QLineEdit] = {}
        row = 1
        for spec in FIELDS:
            edit = QLineEdit()
            edit.setObjectName(spec.name)
            edit.setAccessibleName(spec.shown_plain_label)
            edit.setToolTip(QCoreApplication.translate("PreferencesDialog", spec.help))
            edit.setPlaceholderText(self._placeholder(spec.name))
            edit.textEdited.connect(self._user_changed)
            self.fields[spec.name] = edit
            problem = QLabel()
            problem.setObjectName(f"{spec.name}_problem")
            problem.setAccessibleName(
                self.tr("{field} problem").format(field=spec.shown_plain_label)
            )
            problem.setWordWrap(True)
            mark_as_error(problem)
            self.problem_labels[spec.name] = problem
            self._row(grid, row, spec.shown_label, edit, problem)
            row += 1
            if spec.name == "num_beams":  # sampling goes with the beams
                self._row(grid, row, self.tr("S&ampling"), self.sampling_combo, None)
                row += 1
        if self.limits.is_seq2seq:
            self.fields["max_new_tokens"].setEnabled(False)  # seq2seq: max length instead

        buttons = QHBoxLayout()
        self.reset_button = QPushButton(self.tr("Reset to model de&faults"))
        self.reset_button.setAccessibleName(self.tr("Reset to model defaults"))
        self.reset_button.clicked.connect(self.reset_to_model_defaults)
        self.save_preset_button = QPushButton(self.tr("&Save as preset…"))
        self.save_preset_button.setAccessibleName(self.tr("Save as preset"))
        self.save_preset_button.clicked.connect(self.ask_preset_name)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.save_preset_button)
        buttons.addStretch(1)
        grid.addLayout(buttons, row, 0, 1, 3)
        grid.setColumnStretch(2, 1)
        return page

    def _model_tab(
        self,
        engine: EngineChoice,
        threads: int,
        device_choices: Sequence[str],
        device: str | None,
        model_reference: str | None,
    ) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        self.engine_combo = QComboBox()
        self.engine_combo.setAccessibleName(self.tr("Engine"))
        for choice in ENGINE_CHOICES:
            shown = QCoreApplication.translate("ChatSettingsMenu", ENGINE_LABELS[choice])
            self.engine_combo.addItem(shown, choice)
        self.engine_combo.setCurrentIndex(max(0, self.engine_combo.findData(engine)))
        self._row(grid, 0, self.tr("&Engine"), self.engine_combo, None)

        self.threads_edit = QLineEdit(str(threads))
        self.threads_edit.setAccessibleName(self.tr("CPU threads"))
        self.threads_edit.setPlaceholderText(self.tr("1 to {count}").format(count=self.cpu_count))
        self.threads_edit.setToolTip(
            self.tr("Threads used for replies (takes effect on the next load).")
        )
        self.threads_edit.textEdited.connect(self._refresh)
        self._initial_threads = threads
        self.threads_problem = QLabel()
        self.threads_problem.setObjectName("threads_problem")
        self.threads_problem.setAccessibleName(self.tr("CPU threads problem"))
        mark_as_error(self.threads_problem)
        self._row(grid, 1, self.tr("&CPU threads"), self.threads_edit, self.threads_problem)

        self.device_combo = QComboBox()
        self.device_combo.setAccessibleName(self.tr("Device"))
        self.device_combo.addItems(list(device_choices))
        chosen = self.app_settings.device if device is None else device
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findText(chosen)))
        self._row(grid, 2, self.tr("De&vice"), self.device_combo, None)

        self.model_edit = QLineEdit()
        self.model_edit.setReadOnly(True)
        self.model_edit.setAccessibleName(self.tr("Model"))
        self.choose_model_button = QPushButton(self.tr("C&hoose model…"))
        self.choose_model_button.setAccessibleName(self.tr("Choose model"))
        self.set_model_reference(
            self.app_settings.model if model_reference is None else model_reference
        )
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_edit, 1)
        model_row.addWidget(self.choose_model_button)
        label = QLabel(self.tr("Mode&l"))
        label.setBuddy(self.model_edit)
        grid.addWidget(label, 3, 0)
        grid.addLayout(model_row, 3, 1, 1, 2)
        grid.setRowStretch(4, 1)
        grid.setColumnStretch(2, 1)
        return page

    @staticmethod
    def _row(
        grid: QGridLayout, row: int, text: str, field: QWidget, problem: QLabel | None
    ) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        grid.addWidget(label, row, 0)
        grid.addWidget(field, row, 1)
        if problem is not None:
            grid.addWidget(problem, row, 2)

    def _placeholder(self, name: str) -> str:
        if name == "max_new_tokens" and self.limits.is_seq2seq:
            return self.tr("not used by this model")
        if name == "max_length" and not self.limits.is_seq2seq:
            return self.tr("as max new tokens")
        if name == "seed":
            return self.tr("random")
        value = self.defaults.get(name)
        if value is None:
            value = TRANSFORMERS_DEFAULTS.get(name)
        if value is None:
            return self.tr("model default")
        return self.tr("{value} (model default)").format(value=value)

    # -- presets --------------------------------------------------------------------------------
    def _presets(self) -> dict[str, GenerationSettings]:
        """Built-in presets, then the user's (a user preset never hides a built-in one)."""
        presets = dict(PRESETS)
        for name, data in sorted(self.app_settings.user_presets.items()):
            if name not in presets and name != CUSTOM_PRESET:
                presets[name] = GenerationSettings.from_dict(data)
        return presets

    def _fill_preset_combo(self) -> None:
        """Each style's name as shown (built-in ones translated); its item data is the name
        the settings file keeps."""
        self.preset_combo.clear()
        for name in self._presets():
            self.preset_combo.addItem(preset_label(name) if name in PRESETS else name, name)
        custom = QCoreApplication.translate("PreferencesDialog", CUSTOM_TITLE)
        self.preset_combo.addItem(custom, CUSTOM_PRESET)

    def _initial_preset(self, settings: GenerationSettings) -> str:
        presets = self._presets()
        remembered = self.app_settings.preset
        if presets.get(remembered) == settings:
            return remembered
        return self._matching_preset(settings)

    def _matching_preset(self, settings: GenerationSettings) -> str:
        return next((n for n, p in self._presets().items() if p == settings), CUSTOM_PRESET)

    def _select_preset(self, name: str) -> None:
        self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(name)))

    def _preset_chosen(self, _index: int = 0) -> None:
        name = self.preset_name()
        presets = self._presets()
        if name in presets:
            self._fill(presets[name])
        self._refresh()

    def preset_name(self) -> str:
        """The style chosen: a built-in preset, a user preset, or ``CUSTOM_PRESET``."""
        return str(self.preset_combo.currentData())

    def reset_to_model_defaults(self) -> None:
        """Empty every field: the model's own generation config decides."""
        self._fill(GenerationSettings())
        self._select_preset(self._matching_preset(GenerationSettings()))
        self._refresh()

    def ask_preset_name(self) -> None:
        """Ask for a name and save the values shown as a user preset under it."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle(self.tr("Save as preset"))
        dialog.setLabelText(self.tr("Name of the new preset:"))
        dialog.setAccessibleName(self.tr("Preset name"))
        current = self.preset_name()
        if current not in PRESETS and current != CUSTOM_PRESET:
            dialog.setTextValue(current)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.save_preset(dialog.textValue())

    def save_preset(self, name: str) -> str:
        """Store the values shown as the user preset ``name``; "" when saved, else why not."""
        name = name.strip()
        problem = ""
        if not name:
            problem = self.tr("A preset needs a name.")
        elif name in PRESETS or name == CUSTOM_PRESET:
            problem = self.tr("“{name}” is a built-in style; choose another name.").format(
                name=name
            )
        elif self._problems:
            problem = self.tr("Fix the values marked first.")
        if problem:
            self.summary.setText(problem)
            return problem
        presets = self.app_settings.user_presets
        presets[name] = self.settings().overrides()
        self.app_settings.user_presets = presets
        self.app_settings.sync()
        self._fill_preset_combo()
        self._select_preset(name)
        self._refresh()
        self.summary.setText(self.tr("Saved the preset “{name}”.").format(name=name))
        return ""

    # -- values ---------------------------------------------------------------------------------
    def _fill(self, settings: GenerationSettings) -> None:
        """Show ``settings`` in the fields (no switch to Custom)."""
        self._filling = True
        try:
            for name, edit in self.fields.items():
                value = getattr(settings, name)
                edit.setText("" if value is None else format_value(value))
            values = [value for _text, value in SAMPLING_CHOICES]
            self.sampling_combo.setCurrentIndex(values.index(settings.do_sample))
            self._hidden = {name: getattr(settings, name) for name in HIDDEN_FIELDS}
        finally:
            self._filling = False

    def _parsed(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The fields' values (None when empty), and the fields that are not numbers."""
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        kinds = {spec.name: spec.kind for spec in FIELDS}
        for name, edit in self.fields.items():
            text = edit.text().strip()
            if not text:  # a disabled field (seq2seq: max new tokens) keeps its value too
                values[name] = None
                continue
            try:
                if kinds[name] is int:
                    values[name] = int(text)
                else:
                    values[name] = float(text.replace(",", "."))
            except ValueError:
                values[name] = None
                problems[name] = (
                    self.tr("Not a whole number.")
                    if kinds[name] is int
                    else self.tr("Not a number (e.g. 0.8).")
                )
        values["do_sample"] = SAMPLING_CHOICES[self.sampling_combo.currentIndex()][1]
        return values, problems

    def settings(self) -> GenerationSettings:
        """The generation settings shown (fields that are not numbers count as empty)."""
        values, _ = self._parsed()
        known = {f.name for f in fields(GenerationSettings)}
        return GenerationSettings(
            **{k: v for k, v in {**self._hidden, **values}.items() if k in known}
        )

    def problems(self) -> dict[str, str]:
        """Field name (or "threads") -> why its value cannot be used; empty when all is well."""
        return dict(self._problems)

    def _user_changed(self, *_: object) -> None:
        if self._filling:
            return
        self._select_preset(self._matching_preset(self.settings()))
        self._refresh()

    def _refresh(self, *_: object) -> None:
        _values, problems = self._parsed()
        for name, text in validate(self.settings(), self.limits, self.defaults).items():
            if name in self.fields:
                problems.setdefault(name, text)
        threads_problem = self._threads_problem()
        for name, label in self.problem_labels.items():
            self._show_problem(self.fields[name], label, problems.get(name, ""))
        self._show_problem(self.threads_edit, self.threads_problem, threads_problem)
        if threads_problem:
            problems["threads"] = threads_problem
        self._problems = problems
        self.ok_button.setEnabled(not problems)
        self.save_preset_button.setEnabled(not any(name in self.fields for name in problems))
        if problems:
            count = len(problems)
            names = ", ".join(self._field_title(name) for name in problems)
            text = (
                self.tr("1 value to fix before OK: {names}.")
                if count == 1
                else self.tr("{count} values to fix before OK: {names}.")
            )
            self.summary.setText(text.format(count=count, names=names))
        else:
            self.summary.setText("")

    @staticmethod
    def _show_problem(field: QWidget, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))
        field.setAccessibleDescription(text)
        field.setProperty("problem", bool(text))

    def _field_title(self, name: str) -> str:
        if name == "threads":
            return self.tr("CPU threads")
        return next((s.shown_plain_label for s in FIELDS if s.name == name), name)

    def _threads_problem(self) -> str:
        text = self.threads_edit.text().strip()
        try:
            count = int(text)
        except ValueError:
            count = 0
        if 1 <= count <= self.cpu_count:
            return ""
        return self.tr("A whole number from 1 to {count} (this computer's CPU count).").format(
            count=self.cpu_count
        )

    # -- model choices ---------------------------------------------------------------------------
    def engine_choice(self) -> EngineChoice:
        data = self.engine_combo.currentData()
        return next((c for c in ENGINE_CHOICES if c == data), "auto")

    def threads(self) -> int:
        """The CPU threads chosen (the starting value while the field is not valid)."""
        return self._initial_threads if self._threads_problem() else int(self.threads_edit.text())

    def device(self) -> str:
        return self.device_combo.currentText()

    def model_reference(self) -> str:
        """The model to use: a hub id or a folder ("" for the default model)."""
        return str(self.model_edit.property("reference") or "")

    def set_model_reference(self, reference: str) -> None:
        """Show the model the window's picker chose."""
        self.model_edit.setProperty("reference", reference)
        self.model_edit.setText(
            reference or self.tr("{model} (default)").format(model=DEFAULT_MODEL_ID)
        )

    def remember(self) -> None:
        """Store the style, engine, threads and device in the app's settings file."""
        name = self.preset_name()
        self.app_settings.preset = name
        if name == CUSTOM_PRESET:
            self.app_settings.custom_generation = self.settings()
        self.app_settings.engine = self.engine_choice()
        self.app_settings.threads = self.threads()
        self.app_settings.device = self.device()
        self.app_settings.language = self.language()
        self.app_settings.sync()

    def accept(self) -> None:
        if self._problems:  # OK is disabled then; Enter in a field must not get past it
            return
        super().accept()


def format_value(value: Any) -> str:
    """A setting as the fields show it: ``0.8``, ``10``, ``1.15``."""
    return str(value)
