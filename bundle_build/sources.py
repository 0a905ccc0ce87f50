"""What the source tree contributes to the bundle, read from files.

The spec reads the app's name, version and module list from the source instead of
importing it: importing ``core`` would run app code inside PyInstaller, and walking the
tree means a new module is bundled (and checked) without editing the spec.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from bundle_build.toc import DataSource

# The variable that names a model folder to ship inside the bundle (build.spec reads it).
BUNDLE_MODEL_VARIABLE = "CONFAB_BUNDLE_MODEL"

# What a resources/ folder holds that is not shipped: the bundled model is added from
# BUNDLE_MODEL_VARIABLE instead, and the .py files are generators (make_icons.py) whose
# output is committed.
_UNSHIPPED_RESOURCE_FOLDERS = ("model", "__pycache__")


def read_constants(module: Path) -> dict[str, str]:
    """The module's top-level ``NAME = <literal>`` assignments, as strings.

    For APP_NAME and __version__ in core/__init__.py, without importing the app.
    """
    tree = ast.parse(module.read_text(encoding="utf-8"))
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = str(node.value.value)
    return constants


def source_modules(root: Path, package: str) -> list[str]:
    """Every module of one of the app's own packages (dotted names), from the source tree."""
    names = []
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def requirement_names(requirements: Path) -> list[str]:
    """The distributions a requirements file names (without versions, extras, markers).

    Comments, blank lines and options (``-r``, ``--index-url``) are skipped.
    """
    names = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[<>=!~;\[\s]", line, maxsplit=1)[0])
    return names


def resource_datas(resources: Path) -> list[DataSource]:
    """resources/ as shipped (icons, .desktop and MIME files, licenses), under "resources".

    Not the generator scripts, caches, or a model folder someone left there.
    """
    datas = []
    for path in sorted(resources.rglob("*")):
        relative = path.relative_to(resources)
        skipped = relative.parts[0] in _UNSHIPPED_RESOURCE_FOLDERS or path.suffix == ".py"
        if skipped or not path.is_file():
            continue
        datas.append((str(path), str(Path("resources") / relative.parent)))
    return datas


def bundled_model_datas(folder: str | None) -> list[DataSource]:
    """The files of a model folder, as resources/model (a fully-offline bundle).

    ``folder`` is the value of BUNDLE_MODEL_VARIABLE; unset or empty ships no model.
    A folder without config.json stops the build: it is not a model, and a bundle
    without the model it was meant to carry must not look like a success. The Hugging
    Face download cache (.cache) inside the folder is left out.
    """
    if not folder:
        return []
    model = Path(folder).expanduser().resolve()
    if not (model / "config.json").is_file():
        raise SystemExit(
            f"{BUNDLE_MODEL_VARIABLE}={folder}: no config.json there; not a model folder."
        )
    print(f"build.spec: bundling the model in {model} as resources/model")
    return [
        (str(path), str(Path("resources", "model") / path.relative_to(model).parent))
        for path in sorted(model.rglob("*"))
        if path.is_file() and ".cache" not in path.relative_to(model).parts
    ]


def metadata_datas(distributions: Iterable[str]) -> list[DataSource]:
    """The installed metadata (*.dist-info) of each distribution.

    A distribution that is not installed stops the build: the app would fail where
    it reads the metadata, at run time.
    """
    # Imported here: the module must import without PyInstaller (see the package doc).
    from PyInstaller.utils.hooks import copy_metadata

    datas: list[DataSource] = []
    for distribution in distributions:
        try:
            datas += copy_metadata(distribution)
        except Exception as error:  # reported as a build failure
            message = f"build.spec: no metadata for {distribution} ({error}); is it installed?"
            raise SystemExit(message) from error
    return datas
