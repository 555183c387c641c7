"""Training-split augmentation: masking and synonym swaps, a recorded number of copies."""

from difflib import SequenceMatcher

from training.finetuning.augment import augment, parse_synonyms


def test_synonyms_are_read_both_ways():
    synonyms = parse_synonyms(["MI = myocardial infarction, heart attack", "", "SOB=dyspnoea"])
    assert synonyms["mi"] == ["heart attack", "myocardial infarction"]
    assert synonyms["heart attack"] == ["mi", "myocardial infarction"] and synonyms["dyspnoea"] == ["sob"]


def test_augmented_copies_keep_their_labels_and_change_words():
    texts = ["Known SOB on exertion and chest pain today"] * 10 + ["Stable and well, no complaints at all"] * 10
    targets = [0] * 10 + [1] * 10
    new_texts, new_targets, added = augment(texts, targets, 0.5, parse_synonyms(["SOB=dyspnoea"]), "[MASK]", 3,
                                            mask_share=0.3)
    assert added == 10 and len(new_texts) == 30 and new_texts[:20] == texts
    copies = new_texts[20:]
    assert sum(copy not in texts for copy in copies) >= 7  # a copy may, by chance, keep every word
    assert any("dyspnoea" in copy for copy in copies) and any("[MASK]" in copy for copy in copies)
    for copy, target in zip(copies, new_targets[20:]):  # each copy keeps the label of the note it came from
        closest = max(range(20), key=lambda index: SequenceMatcher(None, copy, texts[index]).ratio())
        assert target == targets[closest]
    assert augment(texts, targets, 0, {}, "[MASK]", 3) == (texts, targets, 0)
