"""Dropping files the analysis collected that the app never uses.

Excluding a module (Analysis(excludes=...)) keeps its Python code out, but hooks still
collect data files and plugins by folder (Qt's QML tree, torch's test programs), and a
plugin's shared libraries are collected before the spec can drop the plugin. build.spec
names what to drop as path patterns; the functions here apply them after the analysis.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatch

from bundle_build.dynlibs import linked_libraries
from bundle_build.toc import TocEntry, bundle_path


@dataclass(frozen=True)
class PruneRules:
    """What to drop from the bundle, by path inside it.

    ``dropped`` are fnmatch patterns ("*" crosses "/"), ``kept`` exact paths that stay
    although a pattern matches them.
    """

    dropped: tuple[str, ...]
    kept: frozenset[str] = frozenset()

    def drops(self, name: str) -> bool:
        """Whether the file the bundle would hold at ``name`` is left out."""
        name = bundle_path(name)
        if name in self.kept:
            return False
        # fnmatch, not fnmatchcase: on Windows file names are case-insensitive.
        return any(fnmatch(name, pattern) for pattern in self.dropped)


def drop_datas(datas: Iterable[TocEntry], rules: PruneRules) -> list[TocEntry]:
    """``datas`` without the files ``rules`` drops."""
    return [entry for entry in datas if not rules.drops(entry[0])]


def drop_binaries(
    binaries: list[TocEntry],
    rules: PruneRules,
    linked: Callable[[str], frozenset[str]] = linked_libraries,
) -> list[TocEntry]:
    """``binaries`` without the files ``rules`` drops, nor the libraries only they needed.

    The analysis collects a plugin's dependencies before the spec can drop the plugin:
    without the GTK theme plugin, its GTK/cairo/pango stack would otherwise still ship.
    A library goes only if a dropped file links it, no file that stays links it, and
    it is a plain BINARY (an extension module is imported by name, so nothing links it).
    ``linked`` gives the base names a file links against, by its source path; tests
    pass a fake one.
    """
    kept = [entry for entry in binaries if not rules.drops(entry[0])]
    suspects: set[str] = set()
    for name, source, _ in binaries:
        if rules.drops(name):
            suspects |= linked(source)
    # Repeat until nothing more goes: a suspect that only another suspect linked is
    # orphaned once that one is gone.
    while True:
        needed: set[str] = set()
        for _, source, _ in kept:
            needed |= linked(source)
        orphans = [
            entry for entry in kept
            if entry[2] == "BINARY"
            and os.path.basename(entry[0]) in suspects
            and os.path.basename(entry[0]) not in needed
        ]
        if not orphans:
            return kept
        print(f"build.spec: dropping {', '.join(sorted(e[0] for e in orphans))}")
        kept = [entry for entry in kept if entry not in orphans]
