"""A snapshot with spans, also as spaCy's training files: one `DocBin` a split (train.spacy, dev.spacy for the
validation split, test.spacy — the names `spacy train` expects) in one zip beside the Parquet file. Each note is a
Doc of spaCy's blank English tokenizer with every span in `doc.spans["sc"]` (what a span categorizer learns; they
may overlap) and in `doc.ents` where the note's spans keep apart (what an entity recognizer learns; a note whose
spans overlap keeps the longest of each overlapping run there); a span that does not fall on token boundaries is
widened to the tokens it touches. Document labels are `doc.cats`; the note's id is `doc.user_data["document_id"]`.

Written by the snapshot job in the worker: spaCy (which loads the training stack) never enters the web process.
"""

import io
import zipfile

SPLIT_FILES = {"train": "train.spacy", "validation": "dev.spacy", "test": "test.spacy"}


def write(snapshot_path, labels, path):
    """The zip of a split's DocBin each, written to `path` from the snapshot's Parquet file read a batch at a time; a
    split without notes has no file."""
    import pyarrow.parquet as pq
    import spacy
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    nlp = spacy.blank("en")
    bins = {split: DocBin(store_user_data=True) for split in SPLIT_FILES}
    columns = ["document_id", "text", "labels", "spans", "split"]
    for batch in pq.ParquetFile(snapshot_path).iter_batches(batch_size=1000, columns=columns):
        for row in batch.to_pylist():
            doc = nlp.make_doc(row["text"])
            spans = [doc.char_span(span["start"], span["end"], label=span["label"], alignment_mode="expand")
                     for span in row["spans"] or ()]
            spans = [span for span in spans if span is not None]  # only blank space: nothing to mark
            doc.spans["sc"] = spans
            doc.ents = filter_spans(spans)
            doc.cats = {label: float(label in (row["labels"] or ())) for label in labels}
            doc.user_data["document_id"] = row["document_id"]
            bins[row["split"]].add(doc)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for split, name in SPLIT_FILES.items():
            if len(bins[split]):
                archive.writestr(name, bins[split].to_bytes())
    path.write_bytes(buffer.getvalue())
