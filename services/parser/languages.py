"""The article's language: declared by the page, checked against the text with py3langid.

The declaration (``<html lang>``, Content-Language, og:locale, JSON-LD inLanguage) is trusted unless
the text is long enough to judge and the detector is confident it is another language — templates
often keep a default ``lang="en"`` on pages in other languages.
"""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

MIN_DETECT_CHARS = 200
CONFIDENT = 0.95
_SAMPLE = 1200


def choose_language(declared: list[str | None], text: str) -> str | None:
    """An ISO 639-1 code (``"en"``), or ``None`` when neither the page nor the text says."""
    stated = next((code for code in map(normalise_language, declared) if code), None)
    if len(text) < MIN_DETECT_CHARS:
        return stated
    detected, confidence = _identifier().classify(text[:_SAMPLE])
    if detected == "und":
        return stated
    if stated is None or (detected != stated and confidence >= CONFIDENT):
        return str(detected)
    return stated


def normalise_language(value: str | None) -> str | None:
    """``"en-US"``, ``"en_GB"``, ``"EN"`` → ``"en"``; ``None`` for anything not a language tag."""
    if not value:
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
