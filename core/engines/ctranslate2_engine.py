"""The fast engine: BlenderBot through CTranslate2 with int8 weights, converted once per model.

CTranslate2 has no BlenderBot converter, but BlenderBot is BART's architecture with
pre-layer-norm blocks, no embedding layer norm and no position offset, so its BART loader
converts it once told so (``BlenderbotLoader``). The first ``load`` of a model converts the
checkpoint, read through transformers' own loading code (``local_files_only``; a ``.bin`` only
through torch's ``weights_only`` loader), into
``<data_dir>/models/<name>-<hash of the source files>-<quantization>/``. It is written to a
temporary folder beside that one and renamed when complete, so an interrupted conversion is
never used; later loads reuse the folder.

Generation reproduces transformers' semantics for every setting (``GenerationSettings``,
``None`` = the model's ``generation_config.json``):

- ``max_length`` counts the decoder start token, and with ``forced_eos_token_id`` its last
  position is ``</s>``: CTranslate2 decodes at most ``max_length - 2`` free tokens and the
  forced ``</s>`` is appended. ``min_length`` also counts the start token.
- ``no_repeat_ngram_size``: transformers counts the decoder start token as part of the
  sequence, CTranslate2 does not. The one n-gram this adds (start token + the first n - 1
  tokens) matters only if the model generates the start token again; greedy and sampling
  replies detect that and continue from the accepted tokens with that n-gram suppressed, so
  greedy replies match transformers token for token. Beam search cannot be resumed and keeps
  CTranslate2's rule; it also normalises lengths without the final ``</s>`` and stops after
  ``num_beams`` finished hypotheses, so beam replies obey the same rules as transformers'
  but are not always the same text.
- ``encoder_no_repeat_ngram_size`` (not in CTranslate2) is emulated with
  ``suppress_sequences``: every n-gram of the input is passed as a banned sequence, and
  CTranslate2 then forbids, at each step, the token that would complete one of them after its
  first n - 1 tokens, which is what transformers' processor does (one edge differs: an input
  containing the start token ``<s>`` itself, whose n-grams transformers also matches against
  the start token at the head of the reply).
- Sampling maps to ``sampling_temperature``/``sampling_topp``/``sampling_topk`` (top-k 50 is
  transformers' default).

Greedy and sampled replies stream through a per-token callback, which also checks ``stop``.
Beam search runs asynchronously and the call returns as soon as ``stop`` is set (the
abandoned search finishes in the background; CTranslate2 cannot interrupt it).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.context import ContextWindow, Turn
from core.engines.base import (
    EngineError,
    GenerationCancelled,
    ModelInfo,
    ProgressCallback,
    Reply,
    TextCallback,
)
from core.engines.tokens import count_content_tokens, encode, fit_seq2seq, quiet_transformers
from core.models import DOWNLOAD_PATTERNS, ModelFolder
from core.settings import GenerationSettings

log = logging.getLogger(__name__)

Quantization = Literal["int8", "float32"]
SUPPORTED_ARCHITECTURES = frozenset({"BlenderbotForConditionalGeneration"})
# The files a conversion is made from (their sizes and times key the converted folder).
SOURCE_FILES = tuple(name for name in DOWNLOAD_PATTERNS if "*" not in name)
CONVERSION_FORMAT = 1  # bump when the converted folder's contents change
METADATA_FILE = "confab.json"
PARTIAL_MARKER = ".partial-"
DEFAULT_TOP_K = 50  # transformers' GenerationConfig default, used when sampling
BEAM_POLL_S = 0.02


def supports(folder: ModelFolder) -> bool:
    """Whether the fast engine can run this model."""
    return folder.architecture in SUPPORTED_ARCHITECTURES


def conversion_dir(folder: ModelFolder, data_dir: Path, quantization: Quantization) -> Path:
    """Where the converted model for these source files and this quantization lives."""
    digest = hashlib.sha256()
    digest.update(f"format {CONVERSION_FORMAT}\n".encode())
    for name in SOURCE_FILES:
        path = folder.path / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", folder.model_id).strip("._") or "model"
    return data_dir / "models" / f"{safe_name}-{digest.hexdigest()[:12]}-{quantization}"


def is_complete(path: Path) -> bool:
    """A finished conversion: renamed into place, with its weights and metadata."""
    return (path / "model.bin").is_file() and (path / METADATA_FILE).is_file()


class CTranslate2Engine:
    """BlenderBot on CTranslate2: int8 by default, float32 for fidelity checks."""

    name = "fast"

    def __init__(
        self,
        folder: ModelFolder,
        data_dir: Path,
        threads: int,
        quantization: Quantization = "int8",
    ) -> None:
        if quantization not in ("int8", "float32"):
            raise EngineError(f"Unknown quantization '{quantization}'.")
        self.folder = folder
        self.data_dir = data_dir
        self.threads = threads
        self.quantization: Quantization = quantization
        self.label = f"ctranslate2-{quantization}"
        self._tokenizer: Any = None
        self._translator: Any = None
        self._generation: Any = None  # transformers.GenerationConfig
        self._vocabulary: list[str] = []
        self._ids: dict[str, int] = {}

    @property
    def converted_path(self) -> Path:
        return conversion_dir(self.folder, self.data_dir, self.quantization)

    # -- loading ---------------------------------------------------------------------------
    def load(self, progress: ProgressCallback) -> ModelInfo:
        started = time.perf_counter()
        if not supports(self.folder):
            raise EngineError(
                f"The fast engine runs BlenderBot models only; {self.folder.model_id} is a "
                f"{self.folder.architecture}. Choose the transformers engine for it."
            )
        progress(2, "Starting the fast inference library…")
        # Idle OpenMP threads that spin steal the cores the next decoding step needs when
        # anything else runs (the GUI, another process): greedy replies took 1.5 s instead
        # of 2.0 s here with another process busy, and ~2% longer on an idle machine.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        ctranslate2 = import_ctranslate2()
        progress(5, "Reading the tokenizer…")
        import transformers

        quiet_transformers(transformers)
        path = str(self.folder.path)
        try:
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(
                path, local_files_only=True
            )
            self._generation = load_generation_config(transformers, path)
        except Exception as error:
            raise EngineError(
                f"The model in {self.folder.path} could not be loaded: {error}"
            ) from error
        target = self.converted_path
        metadata: dict[str, Any] | None = None
        if is_complete(target):
            progress(8, "Loading the converted model…")
            try:
                metadata = self._open(ctranslate2, target)
            except EngineError as error:  # damaged since it was made: convert again
                log.warning("%s; converting again", error)
                shutil.rmtree(target, ignore_errors=True)
        if metadata is None:
            self._convert(target, progress)
            progress(85, "Loading the converted model…")
            metadata = self._open(ctranslate2, target)
        progress(100, "Ready")
        defaults = self._generation.to_diff_dict()
        return ModelInfo(
            model_id=self.folder.model_id,
            path=path,
            architecture=self.folder.architecture,
            engine=self.label,
            context_limit=self.folder.context_limit,
            parameters=int(metadata["parameters"]),
            load_s=time.perf_counter() - started,
            generation_defaults=dict(defaults),
        )

    def _open(self, ctranslate2: Any, target: Path) -> dict[str, Any]:
        """Load the converted model in ``target`` into memory; returns its metadata."""
        try:
            metadata: dict[str, Any] = json.loads(
                (target / METADATA_FILE).read_text(encoding="utf-8")
            )
            self._vocabulary = json.loads(
                (target / "shared_vocabulary.json").read_text(encoding="utf-8")
            )
            self._translator = ctranslate2.Translator(
                str(target),
                device="cpu",
                compute_type=self.quantization,
                inter_threads=1,
                intra_threads=self.threads,
            )
        except (OSError, RuntimeError, ValueError) as error:
            raise EngineError(f"The converted model in {target} cannot be used: {error}") from error
        self._ids = {token: index for index, token in enumerate(self._vocabulary)}
        return metadata

    def _convert(self, target: Path, progress: ProgressCallback) -> None:
        """Convert the checkpoint into ``target``, atomically: a partial folder is never used."""
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned_conversions(target)
        partial = Path(
            tempfile.mkdtemp(
                prefix=f".{target.name}{PARTIAL_MARKER}{os.getpid()}-", dir=target.parent
            )
        )
        try:
            convert_in_child_process(self.folder, partial, self.quantization, progress)
            if target.exists():  # damaged by hand: not made by this code, which renames
                shutil.rmtree(target)
            os.replace(partial, target)
        except EngineError:
            raise
        except Exception as error:
            if is_complete(target):  # another process finished the same conversion first
                log.info("Using the conversion another process finished: %s", target)
                return
            raise EngineError(
                f"The model in {self.folder.path} could not be converted for the fast engine: "
                f"{error}"
            ) from error
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    # -- context ---------------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without special tokens."""
        return encode(self._tokenizer, text)

    def fit(self, turns: Sequence[Turn], persona: str = "") -> ContextWindow:
        return fit_seq2seq(self._tokenizer, self.folder, turns, persona)

    # -- generation ------------------------------------------------------------------------
    def generate(
        self,
        turns: Sequence[Turn],
        settings: GenerationSettings,
        on_text: TextCallback,
        stop: threading.Event,
        persona: str = "",
    ) -> Reply:
        if self._translator is None:
            raise EngineError("The model is not loaded yet.")
        window = self.fit(turns, persona)
        started = time.perf_counter()
        plan = self.plan(settings, window.input_ids)
        # Nothing the per-token callback holds may lead back to the translator: CTranslate2
        # may release the callback on its own worker thread, and a translator freed there
        # aborts the process (its destructor would join that very thread).
        stream = TextStream(functools.partial(reply_text, self._tokenizer), on_text)
        if plan.streams:
            ids = self._decode_stepwise(window.input_ids, plan, stop, stream.update)
        else:
            ids = self._decode_beam(window.input_ids, plan, stop)
        text = self.decode(ids)
        if plan.streams:
            stream.finish(text)
        return Reply(
            text=text,
            tokens=count_content_tokens(self._tokenizer, ids),
            reply_s=time.perf_counter() - started,
            first_token_s=(stream.first_text_at - started) if stream.first_text_at else None,
            context=window,
            engine=self.label,
        )

    def token_ids(
        self,
        input_ids: Sequence[int],
        settings: GenerationSettings,
        stop: threading.Event | None = None,
    ) -> list[int]:
        """The reply's token ids (with ``</s>``, without the start token) for a model input."""
        if self._translator is None:
            raise EngineError("The model is not loaded yet.")
        plan = self.plan(settings, input_ids)
        stop = stop or threading.Event()
        if plan.streams:
            return self._decode_stepwise(input_ids, plan, stop, lambda ids: None)
        return self._decode_beam(input_ids, plan, stop)

    def decode(self, ids: Sequence[int]) -> str:
        """Reply text of token ids, as the transformers engine shows it."""
        return reply_text(self._tokenizer, ids)

    def plan(self, settings: GenerationSettings, input_ids: Sequence[int]) -> DecodingPlan:
        """CTranslate2 options reproducing transformers' meaning of ``settings``."""
        value = self._effective(settings)
        beams = max(1, int(value["num_beams"] or 1))
        sampling = bool(value["do_sample"])
        forced_eos = self._generation.forced_eos_token_id
        eos = self._tokenizer.eos_token_id
        # max_length counts the decoder start token; a forced </s> takes the last position.
        free = int(value["max_length"]) - 1 - (1 if forced_eos is not None else 0)
        max_decoding = max(1, free)
        min_decoding = min(max(0, int(value["min_length"] or 0) - 1), max_decoding)
        encoder_n = int(value["encoder_no_repeat_ngram_size"] or 0)
        banned = [
            [self._vocabulary[t] for t in ngram] for ngram in input_ngrams(input_ids, encoder_n)
        ]
        options: dict[str, Any] = {
            "beam_size": beams,
            "length_penalty": float(
                value["length_penalty"] if value["length_penalty"] is not None else 1.0
            ),
            "no_repeat_ngram_size": int(value["no_repeat_ngram_size"] or 0),
            "max_decoding_length": max_decoding,
            "min_decoding_length": min_decoding,
            "max_input_length": 0,
            "suppress_sequences": banned or None,
        }
        if sampling:
            top_k = self._generation.top_k
            options.update(
                sampling_topk=int(top_k) if top_k else 0,
                sampling_topp=float(value["top_p"] if value["top_p"] is not None else 1.0),
                sampling_temperature=float(
                    value["temperature"] if value["temperature"] is not None else 1.0
                ),
            )
        return DecodingPlan(
            options=options,
            streams=beams == 1,
            start_id=int(self._generation.decoder_start_token_id),
            eos_id=eos,
            forced_eos_id=forced_eos,
            no_repeat_ngram_size=options["no_repeat_ngram_size"],
        )

    def _effective(self, settings: GenerationSettings) -> dict[str, Any]:
        merged = settings.merged_over(self._generation.to_diff_dict())
        return {
            name: value if value is not None else getattr(self._generation, name, None)
            for name, value in merged.items()
        }

    def _source(self, input_ids: Sequence[int]) -> list[str]:
        return [self._vocabulary[t] for t in input_ids]

    def _decode_stepwise(
        self,
        input_ids: Sequence[int],
        plan: DecodingPlan,
        stop: threading.Event,
        on_ids: Callable[[list[int]], None],
    ) -> list[int]:
        """Greedy or sampled decoding, one callback per token (streaming and stop)."""
        source = self._source(input_ids)
        accepted: list[int] = []
        suppressed = list(plan.options["suppress_sequences"] or [])
        if (
            plan.no_repeat_ngram_size == 1
        ):  # transformers' single-token history starts with the start token
            suppressed.append([self._vocabulary[plan.start_id]])
        while True:
            step = TokenStep(accepted, plan, stop, on_ids)
            options = dict(plan.options, suppress_sequences=suppressed or None)
            prefix = [self._source(accepted)] if accepted else None
            try:
                self._translator.translate_batch([source], prefix, callback=step, **options)
            except (RuntimeError, ValueError) as error:
                raise EngineError(f"The fast engine failed: {error}") from error
            if stop.is_set():
                raise GenerationCancelled()
            if not step.banned_ngram:
                break
            # transformers' n-gram history includes the start token; continue with it banned.
            suppressed.append([self._vocabulary[t] for t in step.banned_ngram])
        return self._finish(accepted, plan)

    def _decode_beam(
        self, input_ids: Sequence[int], plan: DecodingPlan, stop: threading.Event
    ) -> list[int]:
        """Beam search, run asynchronously so that ``stop`` ends the call at once."""
        if stop.is_set():
            raise GenerationCancelled()
        try:
            pending = self._translator.translate_batch(
                [self._source(input_ids)], asynchronous=True, **plan.options
            )[0]
            while not pending.done():
                if stop.wait(BEAM_POLL_S):
                    raise GenerationCancelled()
            result = pending.result()
        except (RuntimeError, ValueError) as error:
            raise EngineError(f"The fast engine failed: {error}") from error
        ids = [self._ids[token] for token in result.hypotheses[0]]
        return self._finish(ids, plan)

    @staticmethod
    def _finish(ids: list[int], plan: DecodingPlan) -> list[int]:
        """Add the ``</s>`` transformers' output ends with: generated, or forced at the end."""
        # Stopping early means stopping at </s>, which CTranslate2 leaves out.
        stopped_early = len(ids) < plan.options["max_decoding_length"]
        end = plan.eos_id if stopped_early else plan.forced_eos_id
        return [*ids, end] if end is not None else ids


@dataclass(frozen=True)
class DecodingPlan:
    """The CTranslate2 call for one reply, and what is needed to post-process it."""

    options: dict[str, Any]
    streams: bool
    start_id: int
    eos_id: int | None
    forced_eos_id: int | None
    no_repeat_ngram_size: int


class TokenStep:
    """The per-token callback of one CTranslate2 call: streams, stops, checks no-repeat.

    ``accepted`` (the reply so far, extended in place) is replayed as the call's target
    prefix; tokens of that prefix are not reported again. A token that transformers would ban
    through the start-token n-gram ends the call, with ``banned_ngram`` set.
    """

    def __init__(
        self,
        accepted: list[int],
        plan: DecodingPlan,
        stop: threading.Event,
        on_ids: Callable[[list[int]], None],
    ) -> None:
        self.accepted = accepted
        self.replayed = len(accepted)
        self.plan = plan
        self.stop = stop
        self.on_ids = on_ids
        self.banned_ngram: list[int] = []

    def __call__(self, step: Any) -> bool:
        """Return True to end decoding."""
        if self.stop.is_set():
            return True
        if step.step < self.replayed:
            return False
        token = int(step.token_id)
        if token == self.plan.eos_id:
            return False
        history = [self.plan.start_id, *self.accepted]
        n = self.plan.no_repeat_ngram_size
        if n > 1 and bans_after_start(history, token, n):
            self.banned_ngram = history[:n]
            return True
        self.accepted.append(token)
        self.on_ids(self.accepted)
        return False


def reply_text(tokenizer: Any, ids: Sequence[int]) -> str:
    """Reply text of token ids, as the transformers engine shows it."""
    text: str = tokenizer.decode(list(ids), skip_special_tokens=True)
    return text.strip()


def input_ngrams(ids: Sequence[int], n: int) -> list[tuple[int, ...]]:
    """The distinct n-grams of the model input, in order of first appearance."""
    if n <= 0:
        return []
    return list(dict.fromkeys(tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)))


def bans_after_start(history: Sequence[int], token: int, n: int) -> bool:
    """Whether transformers' no-repeat rule bans ``token`` through the n-gram that starts
    with the decoder start token, the one n-gram CTranslate2 does not see.

    ``history`` is the decoder sequence so far, start token first.
    """
    if len(history) < n:
        return False
    return list(history[len(history) - (n - 1) :]) == list(history[: n - 1]) and (
        token == history[n - 1]
    )


class TextStream:
    """Turns the growing reply into text deltas for ``on_text``.

    Text ending in an incomplete UTF-8 sequence (``\\ufffd``) and trailing whitespace are
    held back, so the deltas always add up to a prefix of the final (stripped) reply.
    """

    def __init__(self, decode: Callable[[Sequence[int]], str], on_text: TextCallback) -> None:
        self.decode = decode
        self.on_text = on_text
        self.sent = ""
        self.first_text_at: float | None = None

    def update(self, ids: Sequence[int]) -> None:
        text = self.decode(ids)
        if text.endswith("\ufffd"):
            return
        self._send(text)

    def finish(self, text: str) -> None:
        """Send whatever of the final text has not been sent."""
        self._send(text)

    def _send(self, text: str) -> None:
        if not text.startswith(self.sent):
            return
        delta = text[len(self.sent) :]
        if delta:
            if self.first_text_at is None:
                self.first_text_at = time.perf_counter()
            self.sent = text
            self.on_text(delta)


def import_ctranslate2() -> Any:
    """The ctranslate2 module, or an ``EngineError`` saying why the fast engine is missing."""
    try:
        import ctranslate2
    except (ImportError, OSError) as error:
        raise EngineError(
            f"The fast engine is not available: CTranslate2 cannot be loaded ({error}). "
            "Choose the transformers engine."
        ) from error
    return ctranslate2


def load_generation_config(transformers: Any, path: str) -> Any:
    """The model's generation defaults, as transformers reads them."""
    try:
        return transformers.GenerationConfig.from_pretrained(path, local_files_only=True)
    except OSError:  # no generation_config.json: transformers derives it from config.json
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
        return transformers.GenerationConfig.from_model_config(config)


def remove_abandoned_conversions(target: Path) -> None:
    """Delete partial conversions of ``target`` whose process has ended."""
    import psutil

    for partial in target.parent.glob(f".{target.name}{PARTIAL_MARKER}*"):
        pid_text = partial.name.rsplit(PARTIAL_MARKER, 1)[-1].split("-", 1)[0]
        if pid_text.isdigit() and not psutil.pid_exists(int(pid_text)):
            log.info("Removing an abandoned conversion: %s", partial)
            shutil.rmtree(partial, ignore_errors=True)


def convert_blenderbot(
    folder: ModelFolder, output: Path, quantization: Quantization, progress: ProgressCallback
) -> None:
    """Write the CTranslate2 model for ``folder`` into the existing, empty ``output``."""
    import torch
    import transformers

    progress(10, "Preparing the fast engine (once per model): reading the weights…")
    path = str(folder.path)
    model = transformers.AutoModelForSeq2SeqLM.from_pretrained(
        path, local_files_only=True, dtype=torch.float32
    )
    tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    parameters = sum(p.numel() for p in model.parameters())
    progress(25, "Preparing the fast engine: converting the layers…")
    with torch.no_grad():
        spec = blenderbot_loader()(model, tokenizer)
    del model  # the spec holds the tensors it needs
    progress(40, f"Preparing the fast engine: {quantization} weights…")
    spec.validate()
    spec.optimize(quantization=quantization)
    progress(65, "Preparing the fast engine: writing the converted model…")
    spec.save(str(output))
    del spec
    gc.collect()
    metadata = {
        "format": CONVERSION_FORMAT,
        "source": path,
        "model_id": folder.model_id,
        "quantization": quantization,
        "parameters": parameters,
    }
    (output / METADATA_FILE).write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    progress(80, "Preparing the fast engine: done")


PROGRESS_PREFIX = "confab-progress "
CONVERT_FLAG = "--convert-fast-model"


def converter_command(folder: ModelFolder, output: Path, quantization: Quantization) -> list[str]:
    """The command that converts in a child process: this module, or the bundled app itself."""
    arguments = [CONVERT_FLAG, str(folder.path), folder.model_id, str(output), quantization]
    if getattr(sys, "frozen", False):  # PyInstaller: main.py routes the flag here
        return [sys.executable, *arguments]
    return [sys.executable, "-m", "core.engines.ctranslate2_engine", *arguments]


def convert_in_child_process(
    folder: ModelFolder, output: Path, quantization: Quantization, progress: ProgressCallback
) -> None:
    """Run ``convert_blenderbot`` in a child process and relay its progress.

    Converting holds the GIL for long stretches (unpickling, writing the spec): in the app's
    own process that froze the window for ~240 ms at a time with a small model, and it needs
    about three times the int8 model's memory (2.2 GB for the 400M model), which the app's
    process would then keep. A child returns both when it exits. If ``progress`` raises (the
    app is closing), the child is killed.
    """
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    child = subprocess.Popen(
        converter_command(folder, output, quantization),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        creationflags=flags,
    )
    try:
        assert child.stdout is not None and child.stderr is not None
        for line in child.stdout:
            if line.startswith(PROGRESS_PREFIX):
                percent, _, text = line[len(PROGRESS_PREFIX) :].rstrip("\n").partition(" ")
                progress(int(percent), text)
        errors = child.stderr.read()
        code = child.wait()
    except BaseException:
        child.kill()
        child.wait()
        raise
    if code != 0:
        last = errors.strip().splitlines()[-1] if errors.strip() else f"exit code {code}"
        raise RuntimeError(last)


def convert_main(arguments: Sequence[str]) -> int:
    """The child process: ``SOURCE MODEL_ID OUTPUT QUANTIZATION`` -> a converted model."""
    from core.models import check_folder

    source, model_id, output, quantization = arguments
    if quantization not in ("int8", "float32"):
        print(f"unknown quantization {quantization}", file=sys.stderr)
        return 2

    def report(percent: int, text: str) -> None:
        print(f"{PROGRESS_PREFIX}{percent} {text}", flush=True)

    folder = check_folder(Path(source), model_id)
    convert_blenderbot(folder, Path(output), quantization, report)  # type: ignore[arg-type]
    return 0


def blenderbot_loader() -> Any:
    """A CTranslate2 loader that reads BlenderBot through the BART loader.

    Built on demand because its base class lives in ctranslate2's converter module, which
    imports torch and transformers.
    """
    from ctranslate2.converters.transformers import _SUPPORTED_ACTIVATIONS, BartLoader
    from ctranslate2.specs import transformer_spec

    class BlenderbotLoader(BartLoader):  # type: ignore[misc]
        """BART's loader, told that BlenderBot is pre-norm without an embedding layer norm."""

        @property
        def architecture_name(self) -> str:
            return "BlenderbotForConditionalGeneration"

        def get_model_spec(self, model: Any) -> Any:
            config = model.config
            spec = transformer_spec.TransformerSpec.from_config(
                (config.encoder_layers, config.decoder_layers),
                config.encoder_attention_heads,
                pre_norm=True,
                activation=_SUPPORTED_ACTIVATIONS[config.activation_function],
                layernorm_embedding=False,
            )
            self.set_encoder(spec.encoder, model.model.encoder)
            self.set_decoder(spec.decoder, model.model.decoder)
            self.set_linear(spec.decoder.projection, model.lm_head)
            bias = getattr(model, "final_logits_bias", None)
            if bias is not None and bias.nonzero().numel() != 0:
                spec.decoder.projection.bias = bias.squeeze()
            return spec

        def get_vocabulary(self, model: Any, tokenizer: Any) -> list[str]:
            """Tokens indexed by id, so CTranslate2's ids are the tokenizer's ids."""
            size = model.config.vocab_size
            tokens = [f"<confab_unused_{i}>" for i in range(size)]
            for token, index in tokenizer.get_vocab().items():
                if 0 <= index < size:
                    tokens[index] = token
            if len(set(tokens)) != size:
                raise EngineError("The tokenizer's vocabulary has duplicate tokens.")
            return tokens

    return BlenderbotLoader()


if __name__ == "__main__":
    if len(sys.argv) != 6 or sys.argv[1] != CONVERT_FLAG:
        print(f"usage: {CONVERT_FLAG} SOURCE MODEL_ID OUTPUT QUANTIZATION", file=sys.stderr)
        sys.exit(2)
    sys.exit(convert_main(sys.argv[2:]))
