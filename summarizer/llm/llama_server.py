"""The embedded model's server: llama-cpp-python's own, with greedy sampling under a grammar made cheap.

Run as ``python -m summarizer.llm.llama_server ARGS`` with the arguments of ``python -m
llama_cpp.server``; :mod:`summarizer.llm.local` starts it. The one change: llama-cpp-python builds
its sampler chain as penalties -> grammar -> greedy, so at every generated token the grammar is run
over all 151,936 candidates of the vocabulary, about 20 ms a token on 2 cores (a third of the time
spent writing). At temperature 0 the reply is, at each step, the highest-scoring token the grammar
accepts. So the grammar is first asked about the highest-scoring token alone; only when it refuses
is it run over every candidate (what llama.cpp's own ``common_sampler`` does). The tokens chosen
are the same, so the replies are the same; ``tests/test_llama_server.py`` checks both on the model.

Anything else (a temperature above 0, logits processors) goes through llama-cpp-python unchanged.
"""

from __future__ import annotations

import ctypes
import math
import sys
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals
from llama_cpp.llama import Llama

_TOKEN_DATA = ctypes.sizeof(llama_cpp.llama_token_data)  # id (int32), logit (float), p (float)


class BestFirstGrammar:
    """A llama.cpp sampler (ctypes interface) that applies a grammar to the best candidate first."""

    def __init__(self, model: Any, grammar: Any):
        self.grammar = llama_cpp.llama_sampler_init_grammar(
            model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8"))
        if not self.grammar:
            raise ValueError("llama.cpp could not build the grammar")
        self.full_passes = 0  # tokens for which the best candidate was refused (for tests)
        self._one = llama_cpp.llama_token_data()
        self._one_array = llama_cpp.llama_token_data_array(
            data=ctypes.pointer(self._one), size=1, selected=-1, sorted=False)
        iface = llama_cpp.llama_sampler_i()
        # the callbacks must stay referenced as long as llama.cpp may call them
        self._callbacks = (
            llama_cpp.llama_sampler_i_name(lambda smpl: b"best-first-grammar"),
            llama_cpp.llama_sampler_i_accept(lambda smpl, token: llama_cpp.llama_sampler_accept(self.grammar, token)),
            llama_cpp.llama_sampler_i_apply(lambda smpl, cur_p: self._apply(cur_p)),
            llama_cpp.llama_sampler_i_reset(lambda smpl: llama_cpp.llama_sampler_reset(self.grammar)),
        )
        iface.name, iface.accept, iface.apply, iface.reset = self._callbacks
        self._iface = iface
        self.sampler = llama_cpp.llama_sampler(iface=ctypes.pointer(iface), ctx=None)

    def _apply(self, cur_p) -> None:
        array = cur_p.contents
        size = int(array.size)
        address = ctypes.cast(array.data, ctypes.c_void_p).value
        rows = np.frombuffer((ctypes.c_char * (size * _TOKEN_DATA)).from_address(address), dtype=np.float32)
        best = int(np.argmax(rows.reshape(size, 3)[:, 1]))  # column 1 is the logit
        self._one.id, self._one.logit, self._one.p = array.data[best].id, array.data[best].logit, array.data[best].p
        self._one_array.size, self._one_array.selected, self._one_array.sorted = 1, -1, False
        llama_cpp.llama_sampler_apply(self.grammar, ctypes.byref(self._one_array))
        if not math.isinf(self._one.logit):
            return  # greedy picks it: the best candidate, and the grammar accepts it
        self.full_passes += 1
        llama_cpp.llama_sampler_apply(self.grammar, cur_p)

    def close(self) -> None:
        if self.grammar:
            llama_cpp.llama_sampler_free(self.grammar)
            self.grammar = None


def greedy_grammar_chain(llama: Llama, grammar: Any, repeat_penalty: float, frequency_penalty: float,
                         presence_penalty: float) -> _internals.LlamaSampler:
    """penalties -> best-first grammar -> greedy: llama-cpp-python's chain for temperature 0."""
    chain = _internals.LlamaSampler()
    chain.add_penalties(n_vocab=llama._n_vocab, penalty_last_n=llama.last_n_tokens_size,
                        penalty_repeat=repeat_penalty, penalty_freq=frequency_penalty,
                        penalty_present=presence_penalty)
    best_first = BestFirstGrammar(llama._model, grammar)
    llama_cpp.llama_sampler_chain_add(chain.sampler, ctypes.pointer(best_first.sampler))
    # the chain must not free a sampler it does not own: LlamaSampler removes these before freeing
    chain.custom_samplers.append((llama_cpp.llama_sampler_chain_n(chain.sampler) - 1, best_first))
    chain._exit_stack.callback(best_first.close)
    chain.add_greedy()
    return chain


_original_init_sampler = Llama._init_sampler


def _init_sampler(self: Llama, *args: Any, **kwargs: Any):
    grammar, temp = kwargs.get("grammar"), kwargs.get("temp", 0.8)
    if args or grammar is None or temp != 0.0 or kwargs.get("logits_processor") is not None \
            or kwargs.get("mirostat_mode", 0):
        return _original_init_sampler(self, *args, **kwargs)
    return greedy_grammar_chain(self, grammar, kwargs.get("repeat_penalty", 1.0),
                                kwargs.get("frequency_penalty", 0.0), kwargs.get("presence_penalty", 0.0))


def install() -> None:
    Llama._init_sampler = _init_sampler


def main() -> None:
    install()
    import runpy

    sys.argv[0] = "llama_cpp.server"
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
