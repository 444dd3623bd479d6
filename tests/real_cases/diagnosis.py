"""Diagnosis cases taken from public questions: the shapes a user really fed, and the fix the thread gave.

Each :class:`RealCase` is one thread (a GitHub issue or pull request, a Q&A page): the module as the
user built it, the tensors they fed it, and the fix that the accepted answer, the maintainer or the
merged fix settled on. ``options`` use the names :func:`gru_shapes.spec.make_spec` takes (as
``tests/test_diagnose.py``'s ``CASES`` do): ``layers`` where :func:`gru_shapes.explain` says
``num_layers``, shapes as lists. nn.GRU/LSTM/RNN default to ``batch_first=False`` while gru-shapes
defaults to ``True``, so every sequence module's layout is spelled out.

The expected first fix is a predicate on ``diagnosis.fixes[0]``:

- ``kind``: one kind, or a tuple of kinds any of which is right (``state`` or ``shape`` when the thread
  says "make h_0 this size" without saying whether to cut the old one or start from zeros);
- ``change``: the text before ``": "`` in ``change`` (``--batch-first``, ``--layers 1``), equal;
- ``code``: fragments that must all appear in ``code``;
- ``options``: items that must all appear in the fix's ``options`` (for a fix of two changes at once);
- ``why_excludes``: words the fix's ``why`` must not use (a right fix given for a false reason).

``kind=None`` means no fix is expected: torch accepts and reads the input as the user meant.
``notes`` are fragments the diagnosis notes must contain (what the thread's answer was about).

How the cases were chosen: threads found by searching for the error messages torch gives
(``Expected hidden size``, ``Expected hidden[0] size``, ``input.size(-1) must be equal to
input_size``, ``For batched 3-D input, hx ... should also be 3-D``, ``must be tuple of Tensors``,
``expected scalar type``) and for the questions behind them (``init_hidden``, ``batch_first`` and the
hidden state, bidirectional encoder and decoder, packed sequences, cells). A thread is kept only when
its shapes can be read from it or from the code it links to at the commit it discusses (numbers read
from that code are said in ``why``), and when it shows the fix: an answer, a maintainer's comment, the
reporter's confirmed resolution, or the pull request that fixed it. None duplicates the shapes of
``tests/test_diagnose.py``'s ``CASES``. ``cls`` names the class of mistake the case stands for (see
``CLASSES``), so that a first-fix rate can be given per class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The classes of mistake, in the words of the diagnosis defects they exercise.
STATE_WRONG = "state wrong (module and input agree): fix the state"
MODULE_WRONG = "module wrong (state and input agree): fix the module"
TWO_FAULTS = "two faults at once"
LAYOUT_AND_STATE = "layout fix needs a state fix too"
NOT_BIDIRECTIONAL = "state not bidirectional (no direction sum)"
INTENT = "stated intent (batch read as time, or read as meant)"
FOUR_D = "4-D input"
DTYPE = "dtype"
CELL = "cells"
HX_TENSOR = "LSTM hx as a tensor"
BIDIR_DECODER = "bidirectional encoder state to a decoder"
PACKED = "packed sequences and lengths"
UNBATCHED = "unbatched input"
LAYOUT = "layout (batch and seq swapped)"
ACCEPTED = "accepted as written"
CLASSES = (
    STATE_WRONG,
    MODULE_WRONG,
    TWO_FAULTS,
    LAYOUT_AND_STATE,
    NOT_BIDIRECTIONAL,
    INTENT,
    FOUR_D,
    DTYPE,
    CELL,
    HX_TENSOR,
    BIDIR_DECODER,
    PACKED,
    UNBATCHED,
    LAYOUT,
    ACCEPTED,
)


@dataclass(frozen=True)
class RealCase:
    """One public thread: what was fed, and the first fix its answer gave."""

    id: str
    source: str
    title: str
    cls: str
    options: Mapping[str, Any]
    verdict: str
    kind: str | tuple[str, ...] | None
    why: str
    change: str | None = None
    code: tuple[str, ...] = ()
    fix_options: Mapping[str, Any] = field(default_factory=dict)
    why_excludes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def expected(self) -> str:
        """The expectation in one line."""
        if self.kind is None:
            fix = "no fix"
        else:
            kinds = "|".join(self.kind) if isinstance(self.kind, tuple) else self.kind
            parts = [kinds]
            if self.change is not None:
                parts.append(repr(self.change))
            parts += [f"code~{fragment!r}" for fragment in self.code]
            parts += [f"{key}={value!r}" for key, value in self.fix_options.items()]
            parts += [f"why!~{word!r}" for word in self.why_excludes]
            fix = " ".join(parts)
        notes = "".join(f" notes~{note!r}" for note in self.notes)
        return f"{self.verdict}, {fix}{notes}"

    def holds(self, diagnosis: Mapping[str, Any]) -> bool:
        """Whether a diagnosis (the report's JSON ``diagnosis`` object) is the expected one."""
        if diagnosis["verdict"] != self.verdict:
            return False
        if not all(any(note in line for line in diagnosis["notes"]) for note in self.notes):
            return False
        fixes: Sequence[Mapping[str, Any]] = diagnosis["fixes"]
        if self.kind is None:
            return not fixes
        if not fixes:
            return False
        first = fixes[0]
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        code = first["code"] or ""
        return (
            first["kind"] in kinds
            and (self.change is None or first["change"].split(": ")[0] == self.change)
            and all(fragment in code for fragment in self.code)
            and all(first["options"].get(key) == value for key, value in self.fix_options.items())
            and not any(word in first["why"] for word in self.why_excludes)
        )


CASES: list[RealCase] = [
    # --- the state is wrong while the module and the input agree: fix the state -------------------
    RealCase(
        id="bilstm-crf-init-hidden-full-width",
        source="https://github.com/pytorch/tutorials/pull/95",
        title="fix self.init_hidden never used",
        cls=STATE_WRONG,
        options={
            "module": "lstm",
            "input_size": 5,
            "hidden_size": 2,
            "bidirectional": True,
            "batch_first": False,
            "input_shape": [11, 1, 5],
            "h0_shape": [2, 1, 4],
            "c0_shape": [2, 1, 4],
        },
        verdict="refused",
        kind=("shape", "state"),
        code=("(2, 1, 2)",),
        why="BiLSTM-CRF tutorial (EMBEDDING_DIM 5, HIDDEN_DIM 4, LSTM(5, 4 // 2, bidirectional), an "
        "11-word sentence): init_hidden returned randn(2, 1, hidden_dim); the merged fix builds the "
        "states with hidden_dim // 2, the module stays",
    ),
    RealCase(
        id="rnn-h0-batch-first-by-hand",
        source="https://github.com/pytorch/pytorch/issues/3851",
        title="Improve error message for RuntimeError: inconsistent tensor size in RNN",
        cls=STATE_WRONG,
        options={
            "module": "rnn",
            "input_size": 15,
            "hidden_size": 25,
            "layers": 2,
            "batch_first": True,
            "input_shape": [5, 8, 15],
            "h0_shape": [5, 2, 25],
        },
        verdict="refused",
        kind="state",
        code=("transpose(0, 1)",),
        why="x [5, 8, 15], hidden [5, 2, 25] with batch_first=True: the hidden state keeps "
        "(num_layers, batch, hidden) whatever batch_first says (the answer, and the check added in #3925)",
    ),
    RealCase(
        id="vae-decoder-bidirectional-extra-dim",
        source="https://github.com/timbmg/Sentence-VAE/issues/35",
        title="bi-directional gru",
        cls=STATE_WRONG,
        options={
            "input_size": 300,
            "hidden_size": 256,
            "bidirectional": True,
            "batch_first": True,
            "input_shape": [10, 1, 300],
            "h0_shape": [1, 2, 10, 256],
        },
        verdict="refused",
        kind="state",
        code=("h_0.squeeze(0)",),
        why_excludes=("unbatched",),
        why="Expected hidden size (2, 10, 256), got [1, 2, 10, 256]: inference() unsqueezes the already "
        "3-D state (model.py; embedding 300, hidden 256, 10 samples); the fix (PR #45) drops that extra dim, "
        "the input is batched",
    ),
    RealCase(
        id="vae-decoder-two-layers-extra-dim",
        source="https://github.com/timbmg/Sentence-VAE/issues/20",
        title="Maybe a bug in constructing hidden states.",
        cls=STATE_WRONG,
        options={
            "input_size": 300,
            "hidden_size": 256,
            "layers": 2,
            "batch_first": True,
            "input_shape": [10, 1, 300],
            "h0_shape": [1, 2, 10, 256],
        },
        verdict="refused",
        kind="state",
        code=("h_0.squeeze(0)",),
        why_excludes=("unbatched",),
        why="the 2-layer model's inference failed; the fix in the thread unsqueezes only when "
        "num_layers == 1, i.e. no extra leading dim on the (2, 10, 256) state",
    ),
    RealCase(
        id="sentiment-lstm-last-batch-of-4",
        source="https://github.com/udacity/deep-learning-v2-pytorch/pull/398",
        title="Add drop_last to Sentiment_RNN_Solution.ipynb",
        cls=STATE_WRONG,
        options={
            "module": "lstm",
            "input_size": 400,
            "hidden_size": 256,
            "layers": 2,
            "batch_first": True,
            "input_shape": [4, 200, 400],
            "h0_shape": [2, 64, 256],
            "c0_shape": [2, 64, 256],
        },
        verdict="refused",
        kind="state",
        code=("h_0[:, :4]", "c_0[:, :4]"),
        why="Expected hidden[0] size (2, 4, 256), got (2, 64, 256) with batch_size 64 (LSTM(400, 256, "
        "2, batch_first) in the notebook, 200-token reviews): the last batch has 4 rows; the state must "
        "have the batch's 4 rows (the PR drops the short batch)",
    ),
    # --- the module is wrong while the state and the input agree: fix the module -------------------
    RealCase(
        id="seq2seq-decoder-two-layers-one-layer-state",
        source="https://github.com/wasiahmad/context_attentive_ir/issues/10",
        title="SEQ2SEQ with 'nlayers': 2",
        cls=MODULE_WRONG,
        options={
            "module": "lstm",
            "hidden_size": 512,
            "layers": 2,
            "batch_first": True,
            "batch_size": 8,
            "h0_shape": [1, 8, 512],
            "c0_shape": [1, 8, 512],
        },
        verdict="refused",
        kind="module",
        change="--layers 1",
        why="Expected hidden[0] size (2, 8, 512), got (1, 8, 512): the maintainer says the decoder is "
        "meant to have one layer, the default should be 1 (the input's features are not in the thread)",
    ),
    RealCase(
        id="decoder-built-with-hidden-size-1",
        source="https://github.com/IBM/pytorch-seq2seq/pull/184",
        title="Fix hidden size when bidirectional is set to False",
        cls=MODULE_WRONG,
        options={"input_size": 1, "hidden_size": 1, "batch_first": True, "batch_size": 16}
        | {"h0_shape": [1, 16, 256]},
        verdict="refused",
        kind="module",
        change="--hidden-size 256",
        why="`hidden_size * 2 if bidirectional else 1` gave the decoder (and its embedding) a size of 1: "
        "GRU(1, 1, batch_first) fed the encoder's (1, 16, 256) state, Expected hidden size (1, 16, 1), got "
        "(1, 16, 256); the merged fix gives the decoder the encoder's hidden_size. 256 is no other size of "
        "the call, so it is the hidden size the user has elsewhere (the twin of the BiLSTM-CRF case, whose "
        "state's 4 is the module's D × H)",
    ),
    # --- a state that is not bidirectional: no direction sum ----------------------------------------
    RealCase(
        id="decoder-fed-two-layer-concat-state",
        source="https://github.com/IBM/pytorch-seq2seq/issues/101",
        title="dimensionality error on GPU for changed number of encoder layers",
        cls=NOT_BIDIRECTIONAL,
        options={"input_size": 256, "hidden_size": 256, "batch_first": True, "batch_size": 32}
        | {"h0_shape": [2, 32, 256]},
        verdict="refused",
        kind="module",
        change="--layers 2",
        why="Expected hidden size (1, 32, 256), got (2, 32, 256): the 2-layer encoder's state, its "
        "directions already joined into 256 features by DecoderRNN._init_state; the answer: give the "
        "decoder n_layers=2 too",
    ),
    # --- two faults at once -------------------------------------------------------------------------
    RealCase(
        id="lstm-wrong-input-size-and-2d-states",
        source="https://github.com/pytorch/pytorch/issues/5860",
        title="Error feedback when applying LSTM on input of wrong size",
        cls=TWO_FAULTS,
        options={
            "module": "lstm",
            "input_size": 3,
            "hidden_size": 2,
            "batch_first": False,
            "input_shape": [6, 4, 5],
            "h0_shape": [3, 2],
            "c0_shape": [3, 2],
        },
        verdict="refused",
        kind=("module", "shape", "state"),
        code=("(1, 4, 2)",),
        fix_options={"input_size": 5},
        why="LSTM(3, 2), input randn(6, 4, 5), states zeros(3, 2): the thread names the size mismatch; "
        "both the input's 5 features and the states for batch 4 must change, at once",
    ),
    RealCase(
        id="rnn-long-arange-state-of-seq-len",
        source="https://datascience.stackexchange.com/questions/121817/rnn-with-pytorch-i-dont-understand-the-initial-parameters",
        title="RNN with PyTorch - I don't understand the initial parameters",
        cls=TWO_FAULTS,
        options={
            "module": "rnn",
            "input_size": 1,
            "hidden_size": 1,
            "batch_first": False,
            "input_shape": [9, 1],
            "h0_shape": [1, 9],
            "input_dtype": "int64",
        },
        verdict="refused",
        kind=("data", "shape", "state"),
        code=("x.float()", "torch.zeros(1, 1)"),
        why="the asker's second try, hidden zeros(1, 9) for the (9, 1) long input (Expected hidden size "
        "(1, 1, 1), got [1, 1, 9]); the answer: float data and hidden zeros(1, 1), the module stays RNN(1, 1, 1)",
    ),
    RealCase(
        id="rnn-long-arange-batched-state",
        source="https://datascience.stackexchange.com/questions/121817/rnn-with-pytorch-i-dont-understand-the-initial-parameters",
        title="RNN with PyTorch - I don't understand the initial parameters",
        cls=TWO_FAULTS,
        options={
            "module": "rnn",
            "input_size": 1,
            "hidden_size": 1,
            "batch_first": False,
            "input_shape": [9, 1],
            "h0_shape": [1, 1, 9],
            "input_dtype": "int64",
        },
        verdict="refused",
        kind=("data", "shape", "state"),
        code=("x.float()", "torch.zeros(1, 1)"),
        why="the asker's third try, hidden zeros(1, 1, 9) (For unbatched 2-D input, hx should also be 2-D); "
        "the answer: float data and the unbatched hidden zeros(1, 1)",
    ),
    # --- a layout fix that needs the state fixed too ------------------------------------------------
    RealCase(
        id="text-generation-batch-read-as-seq-with-states",
        source="https://github.com/closeheat/pytorch-lstm-text-generation-tutorial/issues/3",
        title="LSTM input tensor and initial state dimensions",
        cls=LAYOUT_AND_STATE,
        options={
            "module": "lstm",
            "input_size": 128,
            "hidden_size": 128,
            "layers": 3,
            "batch_first": False,
            "input_shape": [256, 4, 128],
            "h0_shape": [3, 4, 128],
            "c0_shape": [3, 4, 128],
            "batch_size": 256,
            "seq_len": 4,
        },
        verdict="suspect",
        kind=("layout", "shape", "state"),
        code=("(3, 256, 128)",),
        fix_options={"batch_first": True},
        why="batch 256 of 4-word sequences fed (batch, seq, feature) to a seq-first LSTM(128, 128, 3) "
        "with init_state(sequence_length) = (3, 4, 128): torch runs, confusing seq and batch; the states "
        "must be (num layers, batch size, hidden size) once the input is read batch-first",
    ),
    # --- stated intent ------------------------------------------------------------------------------
    RealCase(
        id="imdb-batch-major-to-seq-first-lstm",
        source="https://github.com/pytorch/pytorch/issues/2674",
        title="Sentiment analysis with LSTM in IMDB dataset",
        cls=INTENT,
        options={
            "module": "lstm",
            "input_size": 125,
            "batch_first": False,
            "input_shape": [64, 150, 125],
            "batch_size": 64,
            "seq_len": 150,
        },
        verdict="suspect",
        kind="layout",
        change="--batch-first",
        fix_options={"batch_first": True},
        why="minibatches of [64, 150] token ids embedded to (64, 150, 125) for nn.LSTM(EMBEDSIZE=125, "
        "NUMHIDDEN) built seq-first, the batch taken as embeds.size(1) = 150: the answer sets "
        "batch_first=True (the maintainer: or transpose the data); NUMHIDDEN is not in the thread and "
        "changes nothing here",
    ),
    RealCase(
        id="mnist-rnn-tutorial-read-as-meant",
        source="https://github.com/yunjey/pytorch-tutorial/issues/195",
        title="RNN input size question",
        cls=INTENT,
        options={
            "module": "lstm",
            "input_size": 28,
            "hidden_size": 128,
            "layers": 2,
            "batch_first": True,
            "input_shape": [100, 28, 28],
            "batch_size": 100,
            "seq_len": 28,
        },
        verdict="accepted",
        kind=None,
        why="images reshaped to (100, 28, 28) = (batch, seq_len, input_size): the answer points at "
        "batch_first=True in the tutorial's LSTM; torch reads it as meant",
    ),
    RealCase(
        id="rnn-basics-batch-first-hidden-read-as-meant",
        source="https://github.com/hunkim/PyTorchZeroToAll/issues/16",
        title="Does `batch_first` really also work on the shape of RNN's hidden vector?",
        cls=INTENT,
        options={
            "module": "rnn",
            "input_size": 4,
            "hidden_size": 2,
            "batch_first": True,
            "input_shape": [3, 5, 4],
            "h0_shape": [1, 3, 2],
            "batch_size": 3,
            "seq_len": 5,
        },
        verdict="accepted",
        kind=None,
        why="3 one-hot words of 5 letters into RNN(4, 2, batch_first=True) with hidden (1, 3, 2): the "
        "maintainer confirms the hidden state is (num_layers * num_directions, batch, hidden_size)",
    ),
    RealCase(
        id="lstm-batch-first-hidden-not-batch-first",
        source="https://github.com/pytorch/pytorch/issues/19675",
        title="LSTM batch_first flag does not produce ouputs with the batch as the first dimension.",
        cls=INTENT,
        options={
            "module": "lstm",
            "input_size": 256,
            "hidden_size": 512,
            "batch_first": True,
            "input_shape": [60, 8, 256],
            "batch_size": 60,
            "seq_len": 8,
        },
        verdict="accepted",
        kind=None,
        why="batch 60, 8 steps into LSTM(256, 512, batch_first=True): not a bug (zou3519), batch_first "
        "concerns input and output only",
    ),
    # --- dtype --------------------------------------------------------------------------------------
    RealCase(
        id="gru-double-embedding",
        source="https://github.com/Rhuax/text-summarization/issues/1",
        title="Input and parameter tensors are not the same dtype, found input tensor with Double and "
        "parameter tensor with Float",
        cls=DTYPE,
        options={
            "input_size": 100,
            "hidden_size": 256,
            "batch_first": False,
            "input_shape": [1, 1, 100],
            "h0_shape": [1, 1, 256],
            "input_dtype": "float64",
        },
        verdict="refused",
        kind="data",
        code=("x.float()",),
        why="GRU(100, 256) (GloVe 100d, hidden_size 256 in train.py) fed a double embedding of shape "
        "(1, 1, 100); the maintainer: cast the input; the reporter fixed it with embedded.float()",
    ),
    RealCase(
        id="rnn-long-arange-unbatched",
        source="https://datascience.stackexchange.com/questions/121817/rnn-with-pytorch-i-dont-understand-the-initial-parameters",
        title="RNN with PyTorch - I don't understand the initial parameters",
        cls=DTYPE,
        options={
            "module": "rnn",
            "input_size": 1,
            "hidden_size": 1,
            "batch_first": False,
            "input_shape": [9, 1],
            "h0_shape": [1, 1],
            "input_dtype": "int64",
        },
        verdict="refused",
        kind="data",
        code=("x.float()",),
        why="torch.arange(1, 10).reshape(9, 1) into RNN(1, 1, 1) with hidden zeros(1, 1): the answer "
        "makes the data float (arange(1, 10).float()) and keeps the unbatched (1, 1) state",
    ),
    # --- cells --------------------------------------------------------------------------------------
    RealCase(
        id="grucell-hidden-batch-one",
        source="https://github.com/pytorch/pytorch/issues/3789",
        title="broadcasting behaves differently on CPU and GPU",
        cls=CELL,
        options={
            "module": "grucell",
            "input_size": 10,
            "hidden_size": 20,
            "input_shape": [3, 10],
            "h0_shape": [1, 20],
        },
        verdict="refused",
        kind=("shape", "state"),
        code=("3, 20",),
        why="GRUCell(10, 20), input (3, 10), h0 (1, 20) '# this should be (3, 20)'; the fix (#4074) "
        "stops cells from broadcasting the state",
    ),
    RealCase(
        id="rnncell-hidden-batch-one",
        source="https://github.com/pytorch/pytorch/issues/3789",
        title="broadcasting behaves differently on CPU and GPU",
        cls=CELL,
        options={
            "module": "rnncell",
            "input_size": 10,
            "hidden_size": 20,
            "input_shape": [3, 10],
            "h0_shape": [1, 20],
        },
        verdict="refused",
        kind=("shape", "state"),
        code=("3, 20",),
        why="RNNCell(10, 20) in the same report: the state must have the input's 3 rows",
    ),
    # --- LSTM state given as a tensor ---------------------------------------------------------------
    RealCase(
        id="lstmcell-hidden-without-cell",
        source="https://github.com/salesforce/awd-lstm-lm/issues/95",
        title="Input batch size doesn't match hidden batch size",
        cls=HX_TENSOR,
        options={
            "module": "lstmcell",
            "input_size": 256,
            "hidden_size": 512,
            "hx_form": "tensor",
            "input_shape": [1, 256],
            "h0_shape": [1, 512],
        },
        verdict="refused",
        kind="call",
        code=("hx = (h_0, torch.zeros(1, 512))",),
        why="LSTMCell(256, 512) given h alone: the reporter, after the answer, passes the (h, c) pair "
        "(an LSTMCell does not start from zeros when given one tensor)",
    ),
    RealCase(
        id="lstm-hidden-without-cell",
        source="https://github.com/pytorch/pytorch/issues/45437",
        title="passing hidden state to an LSTM removes the first dimension and causes an error",
        cls=HX_TENSOR,
        options={
            "module": "lstm",
            "input_size": 1,
            "hidden_size": 10,
            "batch_first": True,
            "hx_form": "tensor",
            "input_shape": [2, 10, 1],
            "h0_shape": [1, 2, 10],
        },
        verdict="refused",
        kind="call",
        code=("hx = (h_0, torch.zeros(1, 2, 10))",),
        why="LSTM(1, 10, batch_first) called with hidden zeros(1, 2, 10) alone: an LSTM's state is the "
        "tuple (h_0, c_0)",
    ),
    # --- a bidirectional encoder's state to a decoder -----------------------------------------------
    RealCase(
        id="bidirectional-four-layer-encoder-summed-for-decoder",
        source="https://github.com/bentrevett/pytorch-seq2seq/issues/115",
        title="Regarding Concatenation of Hidden Encoder State",
        cls=BIDIR_DECODER,
        options={
            "module": "lstm",
            "input_size": 256,
            "hidden_size": 512,
            "layers": 4,
            "batch_first": False,
            "input_shape": [1, 128, 256],
            "h0_shape": [8, 128, 512],
            "c0_shape": [8, 128, 512],
            "encoder_bidirectional": True,
        },
        verdict="refused",
        kind="state",
        code=("h_0.view(4, 2, 128, 512).sum(1)", "c_0.view(4, 2, 128, 512).sum(1)"),
        why="tutorial 1's seq2seq (DEC_EMB_DIM 256, HID_DIM 512, BATCH_SIZE 128, one token per step) with a "
        "bidirectional 4-layer LSTM encoder and a 4-layer decoder: the maintainer confirms summing forward "
        "and backward for each layer; the user says the states are a bidirectional encoder's (the twin of "
        "IBM/pytorch-seq2seq#101, where nothing says so and the decoder takes the layers)",
    ),
    # --- packed sequences ---------------------------------------------------------------------------
    RealCase(
        id="packed-batch-first-pad-packed",
        source="https://github.com/pytorch/pytorch/issues/1176",
        title="RNN sequence padding with batch_first",
        cls=PACKED,
        options={
            "module": "lstm",
            "input_size": 30,
            "hidden_size": 50,
            "batch_first": True,
            "lengths": [20, 19, 18, 17, 16, 15, 14, 13, 12, 11],
            "input_shape": [10, 20, 30],
            "h0_shape": [1, 10, 50],
            "c0_shape": [1, 10, 50],
        },
        verdict="accepted",
        kind=None,
        notes=("pad_packed_sequence",),
        why="x (10, 20, 30) packed batch_first with lengths 20..11 into LSTM(30, 50, batch_first): "
        "apaszke: pad_packed_sequence(packed_h, batch_first=True), it takes its own batch_first",
    ),
    # --- layout -------------------------------------------------------------------------------------
    RealCase(
        id="bilstm-batch-first-missing",
        source="https://programmerah.com/runtimeerror-expected-hidden0-size-x-x-x-gotx-x-x-39265/",
        title="RuntimeError: Expected hidden[0] size (x, x, x), got(x, x, x)",
        cls=LAYOUT,
        options={
            "module": "lstm",
            "input_size": 300,
            "hidden_size": 100,
            "layers": 2,
            "bidirectional": True,
            "batch_first": False,
            "input_shape": [4, 10, 300],
            "h0_shape": [4, 4, 100],
            "c0_shape": [4, 4, 100],
        },
        verdict="refused",
        kind="layout",
        change="--batch-first",
        why="2-layer BiLSTM(300, 100), batch 4 of 10 steps, h0/c0 (4, 4, 100): the error expects "
        "(4, 10, 100); the missing parameter was batch_first",
    ),
    # --- accepted as written ------------------------------------------------------------------------
    RealCase(
        id="seq2seq-tutorial-encoder-input-size-is-hidden-size",
        source="https://github.com/pytorch/tutorials/issues/542",
        title="seq2seq with attention GRU inputs",
        cls=ACCEPTED,
        options={
            "input_size": 256,
            "hidden_size": 256,
            "batch_first": False,
            "input_shape": [1, 1, 256],
            "h0_shape": [1, 1, 256],
        },
        verdict="accepted",
        kind=None,
        why="the tutorial's EncoderRNN: GRU(hidden_size, hidden_size) fed embedded.view(1, 1, -1) and a "
        "(1, 1, 256) hidden; the answer: the embedding's output is hidden_size (256), so it is the input size",
    ),
]
