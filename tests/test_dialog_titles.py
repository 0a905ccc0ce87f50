"""Window titles name the app once (issue 12, problem 11).

On Linux Qt appends " — Confab" (the application display name) to every window title that
does not already end with it, so a dialog titled "Confab: choose a model" was shown as
"Confab: choose a model — Confab". Each dialog the window opens is opened here through the
app's own code and its title checked as the desktop would show it; a scan of gui/ catches
the message boxes that only open on errors.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from core import APP_NAME
from gui.dialogs import ModelMissingDialog
from gui.server_dialog import ServerDialog
from tests.conftest import WindowFactory

GUI = Path(__file__).resolve().parent.parent / "gui"


def shown_title(title: str) -> str:
    """The title as Qt's Linux platform plugins show it (QPlatformWindow::formatWindowTitle)."""
    return title if title.endswith(APP_NAME) else f"{title} — {APP_NAME}"


def title_of_modal(open_it: Callable[[], object]) -> str:
    """The title of the modal dialog that ``open_it`` runs, which is then closed."""
    titles: list[str] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, close_it)
            return
        titles.append(dialog.windowTitle())
        dialog.close()

    QTimer.singleShot(0, close_it)
    open_it()
    return titles[0]


def test_no_dialog_repeats_the_app_name(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    help_menu = window.help_menu
    titles = {
        "main window": window.windowTitle(),
        "choose a model": title_of_modal(window.choose_model),
        "preferences": title_of_modal(window.open_preferences),
    }
    help_menu.show_shortcuts()
    help_menu.show_readme()
    help_menu.show_about()
    window.show_search()
    titles["shortcuts"] = help_menu.shortcuts_dialog.windowTitle()
    titles["readme"] = help_menu.readme_dialog.windowTitle()
    titles["about"] = help_menu.about_dialog.windowTitle()
    titles["search"] = window.search_panel.windowTitle()
    titles["persona"] = window.persona_panel.windowTitle()
    others: list[QWidget] = [
        ModelMissingDialog("facebook/blenderbot-400M-distill", offline=True),
        ServerDialog(window.settings, None, {}),
    ]
    for widget in others:
        qtbot.addWidget(widget)
        titles[type(widget).__name__] = widget.windowTitle()
    for name, title in titles.items():
        assert title, name
        assert shown_title(title).count(APP_NAME) == 1, (name, shown_title(title))
        assert not title.startswith(APP_NAME + ":"), (name, title)


def prefixed_titles(source: str) -> list[int]:
    """Lines of ``source`` with a string that starts "Confab:" or f"{APP_NAME}:"."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(APP_NAME + ":"):
                lines.append(node.lineno)
        elif isinstance(node, ast.JoinedStr) and len(node.values) >= 2:
            first, second = node.values[0], node.values[1]
            named = (
                isinstance(first, ast.FormattedValue)
                and isinstance(first.value, ast.Name)
                and first.value.id == "APP_NAME"
            )
            if named and isinstance(second, ast.Constant) and str(second.value).startswith(":"):
                lines.append(node.lineno)
    return lines


def test_no_title_in_the_code_starts_with_the_app_name() -> None:
    found = {
        path.name: lines
        for path in sorted(GUI.glob("*.py"))
        if (lines := prefixed_titles(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert prefixed_titles('box = QMessageBox(icon, f"{APP_NAME}: oops", text)') == [1]
