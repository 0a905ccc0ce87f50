"""The reference engine: any supported model through Hugging Face transformers, in fp32.

torch and transformers are imported inside ``load`` so that importing this module costs
nothing and the window can appear before the ~6 s of heavy imports.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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
from core.models import ModelFolder
from core.settings import GenerationSettings, streams

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

CAUSAL_MAX_NEW_TOKENS = 256


class TransformersEngine:
    """Runs a model with ``model.generate``; the reference every other engine is checked against."""

    name = "transformers"
    label = "transformers"  # what the status bar, replies and --self-test show

    def __init__(self, folder: ModelFolder, threads: int) -> None:
        self.folder = folder
        self.threads = threads
        self._tokenizer: Any = None
        self._model: Any = None
        self._defaults: dict[str, Any] = {}

    # -- loading ---------------------------------------------------------------------------
    def load(self, progress: ProgressCallback) -> ModelInfo:
        started = time.perf_counter()
        transformers = self._start_library(progress)
        import torch

        progress(30, "Reading the tokenizer…")
        path = str(self.folder.path)
        # A GGUF file carries its tokenizer and quantized weights; transformers de-quantizes.
        files = {"gguf_file": self.folder.gguf_file} if self.folder.gguf_file else {}
        try:
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(
                path, local_files_only=True, **files
            )
            progress(40, "Loading the weights…")
            auto = (
                transformers.AutoModelForSeq2SeqLM
                if self.folder.is_seq2seq
                else transformers.AutoModelForCausalLM
            )
            model = auto.from_pretrained(path, local_files_only=True, dtype=torch.float32, **files)
        except Exception as error:
            raise EngineError(
                f"The model in {self.folder.path} could not be loaded: {error}"
            ) from error
        progress(85, "Copying the weights into memory…")
        keep_weights_in_ram(model)
        model.eval()
        self._model = model
        self._defaults = model.generation_config.to_diff_dict()
        progress(100, "Ready")
        return self._info(sum(p.numel() for p in model.parameters()), started)

    def _start_library(self, progress: ProgressCallback) -> Any:
        """Import torch and transformers (seconds, the first time), set threads; transformers."""
        progress(2, "Starting the inference library…")
        import torch
        import transformers

        torch.set_num_threads(self.threads)
        quiet_transformers(transformers)
        return transformers

    def _info(self, parameters: int, started: float) -> ModelInfo:
        """What the app shows about the model just loaded (``started``: perf_counter)."""
        return ModelInfo(
            model_id=self.folder.model_id,
            path=str(self.folder.path),
            architecture=self.folder.architecture,
            engine=self.label,
            context_limit=self.folder.context_limit,
            parameters=parameters,
            load_s=time.perf_counter() - started,
            generation_defaults=dict(self._defaults),
        )

    # -- context ---------------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without special tokens."""
        return encode(self._tokenizer, text)

    def fit(self, turns: Sequence[Turn], persona: str = "") -> ContextWindow:
        if self.folder.is_seq2seq or self._tokenizer is None:
            return fit_seq2seq(self._tokenizer, self.folder, turns, persona)
        return self._fit_chat_template(turns, persona)

    def _fit_chat_template(self, turns: Sequence[Turn], persona: str) -> ContextWindow:
        """Causal models: newest turns whose chat-templated prompt leaves room for a reply."""
        budget = max(16, self.folder.context_limit - CAUSAL_MAX_NEW_TOKENS)
        if self._tokenizer.chat_template is None:
            raise EngineError(f"The model in {self.folder.path} has no chat template.")
        best: list[int] = []
        kept = 0
        for count in range(1, len(turns) + 1):
            ids = self._template(turns[-count:], persona)
            if len(ids) > budget:
                break
            best, kept = ids, count
        if not kept:
            best = self._template(turns[-1:], persona)[-budget:]
            return ContextWindow(best, budget, len(turns), 1, truncated_newest=True)
        return ContextWindow(best, budget, len(turns), kept)

    def _template(self, turns: Sequence[Turn], persona: str) -> list[int]:
        messages = [{"role": "system", "content": persona}] if persona.strip() else []
        messages += [{"role": t.role, "content": t.text} for t in turns]
        ids = self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True, return_dict=True
        )["input_ids"]
        return list(ids)

    # -- generation ------------------------------------------------------------------------
    def generate(
        self,
        turns: Sequence[Turn],
        settings: GenerationSettings,
        on_text: TextCallback,
        stop: threading.Event,
        persona: str = "",
        avoid: Sequence[str] = (),
    ) -> Reply:
        from transformers import StoppingCriteriaList

        window = self.fit(turns, persona)
        started = time.perf_counter()
        streamer = DeltaStreamer(self._tokenizer, on_text)
        effective = settings.merged_over(self._defaults)
        beams = int(effective.get("num_beams") or 1)
        hooks: dict[str, Any] = {"stopping_criteria": StoppingCriteriaList([StopOnEvent(stop)])}
        if avoid and beams > 1:
            # Regenerate under beam search: every beam comes back, best first, and the best
            # one not given before is taken.
            hooks["num_return_sequences"] = beams
        elif avoid:
            settings = settings.with_changes(do_sample=True)  # greedy would repeat itself
        if streams(effective) and not (avoid and beams > 1):
            hooks["streamer"] = streamer
        prompt = 0 if self.folder.is_seq2seq else len(window.input_ids)
        given = {text.strip() for text in avoid}
        for _attempt in range(MAX_REGENERATE_SAMPLES if avoid and beams == 1 else 1):
            output = self._generate_ids(window.input_ids, settings, **hooks)
            if stop.is_set():
                raise GenerationCancelled()
            texts = [
                self._tokenizer.decode(row[prompt:], skip_special_tokens=True).strip()
                for row in output
            ]
            row = next((i for i, text in enumerate(texts) if text not in given), None)
            if row is not None:
                break
        new_tokens = output[row or 0, prompt:]
        text = texts[row or 0]
        return Reply(
            text=text,
            tokens=count_content_tokens(self._tokenizer, new_tokens.tolist()),
            reply_s=time.perf_counter() - started,
            first_token_s=(streamer.first_text_at - started) if streamer.first_text_at else None,
            context=window,
            engine=self.label,
        )

    def token_ids(self, input_ids: Sequence[int], settings: GenerationSettings) -> list[int]:
        """A seq2seq model's reply token ids for a model input, without the start token.

        What ``generate`` decodes into text, for comparing engines token by token.
        """
        return [int(t) for t in self._generate_ids(input_ids, settings)[0, 1:].tolist()]

    def _generate_ids(
        self, input_ids: Sequence[int], settings: GenerationSettings, **hooks: Any
    ) -> torch.Tensor:
        """transformers' ``generate`` on one model input: the output ids, prompt included."""
        import torch

        if self._model is None:
            raise EngineError("The model is not loaded yet.")
        kwargs = settings.overrides()
        if not self.folder.is_seq2seq:
            kwargs.pop("encoder_no_repeat_ngram_size", None)
            kwargs["max_new_tokens"] = kwargs.pop("max_length", CAUSAL_MAX_NEW_TOKENS)
        ids = torch.tensor([list(input_ids)], dtype=torch.long)
        with torch.inference_mode():
            output: torch.Tensor = self._model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                **hooks,
                **self._generation_extras(settings.merged_over(self._defaults)),
                **kwargs,
            )
        return output

    def _generation_extras(self, effective: dict[str, Any]) -> dict[str, Any]:
        """More arguments for ``generate`` (none here: this is the reference)."""
        return {}


MAX_REGENERATE_SAMPLES = 4  # Regenerate with sampling: tries for a reply not given before


class StopOnEvent:
    """A ``StoppingCriteria`` that ends generation (beam search too) once ``stop`` is set."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **_: Any) -> torch.Tensor:
        import torch

        return torch.full((input_ids.shape[0],), self.stop.is_set(), dtype=torch.bool)


class DeltaStreamer:
    """A transformers streamer that calls ``on_text`` with each new piece of decoded text.

    It runs inside ``generate`` on the worker thread, so no queue or extra thread is needed.
    Text ending in an incomplete UTF-8 sequence is held back until the next token completes it.
    """

    def __init__(self, tokenizer: Any, on_text: TextCallback) -> None:
        self.tokenizer = tokenizer
        self.on_text = on_text
        self.skip_first = True  # the prompt (causal) or the decoder start token (seq2seq)
        self.ids: list[int] = []
        self.sent = ""
        self.first_text_at: float | None = None

    def put(self, value: torch.Tensor) -> None:
        if self.skip_first:
            self.skip_first = False
            return
        self.ids.extend(int(v) for v in value.reshape(-1).tolist())
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True).lstrip()
        if text.endswith("\ufffd") or not text.startswith(self.sent):
            return
        delta = text[len(self.sent) :]
        if delta:
            if self.first_text_at is None:
                self.first_text_at = time.perf_counter()
            self.sent = text
            self.on_text(delta)

    def end(self) -> None:
        return None


def keep_weights_in_ram(model: Any) -> None:
    """Replace memory-mapped weight storage by private copies (mmap gave 3-10x swings here)."""
    import torch

    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            storage = tensor.untyped_storage()
            if storage.filename is not None:  # mapped from a file
                tensor.data = tensor.data.clone()
