import pytest
import torch
import torch.nn.functional as F

from dlutils.text import (
    Vocab,
    collate_classification,
    collate_language_model,
    collate_seq2seq,
    pad_sequences,
    sequence_cross_entropy,
    sequence_loader,
    tokenize,
)


def test_tokenize_splits_words_and_punctuation_or_characters():
    assert tokenize("Hello, world!") == ["Hello", ",", "world", "!"]
    assert tokenize("Hello, world!", lower=True)[0] == "hello"
    assert tokenize("ab c", level="char") == ["a", "b", " ", "c"]


def test_tokenize_rejects_bad_input():
    with pytest.raises(ValueError, match="'word' or 'char'"):
        tokenize("x", level="sentence")
    with pytest.raises(TypeError, match="string"):
        tokenize(["a", "b"])


def test_vocab_puts_specials_first_then_tokens_by_frequency_then_alphabetically():
    vocab = Vocab([["b", "a", "c"], ["c", "b"], ["c"]])
    assert vocab.tokens == ["<pad>", "<unk>", "<bos>", "<eos>", "c", "b", "a"]
    assert (vocab.pad_id, vocab.unk_id, vocab.bos_id, vocab.eos_id) == (0, 1, 2, 3)
    assert len(vocab) == 7 and "a" in vocab and "z" not in vocab


def test_vocab_ids_do_not_depend_on_the_order_of_the_data():
    a = Vocab([["x", "y"], ["z", "y"]])
    b = Vocab([["y", "z"], ["y", "x"]])
    assert a.tokens == b.tokens


def test_rare_and_unknown_tokens_map_to_unk():
    vocab = Vocab([["a", "a", "b"]], min_freq=2)
    assert "b" not in vocab
    assert vocab.encode(["a", "b", "never"]) == [4, vocab.unk_id, vocab.unk_id]
    assert len(Vocab([list("aaabbc")], max_size=2)) == 6


def test_encode_and_decode_round_trip_with_bos_and_eos():
    vocab = Vocab(["anna", "bob"])  # strings are character sequences
    ids = vocab.encode("nab", bos=True, eos=True)
    assert ids[0] == vocab.bos_id and ids[-1] == vocab.eos_id
    assert vocab.decode(ids) == list("nab")
    assert vocab.decode(ids + [vocab["a"]]) == list("nab")  # stops at <eos>
    assert vocab.decode(torch.tensor(ids), keep_specials=True)[0] == "<bos>"


def test_vocab_rejects_bad_input_with_a_clear_message():
    with pytest.raises(TypeError, match="not one string"):
        Vocab("hello world")
    with pytest.raises(ValueError, match="min_freq"):
        Vocab([["a"]], min_freq=0)
    vocab = Vocab([["hello", "world"]])
    with pytest.raises(TypeError, match="single token"):
        vocab.encode("hello")
    with pytest.raises(IndexError, match="outside the vocabulary"):
        vocab.decode([99])
    with pytest.raises(ValueError, match="1-D"):
        vocab.decode(torch.zeros(2, 2, dtype=torch.long))


def test_pad_sequences_pads_on_the_right_and_returns_lengths():
    padded, lengths = pad_sequences([[5, 6, 7], [8]], pad_id=0)
    assert padded.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert lengths.tolist() == [3, 1]
    cut, cut_lengths = pad_sequences([[5, 6, 7], [8]], pad_id=0, max_len=2)
    assert cut.tolist() == [[5, 6], [8, 0]] and cut_lengths.tolist() == [2, 1]


def test_pad_sequences_rejects_empty_and_nested_input():
    with pytest.raises(ValueError, match="no sequences"):
        pad_sequences([], pad_id=0)
    with pytest.raises(ValueError, match="1-D"):
        pad_sequences([[[1, 2]]], pad_id=0)


def test_collate_classification_gives_inputs_that_fit_spreads_over_the_model():
    (tokens, lengths), labels = collate_classification(0)([([4, 5], 1), ([6], 0)])
    assert tokens.tolist() == [[4, 5], [6, 0]]
    assert lengths.tolist() == [2, 1] and labels.tolist() == [1, 0]


def test_collate_language_model_shifts_targets_by_one():
    inputs, targets = collate_language_model(0, 2, 3)([[7, 8], [9]])
    assert inputs.tolist() == [[2, 7, 8], [2, 9, 0]]
    assert targets.tolist() == [[7, 8, 3], [9, 3, 0]]


def test_collate_seq2seq_frames_the_decoder_sequences():
    (source, lengths, dec_in), dec_out = collate_seq2seq(0, 2, 3)(
        [([5, 6, 7], [8]), ([5], [9, 9])]
    )
    assert source.tolist() == [[5, 6, 7], [5, 0, 0]] and lengths.tolist() == [3, 1]
    assert dec_in.tolist() == [[2, 8, 0], [2, 9, 9]]
    assert dec_out.tolist() == [[8, 3, 0], [9, 9, 3]]


def test_sequence_loader_shuffles_reproducibly():
    items = [[i] for i in range(20)]
    collate = collate_language_model(0, 2, 3)

    def first_batch(seed):
        return next(iter(sequence_loader(items, 5, collate, shuffle=True, seed=seed)))[
            0
        ]

    assert torch.equal(first_batch(1), first_batch(1))
    assert not torch.equal(first_batch(1), first_batch(2))
    with pytest.raises(ValueError, match="no items"):
        sequence_loader([], 5, collate)
    with pytest.raises(ValueError, match="batch_size"):
        sequence_loader(items, 0, collate)


def test_sequence_cross_entropy_ignores_padding():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 5)
    targets = torch.tensor([[1, 4, 0], [2, 0, 0]])
    kept = [(0, 0), (0, 1), (1, 0)]
    expected = torch.stack(
        [F.cross_entropy(logits[b, t], targets[b, t]) for b, t in kept]
    ).mean()
    torch.testing.assert_close(
        sequence_cross_entropy(logits, targets, pad_id=0), expected
    )
    with pytest.raises(ValueError, match=r"\[batch, time, vocab\]"):
        sequence_cross_entropy(logits[0], targets, pad_id=0)
