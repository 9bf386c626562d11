#!/usr/bin/env python3
"""A topicbench external classifier using only the Python standard library.

Speaks the JSON Lines protocol (see README, "External classifiers"): for each request line on
stdin, fits a one-vs-rest multinomial naive Bayes (alpha 1) on the fold's training paragraphs
and writes one response line with topics and scores. Tokens follow scikit-learn's default
pattern, so its predictions match the built-in baseline's.

    cargo run --release -- eval --classifier-cmd pynb='python3 examples/external_nb.py'
"""
import json
import math
import re
import sys
from collections import Counter

TOKEN = re.compile(r"(?u)\b\w\w+\b")


def tokens(text):
    return TOKEN.findall(text.lower())


def fit_predict(req):
    topics = req["topics"]
    train = [(Counter(tokens(d["text"])), set(d["topics"])) for d in req["train"]]
    vocab = sorted({w for counts, _ in train for w in counts})
    n = len(train)
    models = {}
    for t in topics:
        yes = Counter()
        no = Counter()
        n_yes = 0
        for counts, labels in train:
            if t in labels:
                yes.update(counts)
                n_yes += 1
            else:
                no.update(counts)
        models[t] = (n_yes, yes, no)
    out = []
    for d in req["test"]:
        counts = Counter(w for w in tokens(d["text"]) if w in set_vocab(vocab))
        scores, chosen = {}, []
        for t, (n_yes, yes, no) in models.items():
            if n_yes in (0, n):  # one class only: a constant answer
                p = 1.0 if n_yes == n else 0.0
            else:
                jll = []
                for k, cls in ((n - n_yes, no), (n_yes, yes)):
                    total = sum(cls.values()) + len(vocab)
                    jll.append(math.log(k / n) + sum(c * (math.log(cls[w] + 1) - math.log(total)) for w, c in counts.items()))
                p = 1.0 / (1.0 + math.exp(min(700.0, jll[0] - jll[1])))
            scores[t] = p
            if p > 0.5:
                chosen.append(t)
        out.append({"id": d["id"], "topics": chosen, "scores": scores})
    return {"fold": req["fold"], "predictions": out}


_VOCAB_CACHE = {}


def set_vocab(vocab):
    key = id(vocab)
    if key not in _VOCAB_CACHE:
        _VOCAB_CACHE.clear()
        _VOCAB_CACHE[key] = set(vocab)
    return _VOCAB_CACHE[key]


def main():
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(fit_predict(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
