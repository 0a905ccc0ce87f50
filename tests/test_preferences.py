"""The Preferences dialog, driven through its real widgets with the keyboard and mouse."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
)

from core.settings import (
    CUSTOM_PRESET,
    DEFAULT_PRESET,
    PRESETS,
    GenerationSettings,
    ModelLimits,
)
from gui.app_settings import AppSettings
from gui.preferences import PreferencesDialog

BLENDERBOT_DEFAULTS = {"num_beams": 10, "min_length": 20, "max_length": 60}
DEVICES = ["auto", "cpu", "cuda:0"]
FAST = "Fast (greedy, streams)"
CREATIVE = "Creative (sampling, streams)"

Make = Callable[..., PreferencesDialog]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make(qtbot: Any, data_dir: Path) -> Make:
    def build(
        settings: GenerationSettings | None = None,
        limits: ModelLimits | None = None,
        defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PreferencesDialog:
        dialog = PreferencesDialog(
            AppSettings(data_dir),
            settings or GenerationSettings(),
            limits or ModelLimits(),
            BLENDERBOT_DEFAULTS if defaults is None else defaults,
            kwargs.pop("engine", "auto"),
            kwargs.pop("threads", 1),
            DEVICES,
            None,
            **kwargs,
        )
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return build


def type_into(qtbot: Any, field: QLineEdit, text: str) -> None:
    """Select what the field holds and type ``text`` over it, as a user would."""
    field.setFocus()
    field.selectAll()
    if text:
        qtbot.keyClicks(field, text)
    else:
        qtbot.keyClick(field, Qt.Key.Key_Backspace)


def choose(qtbot: Any, combo: QComboBox, text: str) -> None:
    """Pick an item with the keyboard (Home, then Down until it is current)."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def ok_enabled(dialog: PreferencesDialog) -> bool:
    return dialog.ok_button.isEnabled()


# -- bad values --------------------------------------------------------------------------------
def test_a_bad_value_is_explained_beside_its_field_and_ok_is_disabled(
    qtbot: Any, make: Make
) -> None:
    dialog = make()
    beams, problem = dialog.fields["num_beams"], dialog.problem_labels["num_beams"]
    assert ok_enabled(dialog) and not problem.isVisible()
    type_into(qtbot, beams, "40")
    assert problem.isVisible() and "16" in problem.text()
    assert beams.accessibleDescription() == problem.text()
    assert not ok_enabled(dialog)
    assert "Beams" in dialog.summary.text()
    qtbot.keyClick(beams, Qt.Key.Key_Return)  # Enter does not get past a bad value
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    type_into(qtbot, beams, "4")
    assert not problem.isVisible() and ok_enabled(dialog)


def test_max_length_is_held_to_the_models_position_limit(qtbot: Any, make: Make) -> None:
    dialog = make()
    type_into(qtbot, dialog.fields["max_length"], "129")
    assert "128" in dialog.problem_labels["max_length"].text() and not ok_enabled(dialog)
    type_into(qtbot, dialog.fields["max_length"], "128")
    assert ok_enabled(dialog)


def test_a_value_that_is_no_number_is_explained(qtbot: Any, make: Make) -> None:
    dialog = make()
    type_into(qtbot, dialog.fields["temperature"], "warm")
    assert "number" in dialog.problem_labels["temperature"].text()
    type_into(qtbot, dialog.fields["top_k"], "2.5")
    assert "whole number" in dialog.problem_labels["top_k"].text()
    assert not ok_enabled(dialog)
    assert set(dialog.problems()) == {"temperature", "top_k"}


def test_a_repetition_penalty_below_one_is_explained(qtbot: Any, make: Make) -> None:
    dialog = make()
    type_into(qtbot, dialog.fields["repetition_penalty"], "0.8")
    assert "repeat" in dialog.problem_labels["repetition_penalty"].text()
    assert not ok_enabled(dialog)


def test_temperature_zero_is_bad_only_when_sampling(qtbot: Any, make: Make) -> None:
    dialog = make()
    type_into(qtbot, dialog.fields["temperature"], "0")
    assert ok_enabled(dialog)  # the model's default is not to sample
    choose(qtbot, dialog.sampling_combo, "On (sampling)")
    assert "sampling" in dialog.problem_labels["temperature"].text()
    assert not ok_enabled(dialog)


def test_threads_are_held_to_the_cpu_count(qtbot: Any, make: Make) -> None:
    dialog = make(threads=1)
    dialog.tabs.setCurrentIndex(1)
    cores = os.cpu_count() or 1
    for bad in ("0", str(cores + 1), "many"):
        type_into(qtbot, dialog.threads_edit, bad)
        assert dialog.threads_problem.isVisible() and str(cores) in dialog.threads_problem.text()
        assert not ok_enabled(dialog) and dialog.threads() == 1
    type_into(qtbot, dialog.threads_edit, str(cores))
    assert ok_enabled(dialog) and dialog.threads() == cores


# -- presets -------------------------------------------------------------------------------------
def test_picking_a_preset_fills_the_fields(qtbot: Any, make: Make) -> None:
    dialog = make()
    assert dialog.preset_name() == DEFAULT_PRESET
    choose(qtbot, dialog.preset_combo, FAST)
    assert dialog.fields["num_beams"].text() == "1"
    assert dialog.sampling_combo.currentText().startswith("Off")
    assert dialog.settings() == PRESETS[FAST]
    choose(qtbot, dialog.preset_combo, CREATIVE)
    assert dialog.fields["temperature"].text() == "0.8"
    assert dialog.fields["top_p"].text() == "0.9"
    assert dialog.sampling_combo.currentText().startswith("On")
    assert dialog.settings() == PRESETS[CREATIVE]
    choose(qtbot, dialog.preset_combo, DEFAULT_PRESET)
    assert all(not field.text() for field in dialog.fields.values())
    assert dialog.settings() == GenerationSettings()


def test_typing_a_value_switches_the_preset_to_custom(qtbot: Any, make: Make) -> None:
    dialog = make(PRESETS[FAST])
    assert dialog.preset_name() == FAST
    type_into(qtbot, dialog.fields["top_k"], "5")
    assert dialog.preset_name() == CUSTOM_PRESET
    assert dialog.settings() == PRESETS[FAST].with_changes(top_k=5)
    type_into(qtbot, dialog.fields["top_k"], "")  # back to exactly Fast's values
    assert dialog.preset_name() == FAST


def test_the_fields_show_the_models_defaults_as_placeholders(make: Make) -> None:
    dialog = make()
    assert dialog.fields["num_beams"].placeholderText().startswith("10")
    assert dialog.fields["max_length"].placeholderText().startswith("60")
    assert not dialog.fields["max_new_tokens"].isEnabled()  # BlenderBot: max length instead


def test_a_causal_model_shows_its_causal_defaults(make: Make) -> None:
    dialog = make(limits=ModelLimits(2048, is_seq2seq=False), defaults={"eos_token_id": 2})
    assert dialog.fields["max_new_tokens"].isEnabled()
    assert dialog.fields["max_new_tokens"].placeholderText().startswith("256")
    assert dialog.fields["repetition_penalty"].placeholderText().startswith("1.15")


def test_reset_to_model_defaults_empties_every_field(qtbot: Any, make: Make) -> None:
    custom = GenerationSettings(num_beams=3, top_k=7, seed=9, length_penalty=0.5)
    dialog = make(custom)
    assert dialog.preset_name() == CUSTOM_PRESET and dialog.settings() == custom
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert all(not field.text() for field in dialog.fields.values())
    assert dialog.settings() == GenerationSettings()
    assert dialog.preset_name() == DEFAULT_PRESET


def answer_name_dialog(qtbot: Any, name: str) -> list[str]:
    """Type ``name`` into the preset-name dialog once it opens, and press Enter."""
    seen: list[str] = []

    def answer() -> None:
        asking = QApplication.activeModalWidget()
        if not isinstance(asking, QInputDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(asking.labelText())
        field = asking.findChild(QLineEdit)
        assert field is not None
        qtbot.keyClicks(field, name)
        qtbot.keyClick(field, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    return seen


def test_a_saved_preset_is_offered_by_a_new_dialog(qtbot: Any, make: Make) -> None:
    dialog = make()
    type_into(qtbot, dialog.fields["top_k"], "12")
    type_into(qtbot, dialog.fields["seed"], "77")
    choose(qtbot, dialog.sampling_combo, "On (sampling)")
    seen = answer_name_dialog(qtbot, "Storyteller")
    qtbot.mouseClick(dialog.save_preset_button, Qt.MouseButton.LeftButton)
    assert seen and dialog.preset_name() == "Storyteller"
    saved = GenerationSettings(do_sample=True, top_k=12, seed=77)
    dialog.reject()

    again = make()  # a new dialog on the same settings file
    names = [again.preset_combo.itemText(i) for i in range(again.preset_combo.count())]
    assert names == [*PRESETS, "Storyteller", CUSTOM_PRESET]
    choose(qtbot, again.preset_combo, "Storyteller")
    assert again.fields["top_k"].text() == "12" and again.fields["seed"].text() == "77"
    assert again.settings() == saved
    assert make(saved).preset_name() == "Storyteller"  # a chat with those settings


def test_a_preset_cannot_take_a_built_in_name(qtbot: Any, make: Make, data_dir: Path) -> None:
    dialog = make()
    type_into(qtbot, dialog.fields["top_k"], "3")
    assert dialog.save_preset(FAST) != ""
    assert dialog.save_preset("  ") != ""
    assert AppSettings(data_dir).user_presets == {}
    type_into(qtbot, dialog.fields["num_beams"], "0")
    assert not dialog.save_preset_button.isEnabled()  # a bad value cannot be saved


# -- results -------------------------------------------------------------------------------------
def test_the_choices_come_back_and_can_be_remembered(
    qtbot: Any, make: Make, data_dir: Path
) -> None:
    dialog = make(engine="transformers", threads=1, device="cpu")
    assert dialog.device() == "cpu" and dialog.engine_choice() == "transformers"
    type_into(qtbot, dialog.fields["repetition_penalty"], "1.2")
    dialog.tabs.setCurrentIndex(1)
    choose(qtbot, dialog.engine_combo, dialog.engine_combo.itemText(0))
    choose(qtbot, dialog.device_combo, "cuda:0")
    chosen: list[bool] = []
    dialog.choose_model_button.clicked.connect(lambda: chosen.append(True))
    dialog.choose_model_button.clicked.connect(lambda: dialog.set_model_reference("/m/tiny"))
    qtbot.mouseClick(dialog.choose_model_button, Qt.MouseButton.LeftButton)
    assert chosen and dialog.model_edit.text() == "/m/tiny" and dialog.model_edit.isReadOnly()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.settings() == GenerationSettings(repetition_penalty=1.2)
    assert dialog.preset_name() == CUSTOM_PRESET
    assert (dialog.engine_choice(), dialog.threads(), dialog.device()) == ("auto", 1, "cuda:0")
    assert dialog.model_reference() == "/m/tiny"
    dialog.remember()
    stored = AppSettings(data_dir)
    assert stored.preset == CUSTOM_PRESET and stored.generation == dialog.settings()
    assert (stored.engine, stored.threads, stored.device) == ("auto", 1, "cuda:0")


def test_hidden_settings_of_a_chat_are_kept(qtbot: Any, make: Make) -> None:
    dialog = make(GenerationSettings(length_penalty=0.65, encoder_no_repeat_ngram_size=3))
    type_into(qtbot, dialog.fields["num_beams"], "2")
    assert dialog.settings() == GenerationSettings(
        num_beams=2, length_penalty=0.65, encoder_no_repeat_ngram_size=3
    )


def test_the_remembered_model_is_shown(make: Make, data_dir: Path) -> None:
    AppSettings(data_dir).model = "facebook/blenderbot_small-90M"
    assert make().model_edit.text() == "facebook/blenderbot_small-90M"
    assert "default" in make(model_reference="").model_edit.text()


# -- keyboard and accessibility ----------------------------------------------------------------
def mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&])", text)
    return found.group(1).lower() if found else None


def test_every_field_has_a_buddy_an_accessible_name_and_its_own_mnemonic(make: Make) -> None:
    dialog = make()
    letters: list[str] = []
    for label in dialog.findChildren(QLabel):
        letter = mnemonic(label.text())
        if letter:
            assert label.buddy() is not None, label.text()
            letters.append(letter)
    for button in dialog.findChildren(QAbstractButton):
        letter = mnemonic(button.text())
        if letter:
            letters.append(letter)
    letters += [mnemonic(dialog.tabs.tabText(i)) or "" for i in range(dialog.tabs.count())]
    assert len(letters) == len(set(letters)), sorted(letters)
    buddies = {label.buddy() for label in dialog.findChildren(QLabel)}
    inputs = [*dialog.findChildren(QLineEdit), *dialog.findChildren(QComboBox)]
    assert len(inputs) == len(dialog.fields) + 7  # threads, model; 5 combos
    for widget in inputs:
        assert widget in buddies and widget.accessibleName(), widget.objectName()
    for button in dialog.findChildren(QAbstractButton):
        if button.isVisibleTo(dialog):
            assert button.accessibleName() or button.text(), button


def test_a_mnemonic_moves_the_focus_to_its_field(qtbot: Any, make: Make) -> None:
    dialog = make()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.isActiveWindow() or QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.fields["top_k"]


def test_tab_reaches_every_field_of_the_generation_tab(qtbot: Any, make: Make) -> None:
    dialog = make()
    dialog.preset_combo.setFocus()
    reached = set()
    for _ in range(40):
        reached.add(dialog.focusWidget())
        dialog.focusNextChild()
    wanted = {dialog.preset_combo, dialog.sampling_combo, *dialog.fields.values()}
    wanted.discard(dialog.fields["max_new_tokens"])  # disabled for BlenderBot
    wanted |= {dialog.reset_button, dialog.save_preset_button}
    assert wanted <= reached


def test_the_language_is_chosen_here_and_remembered(make: Make) -> None:
    dialog = make()
    combo = dialog.language_combo
    assert [combo.itemData(i) for i in range(combo.count())][:2] == ["system", "en"]
    combo.setCurrentIndex(combo.findData("de"))
    dialog.accept()
    dialog.remember()
    assert dialog.app_settings.language == "de"
