"""Real models and questions, each kept with its bug as written and its twin fixed as the thread fixed it,
and what ``gru-shapes trace`` should say of each: the material that judges the trace's judgement.

Every module here has ``buggy()`` and ``fixed()``, each returning ``(model, args)``; the module docstring
names the source and says what the bug is and how the answer fixed it. For a model that was already
right, ``fixed()`` returns the same model (``Case.same_model``) and both expectations are the same.
``CASES`` lists them with the judgement expected of the trace; ``scripts/trace_cases.py`` runs them and
says, per case and twin, whether what the trace said is right or misleading.
"""

from __future__ import annotations

from dataclasses import dataclass

# The classes of wrong judgement seen in real code (gru-shapes issue 20), and the correct models that
# test for false alarms.
CLASSES = (
    "forward-failed",
    "state-not-detached",
    "padded-last-step",
    "mixed-consumer",
    "false-description",
    "pooling-not-followed",
    "fails-before-recurrent",
    "hostile",
    "final-state-read",
    "correct",
)

# What a verdict can be: a pitfall named, the forward failed after a recurrent call, clean (the forward
# ran and nothing was flagged), the forward failed before any recurrent call, or a hostile model file
# that must end on one line and exit 1 (run through the command line).
VERDICTS = ("pitfall", "failed", "clean", "before", "hostile")

# Words that say the forward failed, one of which a failed verdict line must contain.
FAILED_WORDS = ("fail", "raised", "stopped", "error")

# What no description of any case may say: "at steps []" names no step of a tensor that keeps them all.
ALWAYS_FALSE = ("steps []",)


@dataclass(frozen=True)
class Holds:
    """What the trace must say of one use of a recurrent result.

    The use is the one with the shortest expression containing ``expression`` (under the call named
    ``call`` when given), or with ``every`` each such use; it must exist, and its expression and
    description together must contain a word of each group of ``all_of`` (case-insensitive) and none
    of ``none_of``.
    """

    expression: str
    all_of: tuple[tuple[str, ...], ...] = ()
    none_of: tuple[str, ...] = ()
    call: str | None = None
    every: bool = False


@dataclass(frozen=True)
class Expect:
    """The judgement expected of the trace for one twin.

    ``verdict`` is one of ``VERDICTS``. ``rule`` is the rule id the trace must report for a pitfall
    (:data:`gru_shapes.model.readings.RULES`; for a pitfall that reaches other uses, the id of where it
    starts). The explanation (every pitfall's text, or
    the error's ``why``, ``consumer``, ``expression`` and message, or a hostile run's one line) must
    contain a word of each group of ``words``; each of ``flagged`` must be part of the expression of
    some use flagged as a pitfall; for a failure, each of ``error_fields`` must be filled. ``holds``
    checks descriptions, ``never`` lists words no expression or description may contain, and
    ``attribution`` checks that every pure reshaping of ``h_n``/``output`` listed under a call keeps
    that call's element count and that no description counts sequences beyond the batch it names (a
    regrouping reported on another call's row does neither). A hostile run must exit ``exit_code``
    with one line of output.
    """

    verdict: str
    rule: str | None = None
    words: tuple[tuple[str, ...], ...] = ()
    flagged: tuple[str, ...] = ()
    error_fields: tuple[str, ...] = ("expression", "consumer", "why")
    holds: tuple[Holds, ...] = ()
    never: tuple[str, ...] = ()
    attribution: bool = False
    exit_code: int | None = None
    prints: tuple[str, ...] = ()  # lines the model prints itself (a hostile run), not the tool's
    what: str = ""  # the expected behaviour in words


@dataclass(frozen=True)
class Case:
    id: str  # the module under tests/real_models
    source: str  # where the model or question comes from
    title: str
    cls: str  # one of CLASSES
    buggy: Expect
    fixed: Expect
    same_model: bool = False  # fixed() returns the same model as buggy(): it was already right


CLEAN = Expect("clean", what="the forward runs; no pitfall")
PADDING = (("padding", "padded", "pad "),)
OVER_TIME = (("step", "time"),)


def _clean(*holds: Holds, never: tuple[str, ...] = (), attribution: bool = False, what: str = "") -> Expect:
    return Expect("clean", holds=holds, never=never, attribution=attribution, what=what or CLEAN.what)


def _same(case_id: str, source: str, title: str, cls: str, expect: Expect) -> Case:
    return Case(case_id, source, title, cls, expect, expect, same_model=True)


CASES: tuple[Case, ...] = (
    # -- a failed forward must never end on "no pitfall" ------------------------------------------
    Case(
        "ff_bahdanau_layers",
        "https://github.com/gabrielloye/Attention_Seq2seq-Translation/issues/6",
        "bug in BahdanauDecoder",
        "forward-failed",
        Expect(
            "failed",
            words=(("h_n",), ("layer",)),
            what="the forward failed at fc_hidden(h_n) + fc_encoder(output): h_n holds every layer "
            "(dim 0 is layers, not batch); fix: h_n[-1].unsqueeze(1)",
        ),
        CLEAN,
    ),
    Case(
        "ff_attn_repeat_layers",
        "https://github.com/AuCson/PyTorch-Batch-Attention-Seq2seq/issues/7",
        "The shape of the hidden vector is not match with encoder_outputs",
        "forward-failed",
        Expect(
            "failed",
            words=(("h_n",), ("layer",)),
            what="the forward failed at torch.cat([H, encoder_outputs], 2): H repeats the decoder's "
            "whole h_n (every layer) over the steps; fix: last_hidden[-1]",
        ),
        CLEAN,
    ),
    Case(
        "ff_bmm_view_directions",
        "https://github.com/zy1996code/nlp_basic_model/issues/1",
        "Why do you use .view(-1,n_hidden,1)",
        "forward-failed",
        Expect(
            "failed",
            words=(("h_n",), ("direction",)),
            what="the forward failed at bmm(output, h_n.view(-1, H, 1)): the view put the directions "
            "in the batch dim; fix: torch.cat((h_n[0], h_n[1]), 1).unsqueeze(2)",
        ),
        CLEAN,
    ),
    Case(
        "ff_lstnet_float_view",
        "https://github.com/laiguokun/LSTNet/pull/9",
        "Update LSTNet.py (int(self.pt))",
        "forward-failed",
        Expect(
            "failed",
            words=(("float", "int"),),
            error_fields=("consumer",),
            what="the forward failed after GRU1 at s.view(..., self.pt, ...) with a float size, on the "
            "convolution's output (not a recurrent result): the verdict says it failed, and where",
        ),
        _clean(
            Holds("cat", call="GRU1", all_of=(("GRUskip",),)),
            attribution=True,
            never=("mix",),
            what="clean; GRUskip's h_n.view(batch, skip * hidS) regroups its own batch of B * skip; the cat "
            "of both calls' states names each by its call and counts sequences in each call's own batch",
        ),
    ),
    # -- state carried between calls with its graph --------------------------------------------------
    Case(
        "sd_pytorch_2769",
        "https://github.com/pytorch/pytorch/issues/2769",
        "LSTM architecture has met a explosive growth in the training process",
        "state-not-detached",
        Expect(
            "pitfall",
            rule="state-not-detached",
            words=(("detach",),),
            what="pitfall: hx is the previous batch's (h_n, c_n) with its graph (grad_fn); "
            "fix: store tuple(h.detach() for h in hidden)",
        ),
        CLEAN,
    ),
    Case(
        "sd_morvan_h_state",
        "https://github.com/MorvanZhou/PyTorch-Tutorial/issues/57",
        "403: question about h_state = h_state.data",
        "state-not-detached",
        Expect(
            "pitfall",
            rule="state-not-detached",
            words=(("detach", ".data"),),
            what="pitfall: h_state passed in as hx still carries the previous step's graph; "
            "fix: h_state = h_state.data (or .detach())",
        ),
        CLEAN,
    ),
    Case(
        "sd_rnn_walkthrough",
        "https://github.com/gabrielloye/RNN-walkthrough/issues/3",
        "how does hidden state work",
        "state-not-detached",
        Expect(
            "pitfall",
            rule="state-not-detached",
            words=(("detach",),),
            what="pitfall: self.hidden fed back as hx keeps the previous batch's graph; "
            "fix: self.rnn(x, self.hidden.detach())",
        ),
        CLEAN,
    ),
    # -- the padded last step read as the final state ------------------------------------------------
    Case(
        "pl_practical_torchtext",
        "https://github.com/keitakurita/practical-torchtext/issues/5",
        "Last timestep output in the text classifier wrong?",
        "padded-last-step",
        Expect(
            "pitfall",
            rule="padded-last-step",
            words=PADDING,
            flagged=("[-1",),
            what="pitfall: output[-1] of a padded, unpacked batch (ids end in padding_idx) is padding "
            "for 2 of 3 sequences; fix: pack with the lengths, or gather output[lengths - 1, arange(B)]",
        ),
        CLEAN,
    ),
    Case(
        "pl_video_varlen",
        "https://github.com/HHTseng/video-classification/issues/39",
        "Problem with ResnetCRNN_varlen",
        "padded-last-step",
        Expect(
            "pitfall",
            rule="padded-last-step",
            words=PADDING,
            flagged=("-1",),
            what="pitfall: output[:, -1] after pad_packed_sequence is padding (zeros) for every shorter "
            "video; fix: the gather by the unpacked lengths",
        ),
        _clean(
            Holds("[1][4]", all_of=(("step 4",),), none_of=("every step",)),
            what="clean; output[i][length - 1] is described as sequence i at its own last step",
        ),
    ),
    Case(
        "pl_sentiment_hidden",
        "https://github.com/bentrevett/pytorch-sentiment-analysis/issues/5",
        "How to use pack_padded_sequence with the existing sentiment analysis code?",
        "padded-last-step",
        Expect(
            "pitfall",
            rule="padded-last-step",
            words=PADDING,
            flagged=("-2",),
            what="pitfall: h_n[-2] of an unpacked batch whose ids end in padding_idx is the forward "
            "state after the padding; fix: pack_padded_sequence(embedded, text_lengths)",
        ),
        CLEAN,
    ),
    # -- what consumes a mixed tensor is not ok ------------------------------------------------------
    Case(
        "mc_bilstm_attention",
        "https://github.com/graykode/nlp-tutorial/issues/38",
        "Question about tensor.view operation in Bi-LSTM(Attention)",
        "mixed-consumer",
        Expect(
            "pitfall",
            rule="mixed-view",
            words=(("mix", "sequences"),),
            flagged=("view", "bmm"),
            what="pitfall on h_n.view(-1, 2H, 1) and on the bmm that consumes it; "
            "fix: h_n.transpose(0, 1).reshape(B, -1, 1)",
        ),
        CLEAN,
    ),
    Case(
        "mc_sentence_vae",
        "https://github.com/timbmg/Sentence-VAE/issues/15",
        "Confusion about the batch in model.py (I think batch should be the second dimension.)",
        "mixed-consumer",
        Expect(
            "pitfall",
            rule="mixed-view",
            words=(("mix", "sequences"),),
            flagged=("view", "hidden2mean"),
            what="pitfall on h_n.view(B, 2H) and on hidden2mean/hidden2logv that consume it; "
            "fix: h_n.transpose(0, 1).reshape(B, -1)",
        ),
        CLEAN,
    ),
    Case(
        "mc_paccmann_gru",
        "https://github.com/PaccMann/paccmann_chemistry/issues/5",
        "Incorrect hidden layer reshaping in GRUEncoder",
        "mixed-consumer",
        Expect(
            "pitfall",
            rule="mixed-view",
            words=(("mix", "sequences"),),
            flagged=("reshape", "hidden_to_mu"),
            what="pitfall on the last layer's [D, B, C].reshape(B, D * C) and on hidden_to_mu/"
            "hidden_to_logvar; fix: permute(1, 0, 2) first",
        ),
        CLEAN,
    ),
    # -- descriptions that must be true (correct models: fixed() is the same model) -------------------
    _same(
        "fd_cat_directions_strided",
        "https://github.com/IBM/pytorch-seq2seq/blob/master/seq2seq/models/DecoderRNN.py",
        "IBM pytorch-seq2seq DecoderRNN._cat_directions",
        "false-description",
        _clean(
            Holds("[0:", all_of=(("forward",),)),
            Holds("[1:", all_of=(("backward",),)),
            Holds("cat", all_of=(("forward",), ("backward",)), none_of=("whole final state",)),
            what="clean; h_n[0:4:2] is every layer's forward state, h_n[1:4:2] every layer's backward "
            "state, the cat puts each layer's forward beside its backward",
        ),
    ),
    _same(
        "fd_fix_enc_hidden",
        "https://github.com/OpenNMT/OpenNMT-py/issues/61",
        "About the _fix_enc_hidden() function",
        "false-description",
        _clean(
            Holds("transpose(1, 2).view(", all_of=(("forward",), ("backward",)), none_of=("mix",)),
            what="clean; view(L, 2, B, H).transpose(1, 2).view(L, B, 2H) described as each layer's forward "
            "beside its backward, not flagged as mixing",
        ),
    ),
    _same(
        "fd_attention_output_names",
        "https://github.com/IBM/pytorch-seq2seq/blob/master/seq2seq/models/attention.py",
        "IBM pytorch-seq2seq Attention.forward(output, context)",
        "false-description",
        _clean(
            Holds("bmm", all_of=(("encoder",),), every=True),
            Holds("bmm(", all_of=(("encoder",), ("decoder",))),
            never=("output.bmm(output",),
            what="clean; the attention's bmm names the decoder's output and the encoder's output by the "
            "call each came from (never output.bmm(output...))",
        ),
    ),
    _same(
        "fd_rcnn_cat_input",
        "https://github.com/prakashpandey9/Text-Classification-Pytorch/blob/master/models/RCNN.py",
        "RCNN text classifier: torch.cat((output, input), 2)",
        "false-description",
        _clean(
            Holds(
                "cat",
                all_of=(("every step", "all steps", "each step", "every time step"), ("input", "embedding")),
            ),
            Holds("max_pool1d", all_of=(("max",),)),
            never=("steps []",),
            what="clean; the cat keeps every step of output beside the LSTM's own input; the max over "
            "time (F.max_pool1d) is followed",
        ),
    ),
    _same(
        "fd_char_word_lstm",
        "https://github.com/jiesutd/NCRFpp/blob/master/model/charbilstm.py",
        "NCRF++ CharBiLSTM.get_last_hiddens and the word LSTM it feeds",
        "false-description",
        _clean(
            Holds("torch.cat", none_of=("whole final state",)),
            attribution=True,
            never=("mix",),
            what="clean; the char LSTM's h_n regrouped per word then per sentence is shown on the char "
            "LSTM's row with its own batch (6), not on the word LSTM's (2); its cat with the word "
            "embeddings is not described as the whole final state",
        ),
    ),
    # -- pooling over time must be followed ----------------------------------------------------------
    Case(
        "pp_infersent_maxpad",
        "https://github.com/facebookresearch/InferSent/blob/master/models.py",
        "InferSent BLSTMEncoder: max_pad (version 1) against masking (version 2)",
        "pooling-not-followed",
        Expect(
            "pitfall",
            rule="padding-in-pooling",
            words=PADDING,
            flagged=("max",),
            holds=(Holds("max", all_of=(("max",), OVER_TIME[0])),),
            what="pitfall: torch.max(output, 0)[0] after pad_packed_sequence takes the max over the "
            "padding zeros too; fix: mask (output[output == 0] = -1e9) or pad with a very low value",
        ),
        _clean(
            Holds("max", all_of=(("max",), OVER_TIME[0])),
            what="clean; the in-place masking then torch.max over time is followed and described",
        ),
    ),
    Case(
        "pp_mean_padded",
        "https://github.com/pytorch/pytorch/issues/2311",
        "LSTM mask / remove zeros",
        "pooling-not-followed",
        Expect(
            "pitfall",
            rule="padding-in-pooling",
            words=PADDING,
            flagged=("mean",),
            holds=(Holds("mean", all_of=(("mean", "average"), OVER_TIME[0])),),
            what="pitfall: output.mean(1) after pad_packed_sequence averages the padding in; "
            "fix: output.sum(1) / lengths",
        ),
        _clean(
            Holds("sum", all_of=(("sum",), OVER_TIME[0])),
            what="clean; the sum over time divided by the lengths is followed",
        ),
    ),
    Case(
        "pp_max_padding_value",
        "https://github.com/pytorch/pytorch/pull/2751",
        "Specifying the value used for padding",
        "pooling-not-followed",
        Expect(
            "pitfall",
            rule="padding-in-pooling",
            words=PADDING,
            flagged=("max",),
            holds=(Holds("max", all_of=(("max",), OVER_TIME[0])),),
            what="pitfall: torch.max(h, 1) over a batch unpacked with zeros lets the padding win; "
            "fix: pad_packed_sequence(..., padding_value=-1024.0)",
        ),
        _clean(
            Holds("max", all_of=(("max",), OVER_TIME[0])),
            what="clean; the max over time of a batch padded with a very low value is followed",
        ),
    ),
    # -- a model that fails before any recurrent call ------------------------------------------------
    Case(
        "fb_raven_view",
        "https://github.com/WellyZhang/RAVEN/issues/4",
        "code fails to run for CNN_LSTM and CNN_MLP",
        "fails-before-recurrent",
        Expect(
            "before",
            what="error before any recurrent call; with --json a JSON document with the error on stdout",
        ),
        CLEAN,
    ),
    Case(
        "fb_unsorted_lengths",
        "https://github.com/pytorch/pytorch/issues/8026",
        "lengths array has to be sorted in decreasing order",
        "fails-before-recurrent",
        Expect(
            "before",
            what="error in pack_padded_sequence before the GRU; with --json a JSON document on stdout",
        ),
        CLEAN,
    ),
    Case(
        "fb_embedding_oov",
        "https://github.com/pytorch/text/issues/235",
        "RuntimeError: index out of range when using dataset loaded using torchtext",
        "fails-before-recurrent",
        Expect(
            "before",
            what="error in the embedding before the GRU; with --json a JSON document on stdout",
        ),
        CLEAN,
    ),
    # -- hostile model files (run through the command line) ------------------------------------------
    Case(
        "ho_exit_in_forward",
        "gru-shapes issue 20, item 8 (fuzzed; debugging exit() left in forward)",
        "sys.exit(n) inside forward",
        "hostile",
        Expect(
            "hostile",
            words=(("exit", "SystemExit"),),
            exit_code=1,
            prints=("torch.Size(",),
            what="one line saying the model called exit() (SystemExit) in its forward; exit 1 (the model's own "
            "print of lstm_out.shape stays on stderr)",
        ),
        CLEAN,
    ),
    Case(
        "ho_str_raises",
        "gru-shapes issue 20, item 8 (fuzzed)",
        "an exception whose __str__ raises",
        "hostile",
        Expect(
            "hostile",
            words=(("ShapeError",),),
            exit_code=1,
            what="one line naming ShapeError (its message could not be rendered); exit 1, no traceback",
        ),
        CLEAN,
    ),
    Case(
        "ho_never_returns",
        "gru-shapes issue 20, item 8 (fuzzed; a greedy decode loop without max_length)",
        "a forward that never returns",
        "hostile",
        Expect(
            "hostile",
            words=(("timeout", "timed out", "seconds"),),
            exit_code=1,
            what="stopped by --timeout with one line naming where it was; exit 1",
        ),
        CLEAN,
    ),
    # -- one read of the final state (the rules the idioms name), each with its twin ----------------------
    Case(
        "fs_birnn_last_step",
        "https://github.com/yunjey/pytorch-tutorial/issues/149",
        "output of bidirectional LSTM",
        "final-state-read",
        Expect(
            "pitfall",
            rule="half-a-step",
            words=(("backward",), ("step",)),
            flagged=("[:, -1, :]",),
            what="pitfall: out[:, -1, :] of a bidirectional LSTM pairs the forward final state with a backward "
            "state after one step; fix: cat(out[:, -1, :H], out[:, 0, H:])",
        ),
        _clean(
            Holds("torch.cat", all_of=(("forward",), ("backward",)), none_of=("steps []",)),
            what="clean; the cat of the forward half at the last step and the backward half at step 0 is each "
            "direction's final state",
        ),
    ),
    Case(
        "fs_seq2seq_directions_as_layers",
        "https://github.com/spro/practical-pytorch/issues/81",
        "question of 'context vector' in seq2seq-translation-batched",
        "final-state-read",
        Expect(
            "pitfall",
            rule="mixed-hand-off",
            words=(("direction",), ("layer",)),
            flagged=("[:2]",),
            what="pitfall: encoder_hidden[:2] of a 2-layer bidirectional encoder hands layer 0's forward and "
            "backward states to the decoder's two layers; fix: each layer's forward state, encoder_hidden[0::2]",
        ),
        _clean(
            Holds("[0::2]", all_of=(("forward",),)),
            what="clean; encoder_hidden[0::2] is each layer's forward state, one per decoder layer",
        ),
    ),
    Case(
        "fs_bilstm_classifier_width",
        "https://github.com/pytorch/pytorch/issues/71991",
        "How to make LSTMClassifier Bidirectional?",
        "final-state-read",
        Expect(
            "failed",
            words=(("expects",), ("features",)),
            what="the forward failed in classifier: nn.Linear(hidden_dim) fed lstm_out[:, -1, :] of width "
            "2 * hidden_dim; fix: nn.Linear(2 * hidden_dim, n), tried on the real tensor",
        ),
        _clean(
            Holds("torch.cat", all_of=(("forward",), ("backward",))),
            what="clean; the Linear is 2 * hidden_dim wide and reads the last layer's forward beside its backward",
        ),
    ),
    Case(
        "fs_backward_only",
        "https://github.com/pytorch/pytorch/issues/3587",
        "Documentation: Indexing output from bidirectional RNN (GRU,LSTM)",
        "final-state-read",
        Expect(
            "pitfall",
            rule="backward-only",
            words=(("backward",), ("h_n[-2]",)),
            flagged=("h_n[-1]",),
            what="pitfall: h_n[-1] of a bidirectional GRU is the last layer's backward state only; "
            "fix: torch.cat((h_n[-2], h_n[-1]), 1)",
        ),
        CLEAN,
    ),
    Case(
        "fs_first_layer",
        "https://github.com/spro/practical-pytorch/issues/81",
        "question of 'context vector' (which layer is hidden[0]?)",
        "final-state-read",
        Expect(
            "pitfall",
            rule="not-last-layer",
            words=(("last layer",),),
            flagged=("h_n[0]",),
            what="pitfall: hidden[0] of a 2-layer GRU is the first layer's final state; fix: hidden[-1]",
        ),
        CLEAN,
    ),
    # -- correct real models: no false alarm ---------------------------------------------------------
    _same(
        "ok_packed_ht_last",
        "https://github.com/claravania/lstm-pytorch/blob/master/model.py",
        "LSTM classification: packed batch, ht[-1]",
        "correct",
        _clean(Holds("[-1]", all_of=(("last layer",),))),
    ),
    _same(
        "ok_rnn_permute_view",
        "https://github.com/prakashpandey9/Text-Classification-Pytorch/blob/master/models/RNN.py",
        "RNN classifier: h_n.permute(1, 0, 2).contiguous().view(B, 4H)",
        "correct",
        CLEAN,
    ),
    _same(
        "ok_bahdanau_seq2seq",
        "https://github.com/bentrevett/pytorch-seq2seq",
        "3 - Neural Machine Translation by Jointly Learning to Align and Translate",
        "correct",
        CLEAN,
    ),
    _same(
        "ok_prepadded_last",
        "https://github.com/Atcold/NYU-DLSP20/pull/19",
        "bug fix related to output sequence (pre-padded input, output[:, -1, :])",
        "correct",
        CLEAN,
    ),
    _same(
        "ok_mnist_rows",
        "https://github.com/MorvanZhou/PyTorch-Tutorial/blob/master/tutorial-contents/402_RNN_classifier.py",
        "RNN classifier on MNIST rows: blank bottom rows are zeros, not padding",
        "correct",
        _clean(Holds("[:, -1, :]", none_of=("padding",))),
    ),
    _same(
        "ok_lstm_attn_uni",
        "https://github.com/prakashpandey9/Text-Classification-Pytorch/blob/master/models/LSTM_Attn.py",
        "LSTM attention classifier: final_state.squeeze(0) into bmm",
        "correct",
        CLEAN,
    ),
    _same(
        "ok_bilstm_permute_view",
        "https://github.com/NeuromatchAcademy/course-content-dl/blob/main/tutorials/"
        "W2D3_ModernRecurrentNeuralNetworks/solutions/W2D3_Tutorial2_Solution_f98cf0cd.py",
        "Neuromatch Academy W2D3 biLSTM: random (h_0, c_0), permute then view",
        "correct",
        CLEAN,
    ),
)
