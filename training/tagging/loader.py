"""Loading a span tagger version's model, for whoever serves or evaluates it: the CRF (python-crfsuite) or an
encoder token classifier (the training stack), imported on the first load only."""

from . import tagger_file


def load_tagger(folder):
    """The version's tagger: `.predict(text)` and `.predict_many(texts)` → [(start, end, label, score)] per note."""
    settings = tagger_file.read_settings(folder)
    if settings["kind"] == "crf":
        from .crf import Tagger

        return Tagger(folder, settings["labels"])
    if settings["kind"] == "encoder":
        from .encoder_tagger import EncoderTagger

        return EncoderTagger(folder, settings["labels"])
    raise tagger_file.TaggerLoadError(f"A span tagger of kind {settings['kind']!r} cannot be loaded here.")
