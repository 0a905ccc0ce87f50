"""The user interface's language: English as written, or a shipped translation
(``resources/translations/confab_<lang>.qm``), chosen in Preferences or by the system locale.

Every visible string in ``gui/`` goes through ``tr`` / ``QCoreApplication.translate``; the
``.ts`` sources are made and compiled by ``resources/make_translations.py``. Qt's own
strings (the buttons of standard dialogs, the file dialog) come from Qt's translations.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from core.paths import resource_path

if TYPE_CHECKING:
    # PySide6's stubs say it returns ``object``; it returns ``source`` as it is. Import it
    # from here to keep the type (lupdate finds the calls by their name, wherever it comes
    # from).
    def QT_TRANSLATE_NOOP(context: str, source: str) -> str:  # noqa: N802
        return source
else:
    from PySide6.QtCore import QT_TRANSLATE_NOOP

log = logging.getLogger(__name__)

SYSTEM = "system"
SOURCE_LANGUAGE = "en"
# Each language in its own tongue; "System" is shown translated (Preferences).
LANGUAGE_NAMES: dict[str, str] = {
    SYSTEM: QT_TRANSLATE_NOOP("PreferencesDialog", "System"),
    "en": "English",
    "de": "Deutsch",
}


def translations_dir() -> Path:
    return resource_path("translations")


def shipped_languages() -> list[str]:
    """The languages Confab can show: English and every compiled translation."""
    found = sorted(path.stem.removeprefix("confab_") for path in translations_dir().glob("*.qm"))
    return [SOURCE_LANGUAGE, *found]


def resolve(choice: str, locale: QLocale | None = None) -> str:
    """The language to show for a remembered ``choice``: itself if shipped; for "system"
    (or anything unknown) the first of the locale's languages that is shipped, else English."""
    languages = shipped_languages()
    if choice in languages:
        return choice
    for name in (locale or QLocale.system()).uiLanguages():
        code = name.replace("_", "-").split("-")[0].lower()
        if code in languages:
            return code
    return SOURCE_LANGUAGE


class Translations:
    """The translators installed into the application, replaced as a whole on a change."""

    def __init__(self) -> None:
        self.language = SOURCE_LANGUAGE
        self._installed: list[QTranslator] = []

    def install(self, choice: str, locale: QLocale | None = None) -> str:
        """Show ``choice`` (a language code or "system") from now on; returns the language
        shown. Widgets built before keep their texts: the change shows at the next start."""
        app = QCoreApplication.instance()
        for translator in self._installed:
            if app is not None:
                app.removeTranslator(translator)
        self._installed.clear()
        language = resolve(choice, locale)
        self.language = language
        if language == SOURCE_LANGUAGE or app is None:
            return language
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name, folder in (("qtbase", qt_dir), ("confab", str(translations_dir()))):
            translator = QTranslator(app)
            if translator.load(f"{name}_{language}", folder):
                app.installTranslator(translator)
                self._installed.append(translator)
            else:
                log.warning("no %s translation for %s in %s", name, language, folder)
        QLocale.setDefault(QLocale(language))
        return language
