"""The entries of PyInstaller's tables of contents, as the spec sees them.

After the analysis, ``Analysis.pure``, ``.binaries`` and ``.datas`` are lists of
``(name, source, typecode)`` tuples: the path inside the bundle, the file it is copied
from, and its kind ("PYMODULE", "BINARY", "EXTENSION", "DATA", ...).
"""

from __future__ import annotations

TocEntry = tuple[str, str, str]

# One input of Analysis(datas=...): a file and the bundle folder it is copied into.
DataSource = tuple[str, str]


def bundle_path(name: str) -> str:
    """A path inside the bundle with "/" separators.

    On Windows the analysis names files with backslashes; the spec's patterns and
    required paths are written with "/" once for every platform.
    """
    return name.replace("\\", "/")
