"""The reference engine: any supported model through Hugging Face transformers.

On the CPU it runs in float32; on a GPU (``core.devices``) in the GPU's half precision, with the
model moved there and its input tensors created there.

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
from core.devices import CPU_CHOICE, DeviceChoice
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
from core.settings import CAUSAL_MAX_NEW_TOKENS, GenerationSettings, model_defaults, streams

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

CONTINUE_ROOM = 16  # Continue: decoder positions kept free for new tokens after a long prefix


class TransformersEngine:
    """Runs a model with ``model.generate``; the reference every other engine is checked against."""

    name = "transformers"
    label = "transformers"  # what the status bar, replies and --self-test show

    def __init__(
        self, folder: ModelFolder, threads: int, placement: DeviceChoice = CPU_CHOICE
    ) -> None:
        self.folder = folder
        self.threads = threads
        self.placement = placement  # the device and dtype it loads on, and why
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
            dtype = getattr(torch, self.placement.dtype)
            model = auto.from_pretrained(path, local_files_only=True, dtype=dtype, **files)
        except Exception as error:
            raise EngineError(
                f"The model in {self.folder.path} could not be loaded: {error}"
            ) from error
        if self.placement.is_gpu:
            progress(85, f"Moving the weights to {self.placement.device}…")
            try:
                model.to(self.placement.device)
            except Exception as error:  # out of GPU memory, a driver error
                raise EngineError(
                    f"The model in {self.folder.path} could not be moved to "
                    f"{self.placement.device}: {error}. Choose the CPU in Preferences."
                ) from error
        else:
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
        self._start_torch()
        return self._start_transformers()

    def _start_torch(self) -> None:
        import torch

        torch.set_num_threads(self.threads)

    def _start_transformers(self) -> Any:
        import transformers

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
            device=self.placement.device,
            device_reason=self.placement.reason,
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
        if not turns:  # an empty chat: nothing to fit, but the meter shows the budget
            return ContextWindow([], budget, 0, 0)
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
        prefix: str = "",
    ) -> Reply:
        """A reply to the newest turn, or with ``prefix`` the rest of the reply it begins.

        Continue (``prefix``): a seq2seq model's decoder starts from its start token and the
        prefix's tokens, a causal model's prompt ends with them after the generation prompt;
        ``Reply.text`` and the streamed pieces are only the new text, which may begin with a
        space (``prefix + reply.text`` is the whole reply). Length settings count only new
        tokens, so a continuation may be as long as a reply (a seq2seq one within the
        position limit).
        """
        from transformers import StoppingCriteriaList

        self._before_reply(stop)
        window = self.fit(turns, persona)
        started = time.perf_counter()
        prefix_ids = self._prefix_ids(prefix, window)
        streamer = DeltaStreamer(self._tokenizer, on_text, prefix_ids)
        effective = settings.merged_over(self.decoding_defaults())
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
        if self.folder.is_seq2seq:  # the decoder's start token and the prefix
            prompt = 1 + len(prefix_ids) if prefix_ids else 0
        else:
            prompt = len(window.input_ids) + len(prefix_ids)
        given = {text.strip() for text in avoid}
        for attempt in range(MAX_REGENERATE_SAMPLES if avoid and beams == 1 else 1):
            seeded = settings
            if attempt and settings.seed is not None:  # the same seed would repeat the sample
                seeded = settings.with_changes(seed=settings.seed + attempt)
            output = self._generate_ids(window.input_ids, seeded, prefix_ids, **hooks)
            if stop.is_set():
                raise GenerationCancelled()
            texts = [self._reply_text(row[prompt:].tolist(), prefix_ids) for row in output]
            row = next((i for i, text in enumerate(texts) if text.strip() not in given), None)
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

    def _before_reply(self, stop: threading.Event) -> None:
        """What an engine must finish before a reply (nothing here); may raise
        ``GenerationCancelled`` once ``stop`` is set."""

    def decoding_defaults(self) -> dict[str, Any]:
        """What replies decode with where no setting overrides it: the model's generation
        config, and for a causal model ``causal_defaults`` where that config gives none."""
        return model_defaults(self._defaults, self.folder.is_seq2seq)

    def _prefix_ids(self, prefix: str, window: ContextWindow) -> list[int]:
        """Continue: the tokens of the reply so far that the model sees (the last ones of a
        long reply, leaving ``CONTINUE_ROOM`` positions for new tokens)."""
        if not prefix.strip():
            return []
        ids = self.encode(prefix.rstrip())
        used = 1 if self.folder.is_seq2seq else len(window.input_ids)
        room = self.folder.context_limit - used - CONTINUE_ROOM
        return ids[-room:] if room > 0 else []

    def _reply_text(self, new_ids: Sequence[int], prefix_ids: Sequence[int]) -> str:
        """The text of a reply's new tokens; after a prefix, what decoding adds to it."""
        decode = self._tokenizer.decode
        if not prefix_ids:
            return str(decode(new_ids, skip_special_tokens=True)).strip()
        return continuation_text(self._tokenizer, prefix_ids, new_ids).rstrip()

    def token_ids(self, input_ids: Sequence[int], settings: GenerationSettings) -> list[int]:
        """A seq2seq model's reply token ids for a model input, without the start token.

        What ``generate`` decodes into text, for comparing engines token by token.
        """
        return [int(t) for t in self._generate_ids(input_ids, settings)[0, 1:].tolist()]

    def _generate_ids(
        self,
        input_ids: Sequence[int],
        settings: GenerationSettings,
        prefix_ids: Sequence[int] = (),
        **hooks: Any,
    ) -> torch.Tensor:
        """The model's ``generate`` on one model input (transformers' own here; the fast
        engine's runtime takes the same arguments): the output ids, prompt included (and
        ``prefix_ids``, the reply being continued: after the decoder's start token for a
        seq2seq model, after the prompt for a causal one).

        ``seed`` seeds torch before decoding. A causal model gets ``max_new_tokens`` (else
        ``max_length``, else its default) and ``min_length`` as ``min_new_tokens``, and
        ``causal_defaults`` where neither the settings nor its generation config set them; a
        seq2seq model ignores ``max_new_tokens`` and decodes exactly as its config says.
        """
        import torch

        if self._model is None:
            raise EngineError("The model is not loaded yet.")
        kwargs = settings.overrides()
        seed = kwargs.pop("seed", None)
        effective = settings.merged_over(self.decoding_defaults())
        if self.folder.is_seq2seq:
            kwargs.pop("max_new_tokens", None)
        else:
            kwargs.pop("encoder_no_repeat_ngram_size", None)
            length = kwargs.pop("max_length", None)
            new_tokens = kwargs.get("max_new_tokens", length) or effective.get("max_new_tokens")
            kwargs["max_new_tokens"] = new_tokens or CAUSAL_MAX_NEW_TOKENS
            if "min_length" in kwargs:
                kwargs["min_new_tokens"] = kwargs.pop("min_length")
            if effective.get("repetition_penalty") is not None:
                kwargs["repetition_penalty"] = effective["repetition_penalty"]
            input_ids = [*input_ids, *prefix_ids]
        ids = torch.tensor([list(input_ids)], dtype=torch.long, device=self.placement.device)
        if self.folder.is_seq2seq and prefix_ids:
            hooks["decoder_input_ids"] = self._decoder_prefix(prefix_ids, kwargs, ids.device)
            effective["max_length"] = kwargs["max_length"]
        if seed is not None:
            torch.manual_seed(seed)
        with torch.inference_mode():
            output: torch.Tensor = self._model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                **hooks,
                **self._generation_extras(effective),
                **kwargs,
            )
        return output

    def _decoder_prefix(
        self, prefix_ids: Sequence[int], kwargs: dict[str, Any], device: Any
    ) -> torch.Tensor:
        """A seq2seq continuation's ``decoder_input_ids``: the start token and the prefix.

        ``max_length`` and ``min_length`` in ``kwargs`` grow by the prefix's length (so they
        count new tokens, as in a reply), within the decoder's position limit.
        """
        import torch

        config = self._model.generation_config
        start = config.decoder_start_token_id
        if start is None:
            start = self._model.config.decoder_start_token_id
        grow = len(prefix_ids)
        longest = int(kwargs.get("max_length", config.max_length)) + grow
        longest = min(self.folder.context_limit, longest)
        kwargs["max_length"] = longest
        kwargs["min_length"] = min(longest, int(kwargs.get("min_length", config.min_length)) + grow)
        return torch.tensor([[int(start), *prefix_ids]], dtype=torch.long, device=device)

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

        return torch.full(
            (input_ids.shape[0],), self.stop.is_set(), dtype=torch.bool, device=input_ids.device
        )


class DeltaStreamer:
    """A transformers streamer that calls ``on_text`` with each new piece of decoded text.

    It runs inside ``generate`` on the worker thread, so no queue or extra thread is needed.
    Text ending in an incomplete UTF-8 sequence is held back until the next token completes it.
    """

    def __init__(
        self, tokenizer: Any, on_text: TextCallback, prefix_ids: Sequence[int] = ()
    ) -> None:
        self.tokenizer = tokenizer
        self.on_text = on_text
        self.skip_first = True  # the prompt (causal) or the decoder start token (seq2seq)
        self.prefix_ids = list(prefix_ids)  # Continue: only text after these is sent
        self.ids: list[int] = []
        self.sent = ""
        self.first_text_at: float | None = None

    def put(self, value: torch.Tensor) -> None:
        if self.skip_first:
            self.skip_first = False
            return
        self.ids.extend(int(v) for v in value.reshape(-1).tolist())
        if self.prefix_ids:
            text = continuation_text(self.tokenizer, self.prefix_ids, self.ids)
        else:
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


def continuation_text(tokenizer: Any, prefix_ids: Sequence[int], new_ids: Sequence[int]) -> str:
    """What ``new_ids`` add to the text of ``prefix_ids`` (decoded together, so a word split
    across the two and the space between them come out right)."""
    head = str(tokenizer.decode(list(prefix_ids), skip_special_tokens=True))
    whole = str(tokenizer.decode([*prefix_ids, *new_ids], skip_special_tokens=True))
    if whole.startswith(head):
        return whole[len(head) :]
    return str(tokenizer.decode(list(new_ids), skip_special_tokens=True))


def keep_weights_in_ram(model: Any) -> None:
    """Replace memory-mapped weight storage by private copies (mmap gave 3-10x swings here)."""
    import torch

    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            storage = tensor.untyped_storage()
            if storage.filename is not None:  # mapped from a file
                tensor.data = tensor.data.clone()
