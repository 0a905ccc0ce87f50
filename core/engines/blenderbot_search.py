"""Greedy, sampled and beam-search replies of one input over ``blenderbot_net``.

This is transformers 5.23's ``generate`` for the one case the fast engine has: one input
without padding, an encoder-decoder model, token ids out. The settings are merged as
``generate`` merges them (``prepared_config``), the logits processors and stopping criteria
are transformers' own classes in the order ``generate`` builds them (importing them costs
~10 ms; its generation loop's module pulls in torch's compiler and distributed code), and
the loops follow ``GenerationMixin._sample`` and ``_beam_search`` step by step, so every
setting means what it means with the reference engine, and float32 replies are token for
token those of transformers (the tests compare them).

What it does differently: the decoder's start (and a continuation's prefix) is decoded in
one row, not once per beam, and beam search tells the cache which beam continues which
(``StepCache.reorder``) instead of reordering every row. A setting it does not run is
refused with its name (``UnsupportedSetting``), never ignored.
"""

from __future__ import annotations

from typing import Any, cast

import torch
from torch.nn import functional
from transformers.generation.configuration_utils import GenerationConfig
from transformers.generation.logits_process import (
    EncoderNoRepeatNGramLogitsProcessor,
    ForcedBOSTokenLogitsProcessor,
    ForcedEOSTokenLogitsProcessor,
    LogitNormalization,
    LogitsProcessorList,
    MinLengthLogitsProcessor,
    MinNewTokensLengthLogitsProcessor,
    NoBadWordsLogitsProcessor,
    NoRepeatNGramLogitsProcessor,
    RepetitionPenaltyLogitsProcessor,
    SequenceBiasLogitsProcessor,
    SuppressTokensAtBeginLogitsProcessor,
    SuppressTokensLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)
from transformers.generation.stopping_criteria import (
    EosTokenCriteria,
    MaxLengthCriteria,
    StoppingCriteriaList,
)

from core.engines.blenderbot_net import BlenderbotNet
from core.engines.step_cache import StepCache

# Settings this module does not run, each with its values that mean "off" (transformers'
# own default first); any other value is refused with the setting's name.
UNSUPPORTED_OFF: dict[str, tuple[Any, ...]] = {
    "guidance_scale": (None, 1.0),
    "encoder_repetition_penalty": (1.0, None),
    "remove_invalid_values": (False, None),
    "exponential_decay_length_penalty": (None,),
    "top_h": (None,),
    "min_p": (None,),
    "typical_p": (1.0, None),
    "epsilon_cutoff": (0.0, None),
    "eta_cutoff": (0.0, None),
    "watermarking_config": (None,),
    "assistant_model": (None,),
    "prompt_lookup_num_tokens": (None,),
    "num_beam_groups": (1, None),
    "diversity_penalty": (0.0, None),
    "penalty_alpha": (None,),
    "constraints": (None,),
    "force_words_ids": (None,),
    "dola_layers": (None,),
    "stop_strings": (None,),
    "max_time": (None,),
    "low_memory": (None, False),
    "token_healing": (None, False),
    "use_mtp": (None, False),
    "assistant_early_exit": (None,),
    "output_scores": (False, None),
    "output_logits": (False, None),
    "output_attentions": (False, None),
    "output_hidden_states": (False, None),
    "return_dict_in_generate": (False, None),
}


class UnsupportedSetting(ValueError):
    """A generation setting this module does not run (it names the setting)."""


def prepared_config(model_config: GenerationConfig, settings: dict[str, Any]) -> GenerationConfig:
    """The settings of one reply: ``settings`` over the model's generation config over
    transformers' global defaults (``GenerationMixin._prepare_generation_config``).

    ``UnsupportedSetting`` for a setting this module does not run (or does not know);
    ``ValueError`` for a value transformers rejects.
    """
    config = GenerationConfig()  # type: ignore[no-untyped-call]
    config.update(**model_config.to_dict(), defaults_only=True, allow_custom_entries=True)  # type: ignore[no-untyped-call]
    config.update(**model_config._get_default_generation_params(), defaults_only=True)  # type: ignore[no-untyped-call]
    unused: dict[str, Any] = config.update(**settings)  # type: ignore[no-untyped-call]
    if unused:
        raise UnsupportedSetting(f"unknown generation settings: {', '.join(sorted(unused))}")
    for name, off in UNSUPPORTED_OFF.items():
        if getattr(config, name, None) not in off:
            raise UnsupportedSetting(f"the fast engine does not support the setting {name}")
    if config.num_beams == 1 and config.num_return_sequences > 1:
        raise UnsupportedSetting("the fast engine returns several replies only from beam search")
    return config


def logits_processors(
    config: GenerationConfig, input_ids: torch.Tensor, prompt_length: int
) -> LogitsProcessorList:
    """``GenerationMixin._get_logits_processor``'s list for these settings, in its order
    (``input_ids``: the encoder's input; ``prompt_length``: the decoder's start and prefix)."""
    eos = config._eos_token_tensor
    processors = LogitsProcessorList()
    if config.sequence_bias is not None:
        processors.append(SequenceBiasLogitsProcessor(sequence_bias=config.sequence_bias))
    if config.repetition_penalty is not None and config.repetition_penalty != 1.0:
        processors.append(RepetitionPenaltyLogitsProcessor(config.repetition_penalty))
    if config.no_repeat_ngram_size is not None and config.no_repeat_ngram_size > 0:
        processors.append(NoRepeatNGramLogitsProcessor(config.no_repeat_ngram_size))
    encoder_ngrams = config.encoder_no_repeat_ngram_size
    if encoder_ngrams is not None and encoder_ngrams > 0:
        processors.append(EncoderNoRepeatNGramLogitsProcessor(encoder_ngrams, long(input_ids)))
    if config.bad_words_ids is not None:
        processors.append(NoBadWordsLogitsProcessor(config.bad_words_ids, eos))
    if config.min_length is not None and eos is not None and config.min_length > 0:
        processors.append(MinLengthLogitsProcessor(config.min_length, eos))
    if config.min_new_tokens is not None and eos is not None and config.min_new_tokens > 0:
        processors.append(
            MinNewTokensLengthLogitsProcessor(prompt_length, config.min_new_tokens, eos)
        )
    if config.forced_bos_token_id is not None:
        processors.append(ForcedBOSTokenLogitsProcessor(config.forced_bos_token_id))
    if config.forced_eos_token_id is not None:
        processors.append(
            ForcedEOSTokenLogitsProcessor(config.max_length, config.forced_eos_token_id)
        )
    if config.suppress_tokens is not None:
        processors.append(SuppressTokensLogitsProcessor(config.suppress_tokens))
    if config.begin_suppress_tokens is not None:
        begin = prompt_length
        if prompt_length == 1 and config.forced_bos_token_id is not None:
            begin += 1
        processors.append(SuppressTokensAtBeginLogitsProcessor(config.begin_suppress_tokens, begin))
    if config.do_sample:
        keep = (eos.shape[0] + 1 if eos is not None else 2) if config.num_beams > 1 else 1
        if config.temperature is not None and config.temperature != 1.0:
            processors.append(TemperatureLogitsWarper(config.temperature))
        if config.top_k is not None and config.top_k != 0:
            processors.append(TopKLogitsWarper(top_k=config.top_k, min_tokens_to_keep=keep))
        if config.top_p is not None and config.top_p < 1.0:
            processors.append(TopPLogitsWarper(top_p=config.top_p, min_tokens_to_keep=keep))
    if config.renormalize_logits is True:  # always the last one
        processors.append(LogitNormalization())
    return processors


def special_tokens(config: GenerationConfig) -> None:
    """``GenerationMixin._prepare_special_tokens``: eos as a list tensor, the decoder's
    start from bos where the model names none."""

    def tensor(value: Any) -> torch.Tensor | None:
        return None if value is None else torch.tensor(value, dtype=torch.long)

    eos = tensor(config.eos_token_id)
    if eos is not None and eos.ndim == 0:
        eos = eos.unsqueeze(0)
    pad = tensor(config.pad_token_id)  # None: beam search fills with eos (``fill``)
    start = tensor(config.decoder_start_token_id)
    if start is None:
        start = tensor(config.bos_token_id)
    config._eos_token_tensor = eos
    config._pad_token_tensor = pad
    config._decoder_start_token_tensor = start


def generate(
    net: BlenderbotNet,
    model_config: GenerationConfig,
    input_ids: torch.Tensor,
    settings: dict[str, Any],
    decoder_input_ids: torch.Tensor | None = None,
    stopping_criteria: StoppingCriteriaList | None = None,
    streamer: Any = None,
    cache_dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """The reply's ids, decoder start (and prefix) first, one row per returned sequence."""
    has_default_max_length = settings.get("max_length") is None and model_config.max_length is None
    config = prepared_config(model_config, settings)
    special_tokens(config)
    start = config._decoder_start_token_tensor
    if start is None:
        raise ValueError("the model has no decoder start token")
    if decoder_input_ids is None:
        decoder_input_ids = start.view(1, 1)
    elif int(decoder_input_ids[0, 0]) != int(start):  # as transformers: the start goes first
        decoder_input_ids = torch.cat([start.view(1, 1), decoder_input_ids], dim=-1)
    if config.num_beams > 1 and streamer is not None:
        raise ValueError("`streamer` cannot be used with beam search")
    rows = max(config.num_beams, config.num_return_sequences)
    if streamer is not None:
        streamer.put(decoder_input_ids.expand(rows, -1).cpu())
    prompt_length = decoder_input_ids.shape[1]
    generated_length(config, has_default_max_length, prompt_length, net.shape.positions)
    if prompt_length >= config.max_length:  # transformers' words
        raise ValueError(
            f"Input length of decoder_input_ids is {prompt_length}, but `max_length` is set to"
            f" {config.max_length}. This can lead to unexpected behavior. You should consider"
            " increasing `max_length` or, better yet, setting `max_new_tokens`."
        )
    processors = logits_processors(config, input_ids, prompt_length)
    stops = StoppingCriteriaList([MaxLengthCriteria(max_length=config.max_length)])
    if config._eos_token_tensor is not None:
        stops.append(EosTokenCriteria(eos_token_id=config._eos_token_tensor))
    stops.extend(stopping_criteria or [])
    encoder = net.encode(input_ids)
    cache = net.new_cache(rows, config.max_length, cache_dtype)
    if config.num_beams > 1:
        output = beam_search(net, encoder, decoder_input_ids, config, processors, stops, cache)
    else:
        output = sample(net, encoder, decoder_input_ids, config, processors, stops, streamer, cache)
    if streamer is not None:
        streamer.end()
    return output


def generated_length(
    config: GenerationConfig, has_default_max_length: bool, prompt_length: int, positions: int
) -> None:
    """``GenerationMixin._prepare_generated_length`` for an encoder-decoder model."""
    if config.max_new_tokens is not None:
        config.max_length = config.max_new_tokens + prompt_length
    elif has_default_max_length:  # by default 20 new tokens, within the positions
        config.max_length = min(config.max_length + prompt_length, positions)
    if config.min_new_tokens is not None:
        config.min_length = config.min_new_tokens + prompt_length


def sample(
    net: BlenderbotNet,
    encoder: torch.Tensor,
    input_ids: torch.Tensor,
    config: GenerationConfig,
    processors: LogitsProcessorList,
    stops: StoppingCriteriaList,
    streamer: Any,
    cache: StepCache,
) -> torch.Tensor:
    """Greedy or sampled decoding of one row (``GenerationMixin._sample``)."""
    logits = net.decode(input_ids, encoder, cache)
    while True:
        scores = processors(long(input_ids), logits)
        if config.do_sample:
            next_tokens = torch.multinomial(functional.softmax(scores, dim=-1), 1).squeeze(1)
        else:
            next_tokens = torch.argmax(scores, dim=-1)
        input_ids = torch.cat([input_ids, next_tokens[:, None]], dim=-1)
        if streamer is not None:
            streamer.put(next_tokens.cpu())
        if bool(stops(input_ids, None).all()):
            return input_ids
        logits = net.decode(next_tokens[:, None], encoder, cache)


def beam_search(
    net: BlenderbotNet,
    encoder: torch.Tensor,
    input_ids: torch.Tensor,
    config: GenerationConfig,
    processors: LogitsProcessorList,
    stops: StoppingCriteriaList,
    cache: StepCache,
) -> torch.Tensor:
    """Beam search of one input (``GenerationMixin._beam_search``, batch size 1)."""
    pad, eos = config._pad_token_tensor, config._eos_token_tensor
    early_stopping, length_penalty = config.early_stopping, config.length_penalty
    max_length, beams = config.max_length, config.num_beams
    prompt_length = cur_len = input_ids.shape[1]
    beams_to_keep = max(2, 1 + (eos.shape[0] if eos is not None else 0)) * beams
    top_beams_mask = torch.zeros(beams_to_keep, dtype=torch.bool)
    top_beams_mask[:beams] = True

    fill = (pad if pad else eos[0]) if eos is not None else -1  # transformers' precedence
    running = torch.full((1, beams, max_length), fill_value=int(fill), dtype=torch.int64)
    running[:, :, :cur_len] = input_ids
    sequences = running.clone()
    running_scores = torch.zeros((1, beams))
    running_scores[:, 1:] = -1e9
    scores = torch.full((1, beams), fill_value=-1e9)
    finished = torch.zeros((1, beams), dtype=torch.bool)
    improvable = torch.ones((1, 1), dtype=torch.bool)
    hits_stop = torch.zeros((1, beams), dtype=torch.bool)
    running_indices = torch.full((1, beams, max_length - cur_len), fill_value=-1, dtype=torch.int32)
    indices = running_indices.clone()

    flat_running = running[0, :, :cur_len]
    logits = net.decode(input_ids, encoder, cache).expand(beams, -1)  # every beam is alike
    while True:
        log_probs = processors(long(flat_running), functional.log_softmax(logits, dim=-1))
        log_probs = (log_probs.view(1, beams, -1) + running_scores[:, :, None]).view(1, -1)

        # c. the best continuations of all beams (or a sample of them)
        if config.do_sample:
            top_indices = torch.multinomial(functional.softmax(log_probs, dim=-1), beams_to_keep)
            top_log_probs = torch.gather(log_probs, 1, top_indices)
        else:
            top_log_probs, top_indices = torch.topk(log_probs, k=beams_to_keep)
        vocab = log_probs.shape[-1] // beams
        top_beams = top_indices // vocab
        top_running_indices = gather_beams(running_indices, top_beams)
        top_running = gather_beams(running, top_beams)
        top_running[:, :, cur_len] = top_indices % vocab
        top_running_indices[:, :, cur_len - prompt_length] = top_beams

        # d. which of them are finished
        hits_stop = stops(top_running[0, :, : cur_len + 1], None).view(1, beams_to_keep)

        # e. the best unfinished ones go on
        open_log_probs = top_log_probs + hits_stop.to(torch.float32) * -1.0e9
        next_indices = torch.topk(open_log_probs, k=beams)[1]
        running = gather_beams(top_running, next_indices)
        running_scores = gather_beams(open_log_probs, next_indices)
        running_indices = gather_beams(top_running_indices, next_indices)

        # f. finished ones better than those kept so far replace them
        just_finished = hits_stop & top_beams_mask[None, :]
        final = top_log_probs / ((cur_len + 1 - prompt_length) ** length_penalty)
        full = torch.all(finished, dim=-1, keepdim=True) & (early_stopping is True)
        final += full.to(torch.float32) * -1.0e9
        final += (~improvable).to(torch.float32) * -1.0e9
        final += (~just_finished) * -1.0e9
        merged_scores = torch.cat((scores, final), dim=1)
        best = torch.topk(merged_scores, k=beams)[1]
        sequences = gather_beams(torch.cat((sequences, top_running), dim=1), best)
        scores = gather_beams(merged_scores, best)
        indices = gather_beams(torch.cat((indices, top_running_indices), dim=1), best)
        finished = gather_beams(torch.cat((finished, just_finished), dim=1), best)

        # g. the next step
        parents = running_indices[0, :, cur_len - prompt_length].tolist()
        cur_len += 1
        improvable = early_stop_unsatisfied(
            improvable, running_scores, scores, finished, cur_len, max_length,
            prompt_length, early_stopping, length_penalty,
        )  # fmt: skip
        still_open = ~(torch.all(finished) & (early_stopping is True))
        if not bool(torch.any(improvable) & still_open & ~torch.all(hits_stop)):
            break
        cache.reorder(parents)
        flat_running = running[0, :, :cur_len]
        logits = net.decode(flat_running[:, -1:], encoder, cache)

    returned = config.num_return_sequences
    sequences, indices = sequences[0, :returned], indices[0, :returned]
    generated = int(((indices + 1).bool()).sum(dim=1).max())
    return sequences[:, : prompt_length + generated]


def long(ids: torch.Tensor) -> torch.LongTensor:
    """Token ids as the type transformers' processors are annotated with (they are int64)."""
    return cast(torch.LongTensor, ids)


def gather_beams(tensor: torch.Tensor, beam_indices: torch.Tensor) -> torch.Tensor:
    """The beams ``beam_indices`` of ``tensor`` (``[1, beams, ...]``)."""
    while beam_indices.dim() < tensor.dim():
        beam_indices = beam_indices.unsqueeze(-1)
    return torch.take_along_dim(tensor, beam_indices, dim=1)


def early_stop_unsatisfied(
    improvable: torch.Tensor,
    running_scores: torch.Tensor,
    scores: torch.Tensor,
    finished: torch.Tensor,
    cur_len: int,
    max_length: int,
    prompt_length: int,
    early_stopping: bool | str,
    length_penalty: float,
) -> torch.Tensor:
    """Whether an open beam may still beat the worst finished one
    (``GenerationMixin._check_early_stop_heuristic``)."""
    if early_stopping == "never" and length_penalty > 0.0:
        best_length = max_length - prompt_length
    else:
        best_length = cur_len - prompt_length
    best_open = running_scores[:, :1] / (best_length**length_penalty)
    worst_finished = torch.where(finished, torch.min(scores, dim=1, keepdim=True)[0], -1.0e9)
    return improvable & torch.any(best_open > worst_finished, dim=-1, keepdim=True)
