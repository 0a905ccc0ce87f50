"""Make Confab's translations: extract the strings (pyside6-lupdate), fill in translations,
and compile them (pyside6-lrelease). The .ts sources and the compiled .qm files are
committed, so neither running nor packaging Confab needs these tools.

    python resources/make_translations.py update           # gui/ + main.py -> confab_<lang>.ts
    python resources/make_translations.py fill de FILE.json  # {"Context": {"source": "text"}}
    python resources/make_translations.py release           # .ts -> .qm
    python resources/make_translations.py missing de        # what is not translated yet
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "resources" / "translations"
LANGUAGES = ("de",)


def tool(name: str) -> str:
    """A Qt tool from the PySide6 next to this Python (pyside6-lupdate, pyside6-lrelease)."""
    beside = Path(sys.executable).with_name(f"pyside6-{name}")
    found = str(beside) if beside.exists() else shutil.which(f"pyside6-{name}")
    if found is None:
        raise SystemExit(f"pyside6-{name} not found: install PySide6-Essentials")
    return found


def sources() -> list[str]:
    return [str(path.relative_to(ROOT)) for path in sorted((ROOT / "gui").glob("*.py"))] + [
        "main.py"
    ]


def ts_path(language: str) -> Path:
    return FOLDER / f"confab_{language}.ts"


@contextmanager
def locked() -> Iterator[None]:
    """One writer of the .ts files at a time (two people filling at once lose nothing)."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    with (Path(tempfile.gettempdir()) / "confab-translations.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def update(target: Path | None = None, language: str = "de") -> Path:
    """Extract the strings into ``target`` (default: the language's .ts, keeping what is
    already translated there)."""
    path = target or ts_path(language)
    if target is not None and ts_path(language).exists():
        shutil.copy(ts_path(language), path)
    subprocess.run(
        [tool("lupdate"), "-silent", "-no-obsolete", "-locations", "none", *sources(),
         "-target-language", language, "-ts", str(path)],
        cwd=ROOT,
        check=True,
    )
    return path


def messages(path: Path) -> Iterator[tuple[str, ElementTree.Element]]:
    """Each message of a .ts file with its context's name."""
    for context in ElementTree.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            yield name, message


def missing(language: str) -> list[tuple[str, str]]:
    """(context, source) of every string with no finished translation."""
    found = []
    for context, message in messages(ts_path(language)):
        translation = message.find("translation")
        if translation is None or translation.get("type") in ("unfinished", "vanished") or not (
            translation.text or ""
        ):
            found.append((context, message.findtext("source") or ""))
    return found


def fill(language: str, table: dict[str, dict[str, str]]) -> int:
    """Write ``table``'s translations into the .ts file; returns how many were set."""
    with locked():
        path = ts_path(language)
        tree = ElementTree.parse(path)
        count = 0
        for context in tree.getroot().iter("context"):
            wanted = table.get(context.findtext("name") or "", {})
            for message in context.iter("message"):
                text = wanted.get(message.findtext("source") or "")
                translation = message.find("translation")
                if text is None or translation is None:
                    continue
                translation.text = text
                translation.attrib.pop("type", None)
                count += 1
        tree.write(path, encoding="utf-8", xml_declaration=True)
    return count


def release(language: str, target: Path | None = None, source: Path | None = None) -> Path:
    """Compile ``source`` (default: the language's .ts) into ``target`` (default: beside it)."""
    ts = source or ts_path(language)
    path = target or ts.with_suffix(".qm")
    subprocess.run([tool("lrelease"), "-silent", str(ts), "-qm", str(path)], check=True)
    return path


def main(argv: list[str]) -> int:
    command, *rest = argv or ["help"]
    if command == "update":
        for language in LANGUAGES:
            with locked():
                update(language=language)
    elif command == "fill":
        language, table_file = rest
        table = json.loads(Path(table_file).read_text(encoding="utf-8"))
        print(f"{fill(language, table)} translations set")
    elif command == "release":
        for language in LANGUAGES:
            release(language)
    elif command == "missing":
        for context, source in missing(rest[0] if rest else LANGUAGES[0]):
            print(json.dumps([context, source], ensure_ascii=False))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
