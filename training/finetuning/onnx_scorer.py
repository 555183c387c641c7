"""An exported classifier's probabilities with ONNX Runtime on the CPU: `model.onnx` (fp32 or int8) and the fast
tokenizer's `tokenizer.json`, read with `tokenizers` — neither torch nor transformers is loaded, so a serving
process stays small."""

import json

import numpy as np

from .classifier_file import ClassifierLoadError

MODEL_FILE = "model.onnx"


def _pad_token(folder):
    """(pad id, pad token) as the tokenizer saved them."""
    config = json.loads((folder / "tokenizer_config.json").read_text()) \
        if (folder / "tokenizer_config.json").is_file() else {}
    token = config.get("pad_token") or "[PAD]"
    token = token.get("content", "[PAD]") if isinstance(token, dict) else token
    return token


def probabilities(logits, multi):
    logits = logits.astype(np.float64)
    if multi:
        return 1 / (1 + np.exp(-logits))
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class OnnxScorer:
    def __init__(self, folder, settings, threads=0):
        import onnxruntime
        from tokenizers import Tokenizer

        if not (folder / "tokenizer.json").is_file():
            raise ClassifierLoadError(f"{folder.name} has an ONNX model but no tokenizer.json.")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(folder / MODEL_FILE), options,
                                                    providers=["CPUExecutionProvider"])
        self.inputs = {found.name for found in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(settings["max_length"])
        token = _pad_token(folder)
        pad_id = self.tokenizer.token_to_id(token)
        self.tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token=token)
        self.multi, self.count = settings["multi"], len(settings["labels"])

    def scores(self, texts, batch_size=64):
        out = []
        for start in range(0, len(texts), batch_size):
            encoded = self.tokenizer.encode_batch(texts[start:start + batch_size])
            feed = {"input_ids": np.array([item.ids for item in encoded], dtype=np.int64),
                    "attention_mask": np.array([item.attention_mask for item in encoded], dtype=np.int64),
                    "token_type_ids": np.array([item.type_ids for item in encoded], dtype=np.int64)}
            logits = self.session.run(["logits"], {name: feed[name] for name in self.inputs})[0]
            out.append(probabilities(logits, self.multi))
        return np.concatenate(out) if out else np.zeros((0, self.count))
