"""Light and dark themes: the palette and the chat bubbles' colours, read from
``resources/themes/<name>.json``, and the controller that follows the system's scheme.

No widget or delegate holds a colour of its own: the palette comes from the theme file, and
the bubble delegate asks ``colors_for(palette)`` for the bubble colours that go with it, so
a palette change (a theme switch, or the desktop turning dark) repaints everything right.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from core.paths import resource_path

log = logging.getLogger(__name__)

ThemeChoice = Literal["system", "light", "dark"]
THEME_CHOICES: tuple[ThemeChoice, ...] = get_args(ThemeChoice)
ThemeName = Literal["light", "dark"]
BUBBLE_ROLES = ("user", "assistant", "system")


@dataclass(frozen=True)
class BubbleColors:
    """The colours of one author's bubbles: fill, text, timestamp line, links, code blocks."""

    fill: QColor
    ink: QColor
    time: QColor
    link: QColor
    code: QColor


@dataclass(frozen=True)
class Theme:
    """One theme file: the window palette's colours and the chat's colours."""

    name: ThemeName
    palette_colors: dict[str, QColor]
    disabled_colors: dict[str, QColor]
    bubbles: dict[str, BubbleColors]  # by author role
    selection: QColor  # the ring and band around selected messages
    focus: QColor  # the dotted ring of the message with the keyboard focus
    unseen_border: QColor  # the outline of messages the bot no longer sees
    find_background: QColor
    find_ink: QColor
    error: QColor  # text saying what is wrong with a value (Preferences)

    def bubble(self, role: str) -> BubbleColors:
        """The colours of ``role``'s bubbles (an unknown role is drawn as the bot's)."""
        return self.bubbles.get(role, self.bubbles["assistant"])

    def palette(self) -> QPalette:
        """A full palette for the window: every group from the file's colours, disabled
        text from its own entries."""
        palette = QPalette()
        for role_name, color in self.palette_colors.items():
            palette.setColor(getattr(QPalette.ColorRole, role_name), color)
        for role_name, color in self.disabled_colors.items():
            palette.setColor(
                QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role_name), color
            )
        return palette


def _color(value: object, where: str) -> QColor:
    color = QColor(str(value))
    if not isinstance(value, str) or not color.isValid():
        raise ValueError(f"{where}: {value!r} is not a colour")
    return color


@cache
def load_theme(name: ThemeName) -> Theme:
    """The theme in ``resources/themes/<name>.json``; a broken file raises ``ValueError``
    (it ships with the app, so that is a bug to find in the tests, not a user's problem)."""
    path = resource_path("themes") / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    palette_colors = {}
    for role_name, value in data["palette"].items():
        if not hasattr(QPalette.ColorRole, role_name):
            raise ValueError(f"{path}: no palette role {role_name!r}")
        palette_colors[role_name] = _color(value, f"{path}: {role_name}")
    disabled = {k: _color(v, f"{path}: disabled {k}") for k, v in data["disabled"].items()}
    bubbles = {
        role: BubbleColors(
            **{key: _color(data["bubbles"][role][key], f"{path}: {role}.{key}")
               for key in ("fill", "ink", "time", "link", "code")}
        )
        for role in BUBBLE_ROLES
    }
    return Theme(
        name=name,
        palette_colors=palette_colors,
        disabled_colors=disabled,
        bubbles=bubbles,
        selection=_color(data["selection"], f"{path}: selection"),
        focus=_color(data["focus"], f"{path}: focus"),
        unseen_border=_color(data["unseen_border"], f"{path}: unseen_border"),
        find_background=_color(data["find_background"], f"{path}: find_background"),
        find_ink=_color(data["find_ink"], f"{path}: find_ink"),
        error=_color(data["error"], f"{path}: error"),
    )


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` puts light text on a dark background."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    return base.lightnessF() < text.lightnessF()


def colors_for(palette: QPalette) -> Theme:
    """The theme whose chat colours go with ``palette``: dark bubbles on a dark palette
    (ours, or one the desktop supplies), light ones otherwise."""
    return load_theme("dark" if is_dark(palette) else "light")


def mark_as_error(label: QWidget) -> None:
    """Colour ``label``'s text as a problem, in the theme's error colour (the label keeps a
    palette of its own, so a theme switch must call this again; the text says the problem
    in words too, so the colour is never the only sign)."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, colors_for(label.palette()).error)
    label.setPalette(palette)


def system_theme(scheme: Qt.ColorScheme | None = None) -> ThemeName:
    """What the desktop asks for (``scheme``, else the one it has now); light when it says
    nothing (Qt's "Unknown")."""
    if scheme is None:
        scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def parse_choice(value: object) -> ThemeChoice:
    """A remembered or typed theme choice; anything else is "system"."""
    for choice in THEME_CHOICES:
        if value == choice:
            return choice
    return "system"


class ThemeController(QObject):
    """Applies a theme to the application and, for "system", follows the desktop's scheme
    as it changes."""

    theme_applied = Signal(str)  # the ThemeName now shown

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.choice: ThemeChoice = "system"
        self.applied: ThemeName | None = None
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_changed)

    def apply(self, choice: ThemeChoice, scheme: Qt.ColorScheme | None = None) -> ThemeName:
        """Show ``choice`` now (for "system", the desktop's ``scheme`` or the one it has);
        returns the theme it resolved to."""
        self.choice = choice
        name: ThemeName = system_theme(scheme) if choice == "system" else choice
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return name
        # Fusion draws every control from the palette; native styles ignore parts of it
        # (a dark palette under a light GTK theme leaves light scroll bars and menus).
        if app.style().name().lower() != "fusion":
            app.setStyle("Fusion")
        app.setPalette(load_theme(name).palette())
        self.applied = name
        log.info("theme %s (chosen: %s)", name, choice)
        self.theme_applied.emit(name)
        return name

    def _system_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.choice == "system" and system_theme(scheme) != self.applied:
            self.apply("system", scheme)
