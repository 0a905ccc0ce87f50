"""The helpers of build.spec (bundle_build/), on fake file lists: no bundle is built.

The packaging test (test_packaging.py) builds the real bundle, slowly; these check the
decisions the spec delegates (what is pruned, what the checks reject) in milliseconds,
and without PyInstaller installed (the functions that need it are replaced by fakes).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

from bundle_build import dynlibs
from bundle_build.checks import (
    Requirements,
    bundled_module_names,
    check_bundle,
    missing_from_bundle,
    warn_about_unresolved_platform_libraries,
)
from bundle_build.pruning import PruneRules, drop_binaries, drop_datas
from bundle_build.sources import (
    bundled_model_datas,
    read_constants,
    requirement_names,
    resource_datas,
    source_modules,
)
from bundle_build.toc import TocEntry
from bundle_build.windows import version_numbers

ROOT = Path(__file__).resolve().parent.parent

RULES = PruneRules(
    dropped=("torch/bin/*", "*libcuda*", "*/plugins/platformthemes/*gtk*"),
    kept=frozenset({"torch/bin/torch_shm_manager"}),
)


def binary(name: str, typecode: str = "BINARY") -> TocEntry:
    """A binaries entry whose source path is its bundle name (the fake linker's key)."""
    return (name, name, typecode)


# --- pruning ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "torch/bin/test_api",
        "torch/lib/libcudart.so.12",  # "*" crosses "/"
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "torch\\bin\\test_api",  # Windows names: backslashes
    ],
)
def test_a_file_matching_a_dropped_pattern_is_dropped(name: str) -> None:
    assert RULES.drops(name)


@pytest.mark.parametrize(
    "name",
    ["torch/lib/libtorch_cpu.so", "PySide6/Qt/plugins/platforms/libqxcb.so", "torch/binary.py"],
)
def test_a_file_no_pattern_matches_stays(name: str) -> None:
    assert not RULES.drops(name)


def test_a_kept_file_stays_although_a_pattern_matches_it() -> None:
    assert not RULES.drops("torch/bin/torch_shm_manager")
    assert not RULES.drops("torch\\bin\\torch_shm_manager")
    assert PruneRules(dropped=RULES.dropped).drops("torch/bin/torch_shm_manager")


def test_drop_datas_keeps_only_what_the_rules_keep() -> None:
    datas = [
        ("torch/bin/test_api", "/src/test_api", "DATA"),
        ("torch/bin/torch_shm_manager", "/src/torch_shm_manager", "DATA"),
        ("resources/icons/confab-256.png", "/src/confab-256.png", "DATA"),
    ]
    assert [name for name, _, _ in drop_datas(datas, RULES)] == [
        "torch/bin/torch_shm_manager",
        "resources/icons/confab-256.png",
    ]


# A GTK theme plugin (dropped) and the libraries around it. libgtk is linked only by the
# plugin; libcairo by libgtk and the plugin; libfontconfig by the plugin and by QtGui,
# which stays; gtkext.so, which the plugin links too, is an extension module.
LINKS = {
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so": frozenset(
        {"libgtk-3.so.0", "libcairo.so.2", "libfontconfig.so.1", "gtkext.so"}
    ),
    "libgtk-3.so.0": frozenset({"libcairo.so.2"}),
    "libcairo.so.2": frozenset(),
    "libfontconfig.so.1": frozenset(),
    "PySide6/Qt/lib/libQt6Gui.so.6": frozenset({"libfontconfig.so.1"}),
    "gtkext.so": frozenset(),
}


def fake_linked(path: str) -> frozenset[str]:
    return LINKS.get(path, frozenset())


def test_drop_binaries_drops_matched_files_and_the_libraries_only_they_linked() -> None:
    binaries = [
        binary("PySide6/Qt/plugins/platformthemes/libqgtk3.so"),
        binary("libgtk-3.so.0"),
        binary("libcairo.so.2"),
        binary("libfontconfig.so.1"),
        binary("PySide6/Qt/lib/libQt6Gui.so.6"),
        binary("gtkext.so", "EXTENSION"),
        binary("torch/lib/libtorch_cpu.so"),
    ]
    kept = drop_binaries(binaries, RULES, linked=fake_linked)
    assert [name for name, _, _ in kept] == [
        "libfontconfig.so.1",  # QtGui, which stays, links it
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "gtkext.so",  # an extension module: imported by name, never pruned as an orphan
        "torch/lib/libtorch_cpu.so",  # nothing dropped links it
    ]


def test_drop_binaries_repeats_until_no_orphan_is_left() -> None:
    """libcairo is linked by libgtk until libgtk goes: it goes in the second round."""
    binaries = [
        binary("PySide6/Qt/plugins/platformthemes/libqgtk3.so"),
        binary("libgtk-3.so.0"),
        binary("libcairo.so.2"),
    ]
    assert drop_binaries(binaries, RULES, linked=fake_linked) == []


def test_drop_binaries_leaves_a_library_a_dropped_file_does_not_link() -> None:
    binaries = [binary("torch/bin/test_api"), binary("libcairo.so.2")]
    assert drop_binaries(binaries, RULES, linked=fake_linked) == [binary("libcairo.so.2")]


# --- dynamic libraries ------------------------------------------------------------------


def test_linked_libraries_are_base_names_and_unresolved_ones_are_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imports = frozenset({("/usr/lib/libfoo.so.1", "/usr/lib/libfoo.so.1"), ("libbar.so", None)})
    monkeypatch.setattr(dynlibs, "library_imports", lambda path: imports)
    assert dynlibs.linked_libraries("/x/plugin.so") == {"libfoo.so.1", "libbar.so"}
    assert dynlibs.unresolved_libraries("/x/plugin.so") == ["libbar.so"]


def test_an_unreadable_binary_links_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing can be pruned safely on its account, and the build goes on."""

    def unreadable(path: str) -> frozenset[tuple[str, str | None]]:
        raise OSError(f"cannot read {path}")

    monkeypatch.setattr(dynlibs, "library_imports", unreadable)
    assert dynlibs.linked_libraries("/x/broken.so") == frozenset()


@pytest.mark.skipif(sys.platform != "linux", reason="reads an ELF file with ldd")
def test_linked_libraries_reads_a_real_binary() -> None:
    pytest.importorskip("PyInstaller", reason="requirements-build.txt installs PyInstaller")
    sqlite = importlib.import_module("_sqlite3").__file__
    assert sqlite is not None
    assert any(name.startswith("libc.so") for name in dynlibs.linked_libraries(sqlite))


# --- checks -----------------------------------------------------------------------------

PURE: list[TocEntry] = [("torch", "/src/torch/__init__.py", "PYMODULE")]
BINARIES: list[TocEntry] = [
    binary("torch/_C.cpython-311-x86_64-linux-gnu.so", "EXTENSION"),
    binary("PySide6/Qt/plugins/platforms/libqxcb.so"),
    binary("torch/bin/torch_shm_manager"),
]
DATAS: list[TocEntry] = [
    ("huggingface_hub-2.4.0.dist-info/METADATA", "/src/METADATA", "DATA"),
    ("resources/icons/confab-256.png", "/src/confab-256.png", "DATA"),
]
REQUIREMENTS = Requirements(
    modules=["torch", "torch._C"],
    metadata=["huggingface-hub"],
    files={
        "resources/icons/confab-256.png": "the window icon",
        "torch/bin/torch_shm_manager": "import torch fails without it",
        "*plugins/platforms/libqxcb.so": "a Qt platform plugin",
    },
)


def test_extension_modules_count_as_modules() -> None:
    assert bundled_module_names(PURE, BINARIES) == {"torch", "torch._C"}
    assert "torch._C" not in bundled_module_names(PURE, [])


def test_a_complete_bundle_passes_the_checks(capsys: pytest.CaptureFixture[str]) -> None:
    assert missing_from_bundle(PURE, BINARIES, DATAS, REQUIREMENTS) == []
    check_bundle(PURE, BINARIES, DATAS, REQUIREMENTS)
    assert "all 2 required modules are in the bundle" in capsys.readouterr().out


def test_the_checks_name_a_missing_module() -> None:
    pure_without_torch: list[TocEntry] = []
    assert missing_from_bundle(pure_without_torch, BINARIES, DATAS, REQUIREMENTS) == ["torch"]


def test_the_checks_name_missing_metadata() -> None:
    datas = [entry for entry in DATAS if "dist-info" not in entry[0]]
    assert missing_from_bundle(PURE, BINARIES, datas, REQUIREMENTS) == [
        "huggingface-hub metadata (*.dist-info)"
    ]


@pytest.mark.parametrize(
    ("removed", "message"),
    [
        ("resources/icons/confab-256.png", "resources/icons/confab-256.png (the window icon)"),
        ("torch/bin/torch_shm_manager",
         "torch/bin/torch_shm_manager (import torch fails without it)"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so",
         "*plugins/platforms/libqxcb.so (a Qt platform plugin)"),
    ],
)
def test_a_bundle_missing_a_required_file_stops_the_build(removed: str, message: str) -> None:
    binaries = [entry for entry in BINARIES if entry[0] != removed]
    datas = [entry for entry in DATAS if entry[0] != removed]
    assert missing_from_bundle(PURE, binaries, datas, REQUIREMENTS) == [message]
    with pytest.raises(SystemExit, match="would lack what Confab needs") as stopped:
        check_bundle(PURE, binaries, datas, REQUIREMENTS)
    assert message in str(stopped.value)


def test_a_required_file_may_be_data_or_binary() -> None:
    """Where the analysis files torch_shm_manager (binaries or datas) does not matter."""
    binaries = [entry for entry in BINARIES if entry[0] != "torch/bin/torch_shm_manager"]
    datas = [*DATAS, ("torch/bin/torch_shm_manager", "/src/torch_shm_manager", "DATA")]
    assert missing_from_bundle(PURE, binaries, datas, REQUIREMENTS) == []


def test_a_platform_plugin_with_unresolved_libraries_is_warned_about(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def unresolved(path: str) -> list[str]:
        return ["libxcb-cursor.so.0"] if path.endswith("libqxcb.so") else ["libother.so"]

    warnings = warn_about_unresolved_platform_libraries(BINARIES, unresolved=unresolved)
    assert len(warnings) == 1  # only platform plugins are asked about
    assert "libqxcb.so needs libxcb-cursor.so.0" in warnings[0]
    assert warnings[0] in capsys.readouterr().out
    assert warn_about_unresolved_platform_libraries(BINARIES, unresolved=lambda _: []) == []


# --- sources ----------------------------------------------------------------------------


def test_read_constants_reads_literal_assignments(tmp_path: Path) -> None:
    module = tmp_path / "__init__.py"
    module.write_text('APP_NAME = "Confab"\n__version__ = "1.2.3"\nTHING = call()\n')
    assert read_constants(module) == {"APP_NAME": "Confab", "__version__": "1.2.3"}


def test_source_modules_names_every_module_of_a_package(tmp_path: Path) -> None:
    for name in ("app/__init__.py", "app/a.py", "app/sub/__init__.py", "app/sub/b.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert source_modules(tmp_path, "app") == ["app", "app.a", "app.sub", "app.sub.b"]


def test_requirement_names_are_bare_distribution_names(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# a comment\n-r other.txt\n\ntorch==2.13.0\nhuggingface-hub>=1  # why\n"
        "extra[cli]~=1.0\nmarked; python_version<'3.12'\nbare\n"
    )
    names = ["torch", "huggingface-hub", "extra", "marked", "bare"]
    assert requirement_names(requirements) == names


def test_resource_datas_ship_resources_but_not_generators_or_a_model(tmp_path: Path) -> None:
    resources = tmp_path / "resources"
    for name in ("icons/a.png", "licenses/README.md", "make_icons.py", "model/config.json",
                 "__pycache__/x.pyc", "confab.desktop"):
        (resources / name).parent.mkdir(parents=True, exist_ok=True)
        (resources / name).write_text("")
    shipped = {(Path(source).relative_to(resources).as_posix(), folder)
               for source, folder in resource_datas(resources)}
    assert shipped == {
        ("confab.desktop", "resources"),
        ("icons/a.png", str(Path("resources/icons"))),
        ("licenses/README.md", str(Path("resources/licenses"))),
    }


def test_no_model_folder_ships_no_model() -> None:
    assert bundled_model_datas(None) == []
    assert bundled_model_datas("") == []


def test_a_model_folder_without_config_json_stops_the_build(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"no config\.json"):
        bundled_model_datas(str(tmp_path))


def test_a_model_ships_as_resources_model_without_its_download_cache(tmp_path: Path) -> None:
    for name in ("config.json", "sub/tokenizer.json", ".cache/huggingface/download.lock"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    shipped = {(Path(source).name, folder) for source, folder in bundled_model_datas(str(tmp_path))}
    assert shipped == {
        ("config.json", str(Path("resources/model"))),
        ("tokenizer.json", str(Path("resources/model/sub"))),
    }


# --- Windows version resource -----------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("0.1.0", (0, 1, 0, 0)), ("2", (2, 0, 0, 0)), ("1.2.3.4.5", (1, 2, 3, 4))],
)
def test_a_version_becomes_four_numbers(version: str, numbers: tuple[int, ...]) -> None:
    assert version_numbers(version) == numbers


# --- the spec ---------------------------------------------------------------------------


def test_every_name_build_spec_imports_from_bundle_build_exists() -> None:
    """A renamed helper must fail here, not minutes into a build."""
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    imports = [
        node for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bundle_build")
    ]
    assert imports, "build.spec no longer imports its helpers"
    for node in imports:
        assert node.module is not None
        module = importlib.import_module(node.module)
        for alias in node.names:
            assert hasattr(module, alias.name) or importlib.util.find_spec(
                f"{node.module}.{alias.name}"
            ), f"build.spec imports {alias.name} from {node.module}, which lacks it"
