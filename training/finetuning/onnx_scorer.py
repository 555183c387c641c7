"""An exported classifier's probabilities with ONNX Runtime on the CPU: `model.onnx` (fp32 or int8) and the fast
tokenizer's `tokenizer.json`, read with `tokenizers` — neither torch nor transformers is loaded, so a serving
process stays small. A classifier that reads long notes in windows (classifier.json's "reading") is read the same
way here: the same windows, their logits combined per note by max, mean or its learnt attention scores."""

import json

import numpy as np

from .classifier_file import ClassifierLoadError, window_overlap

MODEL_FILE = "model.onnx"
WINDOW_SCORES = "window_scores"  # a windowed classifier's second output where it pools by attention


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
        self.reading = settings.get("reading")
        length = settings["max_length"]
        if self.reading:  # as windows.split: each window `stride` tokens on from the one before
            self.tokenizer.enable_truncation(length, stride=window_overlap(
                self.reading, length - self.tokenizer.num_special_tokens_to_add(False)))
        else:
            self.tokenizer.enable_truncation(length)
        token = _pad_token(folder)
        pad_id = self.tokenizer.token_to_id(token)
        self.pad_id = 0 if pad_id is None else pad_id
        self.multi, self.count = settings["multi"], len(settings["labels"])

    def scores(self, texts, batch_size=64):
        out = []
        for start in range(0, len(texts), batch_size):
            windows, notes = [], []
            for note, item in enumerate(self.tokenizer.encode_batch(texts[start:start + batch_size])):
                found = [item, *item.overflowing][:self.reading["max_windows"]] if self.reading else [item]
                windows += found
                notes += [note] * len(found)
            logits, scores = [], []
            for first in range(0, len(windows), batch_size):
                outputs = self.session.run(None, self._feed(windows[first:first + batch_size]))
                logits.append(outputs[0])
                scores.append(outputs[1] if len(outputs) > 1 else None)
            logits = np.concatenate(logits).astype(np.float64)
            if self.reading:
                logits = self._combine(logits, None if scores[0] is None else np.concatenate(scores), np.array(notes))
            out.append(probabilities(logits, self.multi))
        return np.concatenate(out) if out else np.zeros((0, self.count))

    def _feed(self, windows):
        """Windows padded to the longest, as the model's inputs."""
        longest = max(len(window.ids) for window in windows)
        rows = {"input_ids": [window.ids + [self.pad_id] * (longest - len(window.ids)) for window in windows],
                "attention_mask": [window.attention_mask + [0] * (longest - len(window.ids)) for window in windows],
                "token_type_ids": [window.type_ids + [0] * (longest - len(window.ids)) for window in windows]}
        return {name: np.array(rows[name], dtype=np.int64) for name in self.inputs}

    def _combine(self, logits, scores, notes):
        """One row of logits per note from its windows', as the PyTorch classifier combines them."""
        rows = []
        for note in range(notes.max() + 1 if len(notes) else 0):
            mine = logits[notes == note]
            if self.reading["pooling"] == "max":
                rows.append(mine.max(axis=0))
            elif self.reading["pooling"] == "mean":
                rows.append(mine.mean(axis=0))
            else:
                weights = np.exp(scores[notes == note] - scores[notes == note].max())
                rows.append((weights / weights.sum()) @ mine)
        return np.array(rows).reshape(-1, logits.shape[1])
