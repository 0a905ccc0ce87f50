"""Continue, the new decoding settings and the causal defaults, on tiny real models.

Continue (``generate(..., prefix=...)``) carries on a reply: BlenderBot's decoder starts from
its start token and the prefix's tokens, a causal model's prompt ends with them. The models
here are random, so their replies are gibberish; their generation configs suppress every
token but whole ASCII words (``Ġword``) and ``</s>``, so that a reply's text encodes back to
the same tokens and a reply's head can be given back as a prefix.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from core.context import Turn
from core.engines.int8_engine import Int8Engine
from core.engines.transformers_engine import TransformersEngine
from core.models import resolve
from core.requests import GenerateRequest
from core.settings import CAUSAL_REPETITION_PENALTY, GenerationSettings
from random_models import build_blenderbot
from random_models.factory import write_tokenizer

TURNS = [Turn("user", "Hello there, how are you?")]
VOCAB = 512
EOS = 2
CHAT_TEMPLATE = (
    "{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<s>assistant:{% endif %}"
)


def word_tokens(folder: Path) -> set[int]:
    """The ids of whole-word tokens (``Ġ`` + ASCII letters) in the folder's vocabulary."""
    vocab: dict[str, int] = json.loads((folder / "vocab.json").read_text("utf-8"))
    return {i for t, i in vocab.items() if t[:1] == "Ġ" and t[1:].isalpha() and t[1:].isascii()}


def suppressed(folder: Path) -> list[int]:
    """Every id but whole words and ``</s>``: the generation config's ``suppress_tokens``."""
    return sorted(set(range(VOCAB)) - word_tokens(folder) - {EOS})


def edit_generation_config(folder: Path, **changes: Any) -> None:
    path = folder / "generation_config.json"
    config = json.loads(path.read_text("utf-8"))
    config.update(changes)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")


def build_words_blenderbot(folder: Path) -> Path:
    build_blenderbot(folder)
    edit_generation_config(folder, suppress_tokens=suppressed(folder))
    return folder


def build_causal(folder: Path, seed: int = 0) -> Path:
    """A tiny random Llama chat model (chat template, no repetition penalty in its generation
    config) that writes whole words; greedy, it falls into a loop of a few words."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder.mkdir(parents=True)
    write_tokenizer(folder, VOCAB)
    tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text("utf-8"))
    tokenizer_config.update(
        tokenizer_class="GPT2Tokenizer", model_max_length=512, chat_template=CHAT_TEMPLATE
    )
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config), "utf-8")
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=1,
        eos_token_id=EOS,
        pad_token_id=0,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        model.model.embed_tokens.weight.normal_(0.0, 0.3)
        model.lm_head.weight.normal_(0.0, 0.3)
    model.generation_config.suppress_tokens = suppressed(folder)
    model.save_pretrained(folder)
    return folder


def loaded(folder: Path) -> TransformersEngine:
    engine = TransformersEngine(resolve(str(folder)), threads=1)
    engine.load(lambda percent, text: None)
    return engine


@pytest.fixture(scope="module")
def blender_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_words_blenderbot(tmp_path_factory.mktemp("models") / "words-blenderbot")


@pytest.fixture(scope="module")
def blender(blender_folder: Path) -> TransformersEngine:
    return loaded(blender_folder)


@pytest.fixture(scope="module")
def causal_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_causal(tmp_path_factory.mktemp("models") / "words-llama")


@pytest.fixture(scope="module")
def causal(causal_folder: Path) -> TransformersEngine:
    return loaded(causal_folder)


def reply(
    engine: TransformersEngine, settings: GenerationSettings, prefix: str = ""
) -> tuple[str, list[str], int]:
    """The reply's text, the streamed pieces, and its token count."""
    pieces: list[str] = []
    result = engine.generate(TURNS, settings, pieces.append, threading.Event(), prefix=prefix)
    return result.text, pieces, result.tokens


def new_ids(engine: TransformersEngine, settings: GenerationSettings) -> list[int]:
    """The ids of a reply (no start token, no prompt), as generate makes them."""
    window = engine.fit(TURNS)
    output = engine._generate_ids(window.input_ids, settings)[0].tolist()
    start = 1 if engine.folder.is_seq2seq else len(window.input_ids)
    return [int(t) for t in output[start:]]


def argmax_continues(
    engine: TransformersEngine, prefix_ids: list[int], continuation: list[int]
) -> list[bool]:
    """Teacher-forced: is each continuation token the model's likeliest (allowed) next token
    after the prompt, the prefix and the continuation tokens before it?"""
    import torch

    model = engine._model
    window = engine.fit(TURNS)
    banned = torch.tensor(model.generation_config.suppress_tokens)
    with torch.inference_mode():
        if engine.folder.is_seq2seq:
            start = int(model.generation_config.decoder_start_token_id)
            decoder = [start, *prefix_ids, *continuation]
            logits = model(
                input_ids=torch.tensor([window.input_ids]),
                decoder_input_ids=torch.tensor([decoder]),
            ).logits[0]
            first = len(prefix_ids)  # the position whose logits predict continuation[0]
        else:
            ids = [*window.input_ids, *prefix_ids, *continuation]
            logits = model(input_ids=torch.tensor([ids])).logits[0]
            first = len(window.input_ids) + len(prefix_ids) - 1
    logits = logits.clone()
    logits[:, banned] = float("-inf")
    predicted = logits[first : first + len(continuation)].argmax(-1).tolist()
    return [int(p) == t for p, t in zip(predicted, continuation, strict=True)]


# -- Continue on BlenderBot ----------------------------------------------------------------------
FULL = GenerationSettings(num_beams=1, do_sample=False, min_length=10, max_length=30)


@pytest.mark.parametrize("head", [1, 4, 12])
def test_greedy_continue_of_a_replys_head_is_the_rest_of_that_reply(
    blender: TransformersEngine, head: int
) -> None:
    full_text, _, _ = reply(blender, FULL)
    ids = new_ids(blender, FULL)
    assert len(ids) > head + 5 and ids[-1] == EOS
    prefix = blender._tokenizer.decode(ids[:head], skip_special_tokens=True).strip()
    assert blender.encode(prefix) == ids[:head]  # BlenderBot's tokenizer adds the space back
    # Length settings count new tokens in a continuation: these make the same total limits.
    shorter = FULL.with_changes(max_length=30 - head, min_length=max(0, 10 - head))
    text, pieces, tokens = reply(blender, shorter, prefix)
    assert text.startswith(" ")  # the caller joins it to the prefix as it is
    assert prefix + text == full_text
    assert "".join(pieces) == text  # streaming sends only the new text
    assert tokens == len(ids) - 1 - head  # new tokens only, without </s>


def test_a_continuation_follows_its_prefix(blender: TransformersEngine) -> None:
    plain = FULL.with_changes(min_length=0, no_repeat_ngram_size=0, encoder_no_repeat_ngram_size=0)
    prefix = "I like dogs and you"
    prefix_ids = blender.encode(prefix)
    text, _, _ = reply(blender, plain, prefix)
    fresh, _, _ = reply(blender, plain)
    whole = blender.encode(prefix + text)
    assert whole[: len(prefix_ids)] == prefix_ids
    continuation = whole[len(prefix_ids) :]
    assert continuation and text != fresh[: len(text)]
    assert all(argmax_continues(blender, prefix_ids, continuation))


def test_a_reply_cut_at_its_length_limit_can_be_continued(blender: TransformersEngine) -> None:
    short = FULL.with_changes(min_length=12, max_length=12)
    cut, _, tokens = reply(blender, short)
    assert tokens == 10  # the start token and </s> take two of the 12 positions
    more, _, added = reply(blender, short, cut)
    assert added == 10  # as long again: the limits count new tokens
    longer, _, _ = reply(blender, FULL.with_changes(min_length=22, max_length=22))
    assert cut + more == longer


def test_a_long_prefix_keeps_within_the_decoders_positions(blender: TransformersEngine) -> None:
    prefix = " ".join(["dogs like you"] * 60)  # 180 tokens; BlenderBot has 128 positions
    text, _, tokens = reply(blender, GenerationSettings(num_beams=1, max_length=128), prefix)
    assert 0 < tokens <= 16 and text.strip()


def test_beam_search_continues_too(blender: TransformersEngine) -> None:
    text, pieces, tokens = reply(blender, GenerationSettings(), "I like dogs")
    assert text.strip() and tokens and pieces == []  # beam search does not stream


def test_the_worker_passes_the_prefix_on(blender: TransformersEngine, tmp_path: Path) -> None:
    from gui.worker import ChatWorker

    worker = ChatWorker(tmp_path)
    worker.engine = blender
    replies: list[Any] = []
    worker.reply_finished.connect(lambda request_id, result: replies.append(result))
    worker.generate(GenerateRequest(1, tuple(TURNS), FULL, prefix="I like dogs"))
    assert [r.text for r in replies] == [reply(blender, FULL, "I like dogs")[0]]
    assert replies[0].text != reply(blender, FULL)[0]


# -- Continue on the fast engine ----------------------------------------------------------------
@pytest.mark.parametrize("quantization", ["float32", "int8"])
def test_the_fast_engine_continues_as_it_replies(
    blender_folder: Path, blender: TransformersEngine, tmp_path: Path, quantization: Any
) -> None:
    engine = Int8Engine(resolve(str(blender_folder)), tmp_path, 1, quantization)
    engine.load(lambda percent, text: None)
    full_text, _, _ = reply(engine, FULL)
    ids = new_ids(engine, FULL)
    prefix = engine._tokenizer.decode(ids[:6], skip_special_tokens=True).strip()
    text, pieces, _ = reply(engine, FULL.with_changes(max_length=24, min_length=4), prefix)
    assert prefix + text == full_text and "".join(pieces) == text
    if quantization == "float32":  # the same weights and code as the reference
        assert text == reply(blender, FULL.with_changes(max_length=24, min_length=4), prefix)[0]
        beam = GenerationSettings(num_beams=4, min_length=4, max_length=24)
        assert reply(engine, beam, prefix)[0] == reply(blender, beam, prefix)[0]


# -- Continue on a causal model -----------------------------------------------------------------
CAUSAL_FULL = GenerationSettings(max_new_tokens=30)


@pytest.mark.parametrize("head", [3, 10])
def test_greedy_continue_on_a_causal_model_is_the_rest_of_the_reply(
    causal: TransformersEngine, head: int
) -> None:
    full_text, _, _ = reply(causal, CAUSAL_FULL)
    ids = new_ids(causal, CAUSAL_FULL)
    assert len(ids) == 30
    prefix = causal._tokenizer.decode(ids[:head], skip_special_tokens=True)
    assert causal.encode(prefix) == ids[:head]
    text, pieces, tokens = reply(causal, CAUSAL_FULL.with_changes(max_new_tokens=30 - head), prefix)
    assert prefix.strip() + text == full_text
    assert "".join(pieces) == text and tokens == 30 - head


def test_a_causal_continuation_follows_its_prefix(causal: TransformersEngine) -> None:
    settings = GenerationSettings(max_new_tokens=12, repetition_penalty=1.0)
    prefix = "I like dogs and you"
    prefix_ids = causal.encode(prefix)
    text, _, tokens = reply(causal, settings, prefix)
    whole = causal.encode(prefix + text)
    assert whole[: len(prefix_ids)] == prefix_ids and tokens == 12
    continuation = whole[len(prefix_ids) :]
    assert len(continuation) == 12
    assert all(argmax_continues(causal, prefix_ids, continuation))


# -- causal defaults -----------------------------------------------------------------------------
def loops(text: str) -> bool:
    """Whether the text ends in three copies of the same run of words."""
    words = text.split()
    return any(
        len(words) >= 3 * n and words[-n:] == words[-2 * n : -n] == words[-3 * n : -2 * n]
        for n in range(1, 11)
    )


def direct_reply(engine: TransformersEngine, **kwargs: Any) -> str:
    """transformers' own greedy reply with these arguments, for comparison."""
    import torch

    window = engine.fit(TURNS)
    with torch.inference_mode():
        output = engine._model.generate(
            torch.tensor([window.input_ids]), do_sample=False, num_beams=1, **kwargs
        )
    return str(
        engine._tokenizer.decode(output[0, len(window.input_ids) :], skip_special_tokens=True)
    ).strip()


def test_a_causal_model_without_a_repetition_penalty_gets_one(causal: TransformersEngine) -> None:
    assert "repetition_penalty" not in causal._defaults
    assert causal.decoding_defaults()["repetition_penalty"] == CAUSAL_REPETITION_PENALTY
    default, _, _ = reply(causal, CAUSAL_FULL)
    unpenalized, _, _ = reply(causal, CAUSAL_FULL.with_changes(repetition_penalty=1.0))
    assert loops(unpenalized) and not loops(default)
    assert default == direct_reply(causal, max_new_tokens=30, repetition_penalty=1.15)
    assert unpenalized == direct_reply(causal, max_new_tokens=30, repetition_penalty=1.0)


def test_a_models_own_repetition_penalty_is_kept(causal_folder: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(causal_folder, tmp_path / "penalized")
    edit_generation_config(folder, repetition_penalty=1.4)
    engine = loaded(folder)
    assert engine.decoding_defaults()["repetition_penalty"] == 1.4
    assert reply(engine, CAUSAL_FULL)[0] == direct_reply(
        engine, max_new_tokens=30, repetition_penalty=1.4
    )


def test_blenderbot_gets_no_causal_defaults(blender: TransformersEngine) -> None:
    assert blender.decoding_defaults() == blender._defaults
    assert "repetition_penalty" not in blender.decoding_defaults()
    for settings in (FULL, GenerationSettings()):
        ids = new_ids(blender, settings)
        window = blender.fit(TURNS)
        import torch

        with torch.inference_mode():
            direct = blender._model.generate(
                torch.tensor([window.input_ids]), **settings.overrides()
            )[0, 1:].tolist()
        assert ids == direct


def decoding_steps(engine: TransformersEngine, settings: GenerationSettings) -> int:
    steps: list[int] = []
    handle = engine._model.register_forward_hook(lambda *_: steps.append(1))
    try:
        reply(engine, settings)
    finally:
        handle.remove()
    return len(steps)


def test_a_causal_reply_is_256_tokens_at_most_by_default(causal: TransformersEngine) -> None:
    assert decoding_steps(causal, GenerationSettings()) == 256  # this model never ends itself
    assert decoding_steps(causal, GenerationSettings(max_new_tokens=7)) == 7
    assert decoding_steps(causal, GenerationSettings(max_length=5)) == 5  # its older name
    assert decoding_steps(causal, GenerationSettings(max_length=5, max_new_tokens=9)) == 9


def test_min_length_counts_a_causal_replys_own_tokens(
    causal: TransformersEngine, causal_folder: Path, tmp_path: Path
) -> None:
    ids = new_ids(causal, CAUSAL_FULL)
    folder = shutil.copytree(causal_folder, tmp_path / "ends-early")
    edit_generation_config(folder, eos_token_id=ids[3])  # its 4th token now ends a reply
    engine = loaded(folder)
    assert decoding_steps(engine, CAUSAL_FULL) == 4
    # The prompt alone is longer than 10 tokens: counted from the prompt's start, as
    # transformers counts min_length, it would change nothing.
    assert len(engine.fit(TURNS).input_ids) > 10
    assert decoding_steps(engine, CAUSAL_FULL.with_changes(min_length=10)) >= 10


# -- the new settings reach transformers --------------------------------------------------------
SAMPLING = GenerationSettings(num_beams=1, do_sample=True, max_length=30)


def test_a_seed_makes_sampling_repeatable(blender: TransformersEngine) -> None:
    import torch

    seeded = SAMPLING.with_changes(seed=7)
    first = reply(blender, seeded)[0]
    torch.manual_seed(12345)  # whatever the generator's state, the seed decides
    assert reply(blender, seeded)[0] == first
    others = {reply(blender, SAMPLING.with_changes(seed=s))[0] for s in range(8, 12)}
    assert others - {first}


def test_top_k_1_samples_the_likeliest_token(blender: TransformersEngine) -> None:
    greedy = reply(blender, FULL)[0]
    assert reply(blender, SAMPLING.with_changes(top_k=1, min_length=10, seed=1))[0] == greedy
    wide = {reply(blender, SAMPLING.with_changes(min_length=10, seed=s))[0] for s in range(3)}
    assert wide - {greedy}  # without top_k, sampling strays from the greedy reply


def test_max_new_tokens_is_for_causal_models_only(blender: TransformersEngine) -> None:
    assert reply(blender, FULL.with_changes(max_new_tokens=3)) == reply(blender, FULL)
