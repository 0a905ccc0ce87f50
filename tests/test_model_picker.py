"""The model picker dialog, driven with pytest-qt over a real Hugging Face cache and data folder.

The cache holds tiny random models installed as hub models; the fast engine made a real int8
conversion of one; the confirmation and folder dialogs are answered by clicking them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QWidget

from core.model_catalog import FAMILY_IDS, int8_conversions, removal_plan
from gui.dialogs import human_size
from gui.model_picker import REFERENCE_ROLE, ModelPicker
from tests.conftest import NetworkGuard
from tests.test_model_catalog import (
    OTHER,
    TARGET,
    Machine,
    build_machine,
    files_under,
    repo_dir,
    use_machine,
)

BIGGEST = "facebook/blenderbot-3B"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    return build_machine(
        tmp_path_factory.mktemp("picker-template"),
        tiny_model,
        repos=(TARGET, OTHER),
        converted=(TARGET,),
        folder_model=False,
    )


@pytest.fixture
def machine(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: NetworkGuard
) -> Machine:
    return use_machine(template, tmp_path, monkeypatch)


@pytest.fixture
def model_folder(tiny_model: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_model, tmp_path / "my model"))


GB = 1_000_000_000
PLENTY = 64 * GB  # memory "available" unless a test says otherwise: every model fits


def make_picker(
    qtbot: Any,
    machine: Machine,
    recent: list[str] | None = None,
    current: str = "",
    engine: str = "auto",
    available: int = PLENTY,
) -> ModelPicker:
    picker = ModelPicker(
        machine.data, recent or [], current, engine=engine, available_memory=available
    )
    qtbot.addWidget(picker)
    return picker


def item_text(picker: ModelPicker, reference: str) -> str:
    for widget in (picker.family_list, picker.recent_list):
        for row in range(widget.count()):
            if widget.item(row).data(REFERENCE_ROLE) == reference:
                return widget.item(row).text()
    raise AssertionError(f"{reference} is not listed")


def select(picker: ModelPicker, reference: str) -> None:
    for widget in (picker.family_list, picker.recent_list):
        for row in range(widget.count()):
            if widget.item(row).data(REFERENCE_ROLE) == reference:
                widget.setCurrentRow(row)
                return
    raise AssertionError(f"{reference} is not listed")


def when_shown(name: str, act: Callable[[QWidget], None]) -> list[str]:
    """Run ``act`` on the modal dialog named ``name`` once it shows; its text is recorded."""
    seen: list[str] = []
    tries = [0]

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if widget is not None and widget.objectName() == name:
            seen.append(widget.text() if isinstance(widget, QMessageBox) else name)
            act(widget)
        elif tries[0] < 1000:
            tries[0] += 1
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    return seen


def click(label: str) -> Callable[[QWidget], None]:
    def act(widget: QWidget) -> None:
        assert isinstance(widget, QMessageBox)
        button = next(b for b in widget.buttons() if b.text().replace("&", "") == label)
        button.click()

    return act


def choose_directory(folder: Path) -> Callable[[QWidget], None]:
    def act(widget: QWidget) -> None:
        assert isinstance(widget, QFileDialog)
        widget.setDirectory(str(folder))
        widget.accept()

    return act


# -- what it shows ---------------------------------------------------------------------------
def test_the_family_is_listed_with_size_memory_license_and_status(
    qtbot: Any, machine: Machine
) -> None:
    picker = make_picker(qtbot, machine)
    listed = [picker.family_list.item(r).data(REFERENCE_ROLE) for r in range(4)]
    assert listed == list(FAMILY_IDS) and picker.family_list.count() == 4
    target = item_text(picker, TARGET)
    assert "— downloaded, converted for the fast engine" in target
    assert "download 730.0 MB" in target and "Apache-2.0" in target
    assert "(transformers)" in target and "(fast)" in target
    assert "— not downloaded" in item_text(picker, BIGGEST)
    assert "the fast engine does not run it" in item_text(picker, FAMILY_IDS[0])


def test_widgets_have_accessible_names(qtbot: Any, machine: Machine) -> None:
    picker = make_picker(qtbot, machine)
    for widget in (
        picker.family_list,
        picker.recent_list,
        picker.hub_edit,
        picker.folder_button,
        picker.use_button,
        picker.remove_button,
        picker.message,
    ):
        assert widget.accessibleName(), widget


def test_recent_models_are_listed_apart_from_the_family(
    qtbot: Any, machine: Machine, model_folder: Path
) -> None:
    picker = make_picker(qtbot, machine, [TARGET, OTHER, str(model_folder)])
    recent = [picker.recent_list.item(r).data(REFERENCE_ROLE) for r in range(2)]
    assert recent == [OTHER, str(model_folder)] and picker.recent_list.count() == 2
    assert "— downloaded" in item_text(picker, OTHER)
    assert "local folder" in item_text(picker, str(model_folder))
    assert picker.recent_list.isVisibleTo(picker)
    assert not make_picker(qtbot, machine).recent_list.isVisibleTo(picker)


# -- using -----------------------------------------------------------------------------------
def test_the_family_list_has_the_focus_and_enter_uses_the_selection(
    qtbot: Any, machine: Machine
) -> None:
    picker = make_picker(qtbot, machine)
    picker.show()
    qtbot.waitExposed(picker)
    assert picker.focusWidget() is picker.family_list
    assert picker.family_list.currentRow() == 0
    qtbot.keyClick(picker.family_list, Qt.Key.Key_Down)
    with qtbot.waitSignal(picker.accepted, timeout=5_000):
        qtbot.keyClick(picker.family_list, Qt.Key.Key_Return)
    assert picker.reference == FAMILY_IDS[1]
    assert picker.result() == QDialog.DialogCode.Accepted


def test_the_current_model_is_selected_and_cannot_be_removed(qtbot: Any, machine: Machine) -> None:
    picker = make_picker(qtbot, machine, current=TARGET)
    assert picker.selected_reference() == TARGET
    assert "in use" in item_text(picker, TARGET)
    assert not picker.remove_button.isEnabled()
    assert "in use" in picker.remove_button.toolTip()
    picker.remove_selected()  # even asked directly, nothing goes
    assert repo_dir(machine.cache, TARGET).is_dir() and int8_conversions(machine.data, TARGET)


def test_a_recent_model_is_used(qtbot: Any, machine: Machine, model_folder: Path) -> None:
    picker = make_picker(qtbot, machine, [OTHER, str(model_folder)])
    select(picker, str(model_folder))
    assert picker.selected_reference() == str(model_folder)
    assert picker.family_list.selectedItems() == []
    with qtbot.waitSignal(picker.accepted, timeout=5_000):
        picker.use_button.click()
    assert picker.reference == str(model_folder)


def test_a_typed_hub_id_is_used_with_enter(qtbot: Any, machine: Machine) -> None:
    picker = make_picker(qtbot, machine)
    picker.show()
    qtbot.keyClicks(picker.hub_edit, "someone/new-model")
    assert picker.use_button.isEnabled() and not picker.remove_button.isEnabled()
    assert "not downloaded" in picker.message.text()
    with qtbot.waitSignal(picker.accepted, timeout=5_000):
        qtbot.keyClick(picker.hub_edit, Qt.Key.Key_Return)
    assert picker.reference == "someone/new-model"


def test_a_bad_hub_id_cannot_be_used(qtbot: Any, machine: Machine) -> None:
    picker = make_picker(qtbot, machine)
    picker.show()
    qtbot.keyClicks(picker.hub_edit, "not an id")
    assert not picker.use_button.isEnabled()
    assert "Repo id" in picker.message.text()
    picker.use()
    assert picker.reference == "" and picker.isVisible()


def test_choose_folder_uses_a_model_folder(
    qtbot: Any, machine: Machine, model_folder: Path
) -> None:
    picker = make_picker(qtbot, machine)
    picker.show()
    seen = when_shown("model-folder-dialog", choose_directory(model_folder))
    picker.folder_button.click()
    assert seen
    assert picker.reference == str(model_folder)
    assert picker.result() == QDialog.DialogCode.Accepted


def test_choose_folder_names_a_folder_without_a_model(
    qtbot: Any, machine: Machine, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    picker = make_picker(qtbot, machine)
    picker.show()
    seen = when_shown("model-folder-dialog", choose_directory(empty))
    picker.folder_button.click()
    assert seen
    assert "no config.json" in picker.message.text()
    assert picker.reference == "" and picker.isVisible()


# -- memory fit (issue 14) -------------------------------------------------------------------
def test_a_model_that_does_not_fit_is_marked_with_what_it_needs_and_what_is_free(
    qtbot: Any, machine: Machine
) -> None:
    picker = make_picker(qtbot, machine, available=int(8.2 * GB))
    assert "⚠ Needs about 11.7 GB with Transformers; 8.2 GB free." in item_text(picker, BIGGEST)
    assert "⚠" not in item_text(picker, TARGET)
    tight = make_picker(qtbot, machine, available=3 * GB)
    both = "⚠ Needs about 3.3 GB with the fast engine and 11.7 GB with Transformers; 3.0 GB free."
    assert both in item_text(tight, BIGGEST)
    assert "⚠" not in item_text(make_picker(qtbot, machine), BIGGEST)


@pytest.mark.parametrize(("answer", "chosen"), [("Cancel", ""), ("Load Anyway", BIGGEST)])
def test_using_a_model_that_does_not_fit_asks_first(
    qtbot: Any, machine: Machine, answer: str, chosen: str
) -> None:
    picker = make_picker(qtbot, machine, engine="transformers", available=int(8.2 * GB))
    picker.show()
    select(picker, BIGGEST)
    seen = when_shown("memory-fit-confirmation", click(answer))
    picker.use_button.click()
    assert len(seen) == 1
    assert f"{BIGGEST} needs about 11.7 GB of memory with Transformers" in seen[0]
    assert "8.2 GB is free" in seen[0] and "Load it anyway?" in seen[0]
    assert picker.reference == chosen
    assert picker.isVisible() == (not chosen)
    if not chosen:
        assert "not enough memory" in picker.message.text()


def test_a_model_that_fits_with_the_engine_it_loads_with_is_used_at_once(
    qtbot: Any, machine: Machine
) -> None:
    """The automatic engine runs the 3B in int8 (3.3 GB): 8.2 GB free is enough."""
    picker = make_picker(qtbot, machine, available=int(8.2 * GB))
    picker.show()
    select(picker, BIGGEST)
    seen = when_shown("memory-fit-confirmation", click("Cancel"))
    with qtbot.waitSignal(picker.accepted, timeout=5_000):
        picker.use_button.click()
    assert seen == [] and picker.reference == BIGGEST


# -- removing --------------------------------------------------------------------------------
def test_remove_asks_then_deletes_the_download_and_the_conversion(
    qtbot: Any, machine: Machine, no_network: NetworkGuard
) -> None:
    picker = make_picker(qtbot, machine)
    select(picker, TARGET)
    plan = removal_plan(TARGET, machine.data)
    (conversion,) = plan.conversions
    other_files = files_under(repo_dir(machine.cache, OTHER))
    assert picker.remove_button.isEnabled()

    seen = when_shown("remove-model-confirmation", click("Remove"))
    picker.remove_button.click()

    assert len(seen) == 1
    assert str(repo_dir(machine.cache, TARGET)) in seen[0] and str(conversion) in seen[0]
    assert f"{human_size(plan.total_bytes)} will be freed" in seen[0]
    assert not repo_dir(machine.cache, TARGET).exists() and not conversion.exists()
    assert files_under(repo_dir(machine.cache, OTHER)) == other_files
    assert "— not downloaded" in item_text(picker, TARGET)
    assert "converted" not in item_text(picker, TARGET)
    assert [r.total_bytes for r in picker.removed] == [plan.total_bytes]
    assert picker.message.text() == (f"Removed {TARGET}: {human_size(plan.total_bytes)} freed.")
    assert not picker.remove_button.isEnabled()  # nothing left to remove
    assert no_network.attempts == []


def test_cancelling_the_confirmation_deletes_nothing(qtbot: Any, machine: Machine) -> None:
    picker = make_picker(qtbot, machine)
    select(picker, TARGET)
    before = files_under(machine.root)
    seen = when_shown("remove-model-confirmation", click("Cancel"))
    picker.remove_button.click()
    assert seen and files_under(machine.root) == before
    assert picker.removed == [] and "— downloaded" in item_text(picker, TARGET)


def test_remove_is_off_for_a_model_not_on_this_computer(qtbot: Any, machine: Machine) -> None:
    picker = make_picker(qtbot, machine)
    select(picker, BIGGEST)
    assert not picker.remove_button.isEnabled()
    select(picker, TARGET)
    assert picker.remove_button.isEnabled()


def test_a_removed_recent_hub_model_is_forgotten(qtbot: Any, machine: Machine) -> None:
    picker = make_picker(qtbot, machine, [OTHER, TARGET])
    select(picker, OTHER)
    seen = when_shown("remove-model-confirmation", click("Remove"))
    picker.remove_button.click()
    assert seen and not repo_dir(machine.cache, OTHER).exists()
    assert picker.recent == [TARGET]
    assert picker.recent_list.count() == 0
    assert repo_dir(machine.cache, TARGET).is_dir()


def test_a_recent_folder_is_forgotten_never_deleted(
    qtbot: Any, machine: Machine, model_folder: Path
) -> None:
    files = {p: p.read_bytes() for p in files_under(model_folder)}
    picker = make_picker(qtbot, machine, [str(model_folder), OTHER])
    select(picker, str(model_folder))
    assert picker.remove_button.isEnabled()
    seen = when_shown("remove-model-confirmation", click("Forget"))
    picker.remove_button.click()
    assert len(seen) == 1 and "itself is not deleted" in seen[0]
    assert picker.recent == [OTHER]
    assert {p: p.read_bytes() for p in files_under(model_folder)} == files
    assert repo_dir(machine.cache, OTHER).is_dir()
