import pytest
import torch

from dlutils.seq2seq import AttentionSeq2Seq, Seq2Seq, translate
from dlutils.text import Vocab, collate_seq2seq


@pytest.fixture
def batch():
    items = [([4, 5, 6], [4, 5]), ([5], [6, 4, 4])]
    return collate_seq2seq(0, 2, 3)(items)


@pytest.mark.parametrize("cls", [Seq2Seq, AttentionSeq2Seq])
def test_forward_shapes_and_step_agrees_with_teacher_forcing(cls, batch):
    torch.manual_seed(0)
    model = cls(7, 8, embed_size=4, hidden_size=6).eval()
    (source, lengths, decoder_inputs), targets = batch
    logits = model(source, lengths, decoder_inputs)
    assert logits.shape == (2, 4, 8)
    # Feeding the same tokens one step at a time gives the same logits.
    state = model.encode(source, lengths)
    for t in range(decoder_inputs.shape[1]):
        step_logits, state = model.step(decoder_inputs[:, : t + 1], state)
        torch.testing.assert_close(step_logits, logits[:, t])


@pytest.mark.parametrize("cls", [Seq2Seq, AttentionSeq2Seq])
def test_padding_does_not_change_the_output(cls):
    torch.manual_seed(0)
    model = cls(7, 8, embed_size=4, hidden_size=6).eval()
    y = torch.tensor([[2, 4, 5]])
    alone = model(torch.tensor([[4, 5]]), torch.tensor([2]), y)
    padded = model(torch.tensor([[4, 5, 0, 0]]), torch.tensor([2]), y)
    torch.testing.assert_close(alone, padded)


def test_attention_weights_ignore_padding(batch):
    model = AttentionSeq2Seq(7, 8, embed_size=4, hidden_size=6)
    (source, lengths, decoder_inputs), _ = batch
    _, weights, _ = model.decode(decoder_inputs, model.encode(source, lengths))
    assert weights.shape == (2, 4, 3)
    assert (weights[1, :, 1:] == 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4))


def test_translate_returns_strings_and_checks_its_input():
    source_vocab, target_vocab = Vocab(["abc"]), Vocab(["0123"])
    model = Seq2Seq(len(source_vocab), len(target_vocab), embed_size=4, hidden_size=6)
    out = translate(model, ["ab", "cab"], source_vocab, target_vocab, max_len=5)
    assert len(out) == 2 and all(isinstance(s, str) and len(s) <= 5 for s in out)
    with pytest.raises(TypeError, match="list of strings"):
        translate(model, "ab", source_vocab, target_vocab, max_len=5)
    with pytest.raises(TypeError, match="'encode' method"):
        translate(torch.nn.Linear(2, 2), ["ab"], source_vocab, target_vocab, max_len=5)
    with pytest.raises(ValueError, match="empty string"):
        translate(model, [""], source_vocab, target_vocab, max_len=5)
