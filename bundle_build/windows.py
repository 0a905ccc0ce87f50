"""The version resource of Confab.exe (File Explorer > Properties > Details)."""

from __future__ import annotations

from typing import Any


def version_numbers(version: str) -> tuple[int, int, int, int]:
    """A dotted version as the four numbers a Windows version resource holds ("0.1" -> 0.1.0.0).

    Missing parts are 0 and parts past the fourth are ignored; each part must be a number.
    """
    parts = [int(part) for part in (version.split(".") + ["0"] * 4)[:4]]
    return parts[0], parts[1], parts[2], parts[3]


def version_info(app_name: str, version: str) -> Any:
    """The ``VSVersionInfo`` that EXE(version=...) embeds in the executable.

    Any: PyInstaller is untyped, and it is imported only when this is called (a Windows
    build), so the module imports on any machine.
    """
    from PyInstaller.utils.win32 import versioninfo as vi

    numbers = version_numbers(version)
    strings = [
        vi.StringStruct("CompanyName", app_name),
        vi.StringStruct("FileDescription", f"{app_name}, an offline desktop chatbot"),
        vi.StringStruct("FileVersion", version),
        vi.StringStruct("InternalName", app_name),
        vi.StringStruct("LegalCopyright", "Licensed under the Apache License 2.0"),
        vi.StringStruct("OriginalFilename", f"{app_name}.exe"),
        vi.StringStruct("ProductName", app_name),
        vi.StringStruct("ProductVersion", version),
    ]
    return vi.VSVersionInfo(
        ffi=vi.FixedFileInfo(filevers=numbers, prodvers=numbers),
        kids=[
            vi.StringFileInfo([vi.StringTable("040904B0", strings)]),
            # U.S. English (0x0409), Unicode (1200): the language of the strings above.
            vi.VarFileInfo([vi.VarStruct("Translation", [0x0409, 1200])]),
        ],
    )
