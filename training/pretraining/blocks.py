"""Documents tokenized and packed into fixed-length blocks (no padding, no wasted positions):
each document ends with [SEP], and the stream is cut every `length` tokens, each block opened
with [CLS]. Written to a Parquet file in the job's folder a few thousand blocks at a time, so
memory holds one batch of text, never the corpus."""

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Dataset

SCHEMA = pa.schema([pa.field("input_ids", pa.list_(pa.int32()))])


def write_blocks(tokenizer, texts, length, path, batch=500):
    """Pack the texts (an iterator) into blocks of `length` token ids at `path`; returns how
    many blocks it wrote."""
    body = length - 1  # room for [CLS]
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    carry, pending, rows, written = [], [], [], 0
    with pq.ParquetWriter(path, SCHEMA) as writer:
        def flush():
            nonlocal rows, written
            if rows:
                writer.write_table(pa.table({"input_ids": rows}, schema=SCHEMA))
                written += len(rows)
                rows = []

        for text in texts:
            pending.append(text)
            if len(pending) == batch:
                rows += _cut(tokenizer, pending, carry, body, cls, sep)
                pending = []
                if len(rows) >= 5000:
                    flush()
        if pending:
            rows += _cut(tokenizer, pending, carry, body, cls, sep)
        if len(carry) >= body // 4:  # a short tail is kept when it holds a quarter block at least
            rows.append([cls, *carry])
        flush()
    return written


def load_blocks(path, cache_dir):
    return Dataset.from_parquet(str(path), cache_dir=str(cache_dir))


def _cut(tokenizer, texts, carry, body, cls, sep):
    blocks = []
    for ids in tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]:
        carry.extend(ids)
        carry.append(sep)
        while len(carry) >= body:
            blocks.append([cls, *carry[:body]])
            del carry[:body]
    return blocks
