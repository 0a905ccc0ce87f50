"""What a screen reader gets from the window (issue 12): every control has a name and a
description, every menu item has text, and finished replies, model milestones and errors are
announced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAction
from PySide6.QtWidgets import QMenu, QWidget

from gui.announcer import Announcer
from tests.conftest import WindowFactory


def accessible_text(widget: QWidget, kind: QAccessible.Text) -> str:
    """What Qt tells assistive technology: the explicit name, or what Qt derives it from (a
    button's text, a label's buddy); the explicit description, or the tooltip."""
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None, widget
    return interface.text(kind).strip()


def focusable_widgets(window: QWidget) -> list[QWidget]:
    return [w for w in window.findChildren(QWidget) if w.focusPolicy() & Qt.FocusPolicy.TabFocus]


def menu_actions(menu: QMenu) -> list[QAction]:
    """Every item of ``menu`` and its submenus, filled as they are when they open."""
    menu.aboutToShow.emit()
    found: list[QAction] = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        found.append(action)
        submenu = action.menu()
        if isinstance(submenu, QMenu):
            found.extend(menu_actions(submenu))
    return found


def test_every_control_of_the_window_has_a_name_and_a_description(
    make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    window.show_search()  # a window of its own, built on first use
    controls = focusable_widgets(window)
    assert window.input_box in controls and window.message_view in controls
    assert window.send_button in controls and window.chat_list in controls
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r} {w.toolTip()!r}"
        for w in controls
        if not accessible_text(w, QAccessible.Text.Name)
    ]
    assert unnamed == []
    undescribed = [
        f"{type(w).__name__} {accessible_text(w, QAccessible.Text.Name)!r}"
        for w in controls
        if not accessible_text(w, QAccessible.Text.Description)
    ]
    assert undescribed == [], undescribed


def test_every_menu_item_has_text(make_window: WindowFactory, tiny_model: Path) -> None:
    window = make_window(tiny_model, load=False)
    menus = [a.menu() for a in window.menuBar().actions()]
    assert all(isinstance(menu, QMenu) for menu in menus)
    items = [item for menu in menus for item in menu_actions(menu)]
    assert len(items) > 30
    assert [i for i in items if not i.text().replace("&", "").strip()] == []
    assert all(menu.title().replace("&", "").strip() for menu in menus)


def test_status_labels_read_their_status_not_a_fixed_name(
    make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    label = window.model_label
    assert accessible_text(label, QAccessible.Text.Name) == label.text()
    assert label.text().startswith("Ready: ")
    assert accessible_text(label, QAccessible.Text.Description) == "Model status"


def test_loading_and_ready_are_announced(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    heard: list[tuple[str, bool]] = []
    window.announcer.announced.connect(lambda text, loud: heard.append((text, loud)))
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.start_loading()
    assert heard[0] == (f"Loading the model {tiny_model}", False)
    assert heard[-1] == (f"The model {tiny_model.name} is ready", False)


def test_a_finished_reply_is_announced_with_its_author(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    with qtbot.waitSignal(window.announcer.announced, timeout=60_000) as heard:
        window.input_box.setFocus()
        qtbot.keyClicks(window.input_box, "Hello there")
        qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    reply = window.conversation.messages[-1]
    assert reply.role == "assistant" and reply.content.strip()
    assert heard.args == [f"Bot: {reply.content.strip()}", False]
    assert window.input_box.hasFocus()  # announced, not focused: typing goes on


def test_errors_are_announced_assertively(make_window: WindowFactory, tiny_model: Path) -> None:
    window = make_window(tiny_model, load=False)
    heard: list[tuple[str, bool]] = []
    window.announcer.announced.connect(lambda text, loud: heard.append((text, loud)))
    window.files.open_path(Path("/nonexistent/chat.confab.json"))
    assert len(heard) == 1 and heard[0][1] is True
    assert "chat.confab.json" in heard[0][0]
    assert window.statusBar().currentMessage() == heard[0][0]


def test_without_announcement_events_a_live_label_carries_the_text(
    make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    announcer = Announcer(window, use_event=False)
    assert announcer.live_label is not None
    announcer.reply("Paris is the capital of France.")
    said = "Bot: Paris is the capital of France."
    assert accessible_text(announcer.live_label, QAccessible.Text.Name) == said
    assert announcer.live_label.isVisibleTo(window)
