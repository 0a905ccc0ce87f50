"""Stopping the build when the bundle would lack what the app needs at run time.

main.py imports torch and transformers lazily and transformers loads classes by name,
so a module the analysis missed shows up only when a user starts the app. These checks
run on the analysis' result, before anything is written, and turn such a gap into a
failed build that lists what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from bundle_build.dynlibs import unresolved_libraries
from bundle_build.toc import TocEntry, bundle_path


@dataclass(frozen=True)
class Requirements:
    """What must be in the bundle, or the build stops.

    ``modules``: dotted module names (pure Python, or extension modules: .so/.pyd).
    ``metadata``: distributions whose *.dist-info must ship (read with importlib.metadata).
    ``files``: fnmatch patterns of paths inside the bundle ("*" crosses "/"; case
    matters), each with why it is needed, which the failure message repeats.
    """

    modules: Sequence[str]
    metadata: Sequence[str] = ()
    files: Mapping[str, str] = field(default_factory=dict)


def bundled_module_names(pure: Iterable[TocEntry], binaries: Iterable[TocEntry]) -> set[str]:
    """Dotted names of the pure-Python and extension modules the analysis collected.

    Extension modules are listed by file ("torch/_C.cpython-311-x86_64-linux-gnu.so"),
    so their names are rebuilt from the path: folders, then the file name up to its
    first dot.
    """
    names = {name for name, _, _ in pure}
    for name, _, typecode in binaries:
        if typecode == "EXTENSION":
            folder, _, file_name = bundle_path(name).rpartition("/")
            dotted = (folder.replace("/", ".") + "." if folder else "") + file_name.split(".")[0]
            names.add(dotted)
    return names


def has_metadata(distribution: str, data_names: Iterable[str]) -> bool:
    """Whether the collected data files include the distribution's *.dist-info folder.

    The folder is named after the normalized distribution name ("huggingface-hub" ships
    as "huggingface_hub-2.4.0.dist-info"), so dashes become underscores and case is
    ignored.
    """
    stem = distribution.replace("-", "_").lower()
    return any(n.lower().startswith(stem) and ".dist-info/" in n for n in data_names)


def missing_from_bundle(
    pure: Iterable[TocEntry],
    binaries: Iterable[TocEntry],
    datas: Iterable[TocEntry],
    requirements: Requirements,
) -> list[str]:
    """What ``requirements`` asks for that the analysis did not collect, in that order."""
    binaries = list(binaries)
    data_names = {bundle_path(name) for name, _, _ in datas}
    file_names = data_names | {bundle_path(name) for name, _, _ in binaries}
    modules = bundled_module_names(pure, binaries)
    missing = [name for name in requirements.modules if name not in modules]
    missing += [
        f"{distribution} metadata (*.dist-info)"
        for distribution in requirements.metadata
        if not has_metadata(distribution, data_names)
    ]
    missing += [
        f"{pattern} ({why})"
        for pattern, why in requirements.files.items()
        if not any(fnmatchcase(name, pattern) for name in file_names)
    ]
    return missing


def check_bundle(
    pure: Iterable[TocEntry],
    binaries: Iterable[TocEntry],
    datas: Iterable[TocEntry],
    requirements: Requirements,
) -> None:
    """Stop the build (SystemExit) if a required module, metadata entry or file is missing."""
    missing = missing_from_bundle(pure, binaries, datas, requirements)
    if missing:
        raise SystemExit(
            "build.spec: the bundle would lack what Confab needs at run time:\n  "
            + "\n  ".join(missing)
            + "\nAdd them to HIDDEN_IMPORTS / RUNTIME_METADATA (or install them) and rebuild."
        )
    print(f"build.spec: all {len(requirements.modules)} required modules are in the bundle")


def warn_about_unresolved_platform_libraries(
    binaries: Iterable[TocEntry],
    unresolved: Callable[[str], list[str]] = unresolved_libraries,
) -> list[str]:
    """Warn when a Qt platform plugin links system libraries this machine lacks.

    They cannot be bundled, so the bundle would rely on the user's system for them:
    without them Qt cannot open a window on X11 ("could not load the Qt platform plugin
    xcb"). On Debian/Ubuntu, install them before building (see docs/packaging.md). Only
    a warning: the build is still usable where the user's system has them.
    ``unresolved`` lists them for a file (by source path); tests pass a fake one.
    Returns the warnings it printed.
    """
    warnings = []
    for name, source, _ in binaries:
        if "plugins/platforms/" in bundle_path(name):
            libraries = unresolved(source)
            if libraries:
                warnings.append(
                    f"build.spec: WARNING: {name} needs {', '.join(libraries)}, which this "
                    "machine lacks; the bundle will need them on the user's system"
                )
    for warning in warnings:
        print(warning)
    return warnings
