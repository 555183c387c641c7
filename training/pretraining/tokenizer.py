"""Tokenizers: a WordPiece vocabulary trained on the corpus, or a base model's tokenizer extended
with the domain words it splits worst."""

from collections import Counter

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece(texts, vocab_size, lowercase=True):
    """A BERT-style fast tokenizer with a WordPiece vocabulary learned from `texts`: a list, or an
    iterator that may be read from another thread (the trainer reads from its own threads; an
    iterator that queries the database should be written to files first, see `train_from_files`)."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL, min_frequency=2)
    if isinstance(texts, tuple):  # file names
        tokenizer.train(list(texts), trainer=trainer)
    else:
        tokenizer.train_from_iterator(texts, trainer=trainer)
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=512)


def train_from_files(texts, vocab_size, folder):
    """`train_wordpiece` on texts written to a file in `folder` first: the trainer then never runs
    the caller's iterator (and its database queries) on threads of its own."""
    path = folder / "tokenizer-text.txt"
    with open(path, "w", encoding="utf-8") as out:
        for text in texts:
            out.write(text.replace("\n", " ") + "\n")
    try:
        return train_wordpiece((str(path),), vocab_size)
    finally:
        path.unlink(missing_ok=True)


def badly_split_words(tokenizer, texts, count, min_frequency=5, min_pieces=3):
    """The `count` most frequent words the tokenizer cuts into `min_pieces` or more pieces."""
    pre = pre_tokenizers.BertPreTokenizer()
    frequency = Counter()
    for text in texts:
        frequency.update(word.lower() if getattr(tokenizer, "do_lower_case", True) else word
                         for word, _span in pre.pre_tokenize_str(text) if len(word) > 3 and word.isalpha())
    found = []
    for word, seen in frequency.most_common():
        if seen < min_frequency or len(found) >= count:
            break
        if len(tokenizer.tokenize(word)) >= min_pieces:
            found.append(word)
    return found
