"""Confab's entry point: flags -> offline environment -> QApplication -> MainWindow -> exec.

torch and transformers are not imported on this path: the window appears first and the heavy
imports happen in the model worker's thread.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import APP_NAME, __version__
from core.engines import ENGINE_CHOICES, EngineChoice
from core.engines.int8_format import CONVERT_FLAG
from core.models import DEFAULT_MODEL_ID

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

    from core.engines.base import ModelInfo, Reply
    from core.servers import ServerConfig
    from gui.main_window import MainWindow

SELF_TEST_MESSAGE = "Hello! How are you today?"
SELF_TEST_TIMEOUT_S = 600

log = logging.getLogger("confab")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=APP_NAME,
        description="Confab: an offline desktop chatbot. Chats with "
        f"{DEFAULT_MODEL_ID} (or another model) on this computer.",
    )
    parser.add_argument(
        "transcript",
        nargs="?",
        help="a .confab.json transcript (or OpenAI-style message list) to open; if Confab is "
        "already running on the data folder, it opens there",
    )
    parser.add_argument(
        "--model",
        metavar="ID_OR_DIR",
        help=f"a Hugging Face model id or a model folder (default: the last one used, "
        f"else {DEFAULT_MODEL_ID}); remembered for next time",
    )
    parser.add_argument(
        "--offline", action="store_true", help="never access the network (sets HF_HUB_OFFLINE=1)"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where Confab keeps settings, logs, chats, trash, the search index and converted "
        "models (default: the platform's user-data folder)",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINE_CHOICES,
        help="inference engine: fast = int8 weights (BlenderBot models), transformers = the "
        "fp32 reference (every model), auto = fast where it can run (default: the one chosen "
        "in the app, else auto; this run only)",
    )
    parser.add_argument(
        "--threads", type=int, metavar="N", help="CPU threads for replies (this run only)"
    )
    parser.add_argument(
        "--server",
        metavar="URL",
        help="chat through an OpenAI-compatible inference server (vLLM, llama.cpp's "
        "llama-server, Ollama) at URL, such as http://gpu-box:8000/v1, instead of a model on "
        "this computer (this run only; --model is then not loaded); a key the server needs "
        "comes from the CONFAB_API_KEY environment variable",
    )
    parser.add_argument(
        "--server-model",
        metavar="NAME",
        help="the model to chat with on --server, as the server names it "
        "(default: the server's only model)",
    )
    parser.add_argument(
        "--theme",
        choices=("system", "light", "dark"),
        help="light or dark look, or follow the desktop's (default: the one chosen in "
        "View > Theme, else system; this run only)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="start headless, load the model, answer one message, print one JSON line, exit; "
        "leaves nothing in the data folder but self-test.json and the log",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    args = parser.parse_args(argv)
    if args.server_model and not args.server:
        parser.error("--server-model needs --server")
    if args.server:
        from core.servers import normalize_base_url

        try:
            args.server = normalize_base_url(args.server)
        except ValueError as error:
            parser.error(f"--server: {error}")
    return args


SERVER_KEY_VARIABLE = "CONFAB_API_KEY"


def server_option(args: argparse.Namespace) -> tuple[ServerConfig | None, str]:
    """The server of ``--server`` (already normalized) and its key from ``CONFAB_API_KEY``."""
    if not args.server:
        return None, ""
    from core.servers import ServerConfig, display_host

    config = ServerConfig(
        name=display_host(args.server), base_url=args.server, model=args.server_model or ""
    )
    return config, os.environ.get(SERVER_KEY_VARIABLE, "")


def prepare_environment(args: argparse.Namespace) -> None:
    """Environment that must be set before Qt or huggingface_hub is imported."""
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # Plain HTTP downloads: the path whose progress, cancel and resume the tests prove.
    os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
    if args.self_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def process_age_s() -> float:
    """Seconds since this process started (including the interpreter's own start-up)."""
    try:
        if sys.platform.startswith("linux"):
            # psutil's create_time() adds the boot time, which Linux gives in whole
            # seconds: ages came out up to 1 s too long. Both values here share one clock.
            uptime_s = float(Path("/proc/uptime").read_text().split()[0])
            fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
            return uptime_s - int(fields[19]) / os.sysconf("SC_CLK_TCK")
        import psutil

        return time.time() - psutil.Process().create_time()
    except Exception:  # noqa: BLE001 - only used for a timing report
        return time.perf_counter()


def report_window_shown() -> None:
    """Print when the window is on screen, and whether the heavy imports had happened yet."""
    print(f"window_shown_s={process_age_s():.3f}", flush=True)
    print(
        f"heavy_imports_done={'torch' in sys.modules or 'transformers' in sys.modules}", flush=True
    )


def drop_pyside_import_hook(python_import: Any) -> None:
    """Give Python its own ``__import__`` back once the Qt modules are imported.

    PySide6 replaces ``builtins.__import__`` by a hook for its ``from __feature__ import``
    switches (snake_case names, true properties), which Confab does not use. The hook reads
    the source of every module that imports anything, and keeps it: with it, importing
    torch and transformers' BlenderBot in the worker took ~110 MB more memory (469 MB
    instead of 360 MB, measured with psutil) and pushed the app over 1 GB with the fast
    engine.
    """
    if builtins.__import__ is not python_import:
        log.info("Dropping PySide6's import hook (%r)", builtins.__import__)
        builtins.__import__ = python_import


def main(argv: list[str] | None = None) -> int:
    from core.app_logging import ensure_std_streams

    ensure_std_streams()  # a windowed build has no stdout/stderr; printing must not crash
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == [CONVERT_FLAG]:  # the bundle's model-conversion child
        from core.engines.int8_format import convert_main

        return convert_main(arguments[1:])
    args = parse_args(arguments)
    prepare_environment(args)
    from core.heap import use_one_arena

    use_one_arena()  # before Qt and the worker start their threads

    python_import = builtins.__import__
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from core.app_logging import configure_logging
    from core.data_lock import DataFolderLock
    from core.paths import bundled_model_dir, default_data_dir, resource_path
    from gui.app_settings import AppSettings
    from gui.main_window import LaunchOptions, MainWindow
    from gui.single_instance import InstanceRole, InstanceServer, claim_data_folder
    from gui.termination import close_on_termination_signals

    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("confab")
    icon = QIcon()
    for png in sorted(resource_path("icons").glob("confab-*.png")):
        icon.addFile(str(png))
    app.setWindowIcon(icon)

    data_dir = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(data_dir, os.W_OK):
            raise PermissionError(f"{data_dir} is not writable")
    except OSError as error:
        if args.self_test:
            message = f"Confab cannot use the data folder {data_dir}: {error}"
            print(json.dumps({"ok": False, "error": message}), flush=True)
        else:
            from PySide6.QtCore import QCoreApplication

            from gui.i18n import SYSTEM, Translations

            shown = Translations()  # no settings can be read: the system's language
            shown.install(SYSTEM)
            message = QCoreApplication.translate(
                "main", "Confab cannot use the data folder {folder}: {error}"
            ).format(folder=data_dir, error=error)
            QMessageBox.critical(None, APP_NAME, message)
        return 2
    configure_logging(data_dir)
    drop_pyside_import_hook(python_import)  # before the worker imports torch and transformers
    log.info("%s %s starting; data folder %s", APP_NAME, __version__, data_dir)

    lock = DataFolderLock(data_dir)
    files = [args.transcript] if args.transcript else []
    role = claim_data_folder(lock, data_dir, files, self_test=args.self_test)
    if role is InstanceRole.HANDED_OFF:
        log.info("handed %s to the Confab already running on %s", files, data_dir)
        print("handed_off=1", flush=True)
        return 0
    read_only = role is InstanceRole.READ_ONLY
    if read_only:
        log.warning("another Confab holds %s and does not answer: read-only", data_dir)

    settings = AppSettings(data_dir)
    from gui.i18n import Translations

    translations = Translations()
    translations.install(settings.language)
    bundled = bundled_model_dir()
    reference = args.model or settings.model or (str(bundled) if bundled else DEFAULT_MODEL_ID)
    # Command-line choices apply to this run only; choices made in the app are remembered.
    engine: EngineChoice = args.engine or settings.engine
    threads = args.threads if args.threads and args.threads > 0 else settings.threads
    remote, api_key = server_option(args)
    if remote is not None:
        from core.servers import insecure_warning

        reference = f"{remote.model} @ {remote.base_url}" if remote.model else remote.base_url
        if warning := insecure_warning(remote.base_url):
            log.warning("%s", warning)
    options = LaunchOptions(
        data_dir=data_dir,
        model_reference=reference,
        engine=engine,
        threads=threads,
        offline=bool(args.offline) or os.environ.get("HF_HUB_OFFLINE") == "1",
        read_only=read_only,
        persist=not args.self_test and not read_only,  # a self-test leaves nothing behind
        server=remote,
        api_key=api_key,
        theme=args.theme,
    )
    window = MainWindow(options, settings)
    if args.self_test:
        window.setProperty("headless", True)
        SelfTest(window, app)
    elif role is InstanceRole.PRIMARY:
        server = InstanceServer(data_dir, window)
        server.files_received.connect(window.open_handed_files)
    close_on_termination_signals(app, window)
    window.show()
    if read_only and not args.self_test:
        window.warn_read_only()
    if os.environ.get("CONFAB_REPORT_WINDOW_SHOWN") == "1":
        QTimer.singleShot(0, report_window_shown)
    # Queued, so the window is on screen before the worker starts the heavy imports; the
    # start-up question below does not block (open(), not exec()), so it never holds the load.
    QTimer.singleShot(0, window.start_loading)
    if not args.self_test:
        window.library_start.offer_import()
    if args.transcript:
        window.files.open_path(Path(args.transcript))
    code = app.exec()
    # Every chat was written as it changed and the window has closed, so nothing is left to
    # save. Python's own teardown (freeing torch's modules and the model) took a second or
    # more, and the worker may still be inside a long library call (torch's import): end now,
    # so a logout or SIGTERM is over within two seconds.
    lock.release()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


class SelfTest:
    """Drives the real window headless: wait for the model, send one message, report JSON."""

    def __init__(self, window: MainWindow, app: QCoreApplication) -> None:
        from PySide6.QtCore import QTimer

        self.window = window
        self.app = app
        self.started = time.perf_counter()
        self.load_s = 0.0
        self.sent_at = 0.0
        self.info: ModelInfo | None = None
        window.model_ready.connect(self.on_ready)
        window.model_failed.connect(self.on_failed)
        window.reply_shown.connect(self.on_reply)
        QTimer.singleShot(SELF_TEST_TIMEOUT_S * 1000, lambda: self.on_failed("timed out"))

    def on_ready(self, info: ModelInfo) -> None:
        self.info = info
        self.load_s = time.perf_counter() - self.started
        self.sent_at = time.perf_counter()
        self.window.input_box.setPlainText(SELF_TEST_MESSAGE)
        self.window.send_message()

    def on_reply(self, reply: Reply) -> None:
        assert self.info is not None
        result: dict[str, object] = {
            "ok": bool(reply.text.strip()),
            "model": self.info.model_id,
            "engine": self.info.engine,
            "load_s": round(self.load_s, 3),
            "reply_s": round(time.perf_counter() - self.sent_at, 3),
            "reply": reply.text,
            "context_turns": reply.context.turns_total,
            "read_only": self.window.options.read_only,
        }
        if not result["ok"]:
            result["error"] = "the reply was empty"
        self.finish(result)

    def on_failed(self, message: str) -> None:
        self.finish({"ok": False, "error": message})

    def finish(self, result: dict[str, object]) -> None:
        line = json.dumps(result, ensure_ascii=False)
        print(line, flush=True)
        # A windowed app on Windows or macOS has no visible stdout: leave the result in a file.
        with contextlib.suppress(OSError):
            (self.window.options.data_dir / "self-test.json").write_text(line + "\n", "utf-8")
        self.app.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    sys.exit(main())
