"""Domain-adaptive pretraining: a domain tokenizer and a masked-language-model encoder."""
