"""Themes: light and dark palettes from resources/, the bubbles' colours measured on screen
(text contrast at least 4.5:1, selection plainly visible), the theme menu and --theme."""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from core.conversation import Message
from gui.message_list import MessageListModel
from gui.message_view import MessageListView
from gui.theme import ThemeController, load_theme
from tests.bubble_views import bubble, shown

ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 3, 4, 14, 2, tzinfo=UTC)


def luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture
def themes(qapp: QApplication) -> Iterator[ThemeController]:
    controller = ThemeController()
    yield controller
    controller.apply("light")


def render(qtbot: Any, messages: list[Message], selected: int | None = None) -> tuple[
    QImage, MessageListView, MessageListModel
]:
    view, model = shown(qtbot, messages, 700, 600)
    if selected is not None:
        view.selectionModel().select(
            model.index(selected), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
    view.clearFocus()
    QApplication.processEvents()
    return view.viewport().grab().toImage(), view, model


def pixels(image: QImage, rect: QRectF) -> Counter[int]:
    found: Counter[int] = Counter()
    for y in range(int(rect.top()) + 1, int(rect.bottom()) - 1):
        for x in range(int(rect.left()) + 1, int(rect.right()) - 1):
            found[image.pixel(x, y)] += 1
    return found


def measured_contrast(image: QImage, area: QRectF) -> tuple[QColor, float]:
    """The area's background (its commonest colour) and the contrast of the pixel that
    stands out most from it: the ink at the heart of the glyphs."""
    counts = pixels(image, area)
    fill = QColor.fromRgb(counts.most_common(1)[0][0])
    ink = max((QColor.fromRgb(p) for p in counts), key=lambda c: contrast(c, fill))
    return fill, contrast(ink, fill)


CHAT = [
    Message("user", "What is the capital of France? Tell me please.", WHEN),
    Message("assistant", "Paris is the capital of France, and its largest city.", WHEN),
    Message("system", "The model changed: a note from Confab.", WHEN),
]


@pytest.mark.parametrize("name", ["light", "dark"])
def test_text_and_timestamps_reach_4_5_to_1_in_every_bubble(
    qtbot: Any, themes: ThemeController, name: str
) -> None:
    themes.apply(name)  # type: ignore[arg-type]
    image, view, model = render(qtbot, CHAT)
    for row, message in enumerate(CHAT):
        shape = bubble(view, model, row)
        expected = load_theme(name).bubble(message.role)
        fill, text_ratio = measured_contrast(
            image, QRectF(shape.text_origin, shape.rect.bottomRight()).adjusted(0, 0, -4, -22)
        )
        assert fill == expected.fill, (name, message.role)  # the theme's colour, on screen
        assert text_ratio >= 4.5, (name, message.role, text_ratio)
        _, time_ratio = measured_contrast(image, shape.time_rect)
        assert time_ratio >= 4.5, (name, message.role, "time", time_ratio)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_the_palette_s_own_text_reaches_4_5_to_1(themes: ThemeController, name: str) -> None:
    themes.apply(name)  # type: ignore[arg-type]
    palette = QGuiApplication.palette()
    role = palette.ColorRole
    for text, background in [
        (role.Text, role.Base),
        (role.WindowText, role.Window),
        (role.ButtonText, role.Button),
        (role.HighlightedText, role.Highlight),
        (role.PlaceholderText, role.Base),
        (role.Link, role.Base),
        (role.ToolTipText, role.ToolTipBase),
    ]:
        ratio = contrast(palette.color(text), palette.color(background))
        assert ratio >= 4.5, (name, text, background, ratio)
    assert contrast(load_theme(name).error, palette.color(role.Window)) >= 4.5


@pytest.mark.parametrize("name", ["light", "dark"])
@pytest.mark.parametrize("row", [0, 1])
def test_a_selected_message_is_plainly_visible_and_keeps_its_colours(
    qtbot: Any, themes: ThemeController, name: str, row: int
) -> None:
    themes.apply(name)  # type: ignore[arg-type]
    plain, view, model = render(qtbot, CHAT)
    selected, view, model = render(qtbot, CHAT, selected=row)
    shape = bubble(view, model, row)
    theme = load_theme(name)
    # The bubble keeps its own fill: a selected bot reply does not turn the user's blue.
    inside = shape.rect.center()
    assert QColor.fromRgb(selected.pixel(int(inside.x()), int(inside.y()))) == theme.bubble(
        CHAT[row].role
    ).fill
    # A ring in the selection colour goes round it, standing out from the background.
    ring = QPointF(shape.rect.center().x(), shape.rect.top() - 2.5)
    ring_color = QColor.fromRgb(selected.pixel(int(ring.x()), int(ring.y())))
    base = QColor.fromRgb(plain.pixel(int(ring.x()), int(ring.y())))
    assert contrast(ring_color, base) >= 3.0, (name, ring_color.name(), base.name())


def test_the_bot_no_longer_sees_a_message_and_its_text_stays_readable(
    qtbot: Any, themes: ThemeController
) -> None:
    image, view, model = render(qtbot, CHAT)
    model.set_seen(1)  # the first message is out of the bot's input
    QApplication.processEvents()
    image = view.viewport().grab().toImage()
    shape = bubble(view, model, 0)
    _, ratio = measured_contrast(
        image, QRectF(shape.text_origin, shape.rect.bottomRight()).adjusted(0, 0, -4, -22)
    )
    assert ratio >= 4.5


def test_the_system_theme_follows_the_desktop(qtbot: Any, themes: ThemeController) -> None:
    # The desktop's change arrives as QStyleHints' signal; the offscreen platform cannot
    # change its scheme, so the test sends the signal the desktop would.
    hints = QGuiApplication.styleHints()
    themes.apply("system")

    def applied() -> str | None:
        return themes.applied

    assert applied() == "light"
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert applied() == "dark"
    palette = QGuiApplication.palette()
    assert palette.color(palette.ColorRole.Base) == load_theme("dark").palette_colors["Base"]
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert applied() == "light"
    themes.apply("dark")  # a choice of the user's wins over the desktop's
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert applied() == "dark"


def test_the_theme_menu_is_remembered_and_the_command_line_applies_once(
    make_window: Any, tiny_model: Path, tmp_path: Path
) -> None:
    window = make_window(tiny_model, load=False)
    window.view_options.theme_actions["dark"].trigger()
    base = QGuiApplication.palette().color(QGuiApplication.palette().ColorRole.Base)
    assert base == load_theme("dark").palette_colors["Base"]
    window.settings.sync()
    assert "theme=dark" in (tmp_path / "data" / "settings.ini").read_text()
    window.close()

    again = make_window(tiny_model, load=False)  # same data folder
    assert again.view_options.theme_actions["dark"].isChecked()
    assert again.view_options.controller.applied == "dark"
    again.close()

    once = make_window(tiny_model, load=False, theme="light")
    assert once.view_options.controller.applied == "light"
    once.settings.sync()
    assert "theme=dark" in (tmp_path / "data" / "settings.ini").read_text()
    once.view_options.controller.apply("light")


def test_no_colour_is_written_into_the_gui_code() -> None:
    """Every colour comes from the palette or resources/themes, never a literal in gui/."""
    literal = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
    found = []
    for path in sorted((ROOT / "gui").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and literal.search(node.value)
            ):
                found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr == "GlobalColor":
                found.append(f"{path.name}:{node.lineno}")
    assert not found


def test_theme_choices_and_colours_are_checked(themes: ThemeController) -> None:
    from gui.theme import _color, parse_choice

    assert [parse_choice(v) for v in ("dark", "light", "system")] == ["dark", "light", "system"]
    assert parse_choice("purple") == parse_choice(None) == "system"
    with pytest.raises(ValueError, match="not a colour"):
        _color("not a colour", "a theme file")
    with pytest.raises(ValueError, match="not a colour"):
        _color(["#ffffff"], "a theme file")
    assert themes.apply("dark") == "dark"
    app = QApplication.instance()
    assert isinstance(app, QApplication) and app.style().name().lower() == "fusion"
