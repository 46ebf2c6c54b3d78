import math
import random

import pytest
from sacrebleu.metrics import BLEU

from dlutils.bleu import brevity_penalty, corpus_bleu, modified_precision, ngrams, sentence_bleu

SACRE = BLEU(tokenize="none", smooth_method="none")  # whitespace-separated tokens, no smoothing


def sacre_score(candidates, references):
    hyps = [" ".join(c) for c in candidates]
    return SACRE.corpus_score(hyps, [[" ".join(r) for r in references]]).score / 100


def test_the_notes_worked_example():
    candidate, reference = "ABBCD", "ABCDEF"
    assert [modified_precision(candidate, reference, n) for n in (1, 2, 3, 4)] == [
        (4, 5), (3, 4), (1, 3), (0, 2)]
    assert brevity_penalty(5, 6) == pytest.approx(math.exp(-0.2))
    assert sentence_bleu(candidate, reference) == 0.0  # p4 = 0
    expected = math.exp(-0.2) * (4 / 5) ** 0.5 * (3 / 4) ** 0.25
    assert sentence_bleu(candidate, reference, max_n=2, weights=[1 / 2, 1 / 4]) == pytest.approx(
        expected)


def test_ngrams_and_clipping():
    assert ngrams("aab", 2) == {("a", "a"): 1, ("a", "b"): 1}
    assert modified_precision("the the the".split(), "the cat".split(), 1) == (1, 3)
    assert sentence_bleu("abcdef", "abcdef") == 1.0
    assert brevity_penalty(7, 6) == 1.0 and brevity_penalty(0, 6) == 0.0


def random_sentence(rng, alphabet="abcde"):
    return [rng.choice(alphabet) for _ in range(rng.randint(1, 12))]


def test_sentence_bleu_matches_sacrebleu_on_random_cases():
    rng = random.Random(0)
    nonzero = 0
    for _ in range(300):
        reference = random_sentence(rng)
        candidate = reference[:] if rng.random() < 0.3 else random_sentence(rng)
        if rng.random() < 0.5:  # a few edits of the reference
            candidate = reference[: rng.randint(1, len(reference))] + random_sentence(rng, "ab")
        ours = sentence_bleu(candidate, reference)
        assert ours == pytest.approx(sacre_score([candidate], [reference]), abs=1e-9)
        nonzero += ours > 0
    assert nonzero > 50  # the comparison is not all zeros


def test_corpus_bleu_matches_sacrebleu_and_is_not_a_mean_of_sentence_scores():
    rng = random.Random(1)
    for _ in range(30):
        references = [random_sentence(rng) for _ in range(rng.randint(1, 20))]
        candidates = [r[: rng.randint(1, len(r))] + random_sentence(rng, "abc")[:3] for r in references]
        ours = corpus_bleu(candidates, references)
        assert ours == pytest.approx(sacre_score(candidates, references), abs=1e-9)
    pairs = (["abcd", "x"], ["abcd", "abcd"])
    mean = sum(sentence_bleu(c, r) for c, r in zip(*pairs)) / 2
    assert corpus_bleu(*pairs) != pytest.approx(mean)


def test_bleu_rejects_bad_input():
    with pytest.raises(ValueError, match="positive integer"):
        ngrams("abc", 0)
    with pytest.raises(ValueError, match="one weight per"):
        sentence_bleu("ab", "ab", weights=[1.0])
    with pytest.raises(ValueError, match="one each"):
        corpus_bleu(["ab"], ["ab", "cd"])
    with pytest.raises(ValueError, match="no sentences"):
        corpus_bleu([], [])
    with pytest.raises(TypeError, match="sequence of tokens"):
        sentence_bleu(3, "ab")
    with pytest.raises(TypeError, match="single string"):
        corpus_bleu("ab", "ab")
    with pytest.raises(ValueError, match="negative"):
        brevity_penalty(-1, 2)
