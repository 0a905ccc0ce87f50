"""Texts made in ``core/`` (which has no Qt) shown in the window: load progress steps and
the device line. They arrive as finished English sentences; ``core_text`` recognizes each by
its template and gives it in the interface's language, values kept.

``tests/test_core_texts.py`` reads ``core/`` and fails when a progress step or device
reason there has no template here, so a new one cannot escape translation unnoticed.
"""

from __future__ import annotations

import re
from functools import cache

from PySide6.QtCore import QCoreApplication

from gui.i18n import QT_TRANSLATE_NOOP

CONTEXT = "CoreText"
TEMPLATES = (
    # load progress (core/engines)
    QT_TRANSLATE_NOOP("CoreText", "Reading the tokenizer…"),
    QT_TRANSLATE_NOOP("CoreText", "Loading the weights…"),
    QT_TRANSLATE_NOOP("CoreText", "Moving the weights to {device}…"),
    QT_TRANSLATE_NOOP("CoreText", "Copying the weights into memory…"),
    QT_TRANSLATE_NOOP("CoreText", "Ready"),
    QT_TRANSLATE_NOOP("CoreText", "Starting the inference library…"),
    QT_TRANSLATE_NOOP("CoreText", "Loading the int8 model…"),
    QT_TRANSLATE_NOOP(
        "CoreText", "Preparing the fast engine (once per model): reading the weights…"
    ),
    QT_TRANSLATE_NOOP("CoreText", "Preparing the fast engine: int8 weights ({done} of {total})…"),
    QT_TRANSLATE_NOOP("CoreText", "Preparing the fast engine: done"),
    QT_TRANSLATE_NOOP("CoreText", "Asking {host} for its models…"),
    # the device line (core/devices.py)
    QT_TRANSLATE_NOOP("CoreText", "CPU"),
    QT_TRANSLATE_NOOP("CoreText", "CPU (chosen in Preferences)"),
    QT_TRANSLATE_NOOP("CoreText", "CPU: no GPU could be used ({error})"),
    QT_TRANSLATE_NOOP("CoreText", "CPU: no CUDA device"),
    QT_TRANSLATE_NOOP("CoreText", "CPU: the int8 engine runs on CPU only ({device} not used)"),
    QT_TRANSLATE_NOOP(
        "CoreText", "{reason}; transformers engine (the int8 engine runs on CPU only)"
    ),
    QT_TRANSLATE_NOOP("CoreText", "mps asked for but no Apple GPU is available: CPU"),
    QT_TRANSLATE_NOOP("CoreText", "{device} asked for but only {gpus}: CPU"),
    QT_TRANSLATE_NOOP("CoreText", "{device} asked for but there is no CUDA device: CPU"),
    QT_TRANSLATE_NOOP("CoreText", "unknown device '{device}' asked for: CPU"),
    QT_TRANSLATE_NOOP("CoreText", "Apple GPU (MPS, float16){note}"),
    QT_TRANSLATE_NOOP("CoreText", "CUDA {index}: {name} ({dtype}){note}"),
    QT_TRANSLATE_NOOP("CoreText", "Automatic (a GPU if there is one, else the CPU)"),
    QT_TRANSLATE_NOOP("CoreText", "Apple GPU (MPS)"),
    QT_TRANSLATE_NOOP("CoreText", "CUDA {index}: {name}"),
)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for template in TEMPLATES:
        parts = PLACEHOLDER.split(template)
        # split() alternates text and placeholder names: even items are text.
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*?)" for i, part in enumerate(parts)
        )
        patterns.append((re.compile(regex, re.DOTALL), template))
    return patterns


def template_of(text: str) -> str | None:
    """The template ``text`` was made from, or None if it has none here."""
    return next((t for pattern, t in _patterns() if pattern.fullmatch(text)), None)


def core_text(text: str) -> str:
    """``text`` from core in the interface's language (as it is, if it has no template)."""
    for pattern, template in _patterns():
        found = pattern.fullmatch(text)
        if found:
            translated = QCoreApplication.translate(CONTEXT, template)
            values = found.groupdict()
            if "reason" in values:  # a device line inside another one
                values["reason"] = core_text(values["reason"])
            return translated.format(**values)
    return text
