"""Generation settings as data: what the user may change, and the presets they pick from.

``None`` in a field means "the model's own default" (its ``generation_config.json``), so the
default preset reproduces exactly what the model was tuned with (beam 10 for BlenderBot).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings; ``None`` leaves a value to the model's generation config."""

    num_beams: int | None = None
    do_sample: bool | None = None
    temperature: float | None = None
    top_p: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = None
    encoder_no_repeat_ngram_size: int | None = None

    def overrides(self) -> dict[str, Any]:
        """The fields that are set: generate()'s keyword arguments, and what a transcript keeps."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationSettings:
        """Build from a dict, ignoring unknown keys and values of the wrong type."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            if value is None:
                continue
            if f.name == "do_sample":
                if isinstance(value, bool):
                    kwargs[f.name] = value
            elif f.name in ("temperature", "top_p", "length_penalty"):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    kwargs[f.name] = float(value)
            elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                kwargs[f.name] = value
        return cls(**kwargs)

    def merged_over(self, defaults: dict[str, Any]) -> dict[str, Any]:
        """The effective settings: model defaults with these overrides applied."""
        merged = {f.name: defaults.get(f.name) for f in fields(self)}
        merged.update(self.overrides())
        return merged

    def with_changes(self, **changes: Any) -> GenerationSettings:
        """A copy with some fields changed."""
        return replace(self, **changes)


PRESETS: dict[str, GenerationSettings] = {
    "Best (model default)": GenerationSettings(),
    "Fast (greedy, streams)": GenerationSettings(num_beams=1, do_sample=False),
    "Creative (sampling, streams)": GenerationSettings(
        num_beams=1, do_sample=True, temperature=0.8, top_p=0.9
    ),
}
DEFAULT_PRESET = "Best (model default)"


def streams(effective: dict[str, Any]) -> bool:
    """Whether a reply with these effective settings can be streamed token by token."""
    return (effective.get("num_beams") or 1) == 1
