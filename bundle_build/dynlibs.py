"""Which shared libraries a binary links against, from PyInstaller's own inspection.

Pruning needs the link-time dependencies of every collected binary (to find libraries
that only a dropped file needed), and the checks need the ones this machine cannot
resolve. Both ask ``PyInstaller.depend.bindepend.get_imports``, which runs ldd (Linux),
reads Mach-O headers (macOS) or PE imports (Windows); the answers are cached because
pruning asks about the same few hundred files repeatedly.
"""

from __future__ import annotations

import functools
import os


@functools.cache
def library_imports(path: str) -> frozenset[tuple[str, str | None]]:
    """(referenced name, resolved path or None) for each library the binary links.

    Raises whatever PyInstaller raises for a file it cannot read.
    """
    # Imported here: the module must import without PyInstaller (see the package doc).
    from PyInstaller.depend.bindepend import get_imports

    return frozenset((str(name), None if found is None else str(found))
                     for name, found in get_imports(path))


def linked_libraries(path: str) -> frozenset[str]:
    """Base names of the shared libraries a binary links against (empty if unreadable)."""
    try:
        imports = library_imports(path)
    except Exception:  # noqa: BLE001 - an unreadable file: nothing to prune safely
        return frozenset()
    # Base names, because the bundle stores libraries by name, not by where ldd found them.
    return frozenset(os.path.basename(name) for name, _ in imports)


def unresolved_libraries(path: str) -> list[str]:
    """The libraries a binary links that this machine lacks, sorted."""
    return sorted(name for name, found in library_imports(path) if found is None)
