#!/usr/bin/env python3
"""A topicbench external classifier using only the Python standard library.

Speaks the JSON Lines protocol (see README, "External classifiers"): for each request line on
stdin, fits multinomial naive Bayes (alpha 1) on the fold's training paragraphs and writes one
response line with topics and scores. Like the built-in baseline, it fits one multi-class model
when the request says `single_label` (one topic per paragraph: the highest score, ties to the
earlier topic) and one yes/no model per topic otherwise. Tokens follow scikit-learn's default
pattern, so its predictions match the baseline's.

    cargo run --release -- eval --classifier-cmd pynb='python3 examples/external_nb.py'
"""
import json
import math
import re
import sys
from collections import Counter
from operator import itemgetter, mul

TOKEN = re.compile(r"(?u)\b\w\w+\b")


def tokens(text):
    return TOKEN.findall(text.lower())


def fit(classes, n_docs, vocab_size):
    """Per class (paragraph count, word counts): ln prior, {word: ln P(w|c)}, ln P(unseen w|c)."""
    out = []
    for n_c, counts in classes:
        ln_total = math.log(sum(counts.values()) + vocab_size)
        flp = {w: math.log(c + 1) - ln_total for w, c in counts.items()}
        out.append((math.log(n_c / n_docs), flp, -ln_total))
    return out


def jll(model, counts):
    prior, flp, unseen = model
    return prior + sum(c * flp.get(w, unseen) for w, c in counts.items())


def fit_predict(req):
    topics = req["topics"]
    train = [(Counter(tokens(d["text"])), d["topics"]) for d in req["train"]]
    vocab = set()
    for counts, _ in train:
        vocab.update(counts)
    n = len(train)
    test = [Counter(w for w in tokens(d["text"]) if w in vocab) for d in req["test"]]
    if req.get("single_label"):
        # One multi-class model over the topics present in the fold.
        per_topic = {t: [0, Counter()] for t in topics}
        for counts, labels in train:
            per_topic[labels[0]][0] += 1
            per_topic[labels[0]][1].update(counts)
        present = [t for t in topics if per_topic[t][0] > 0]
        models = fit([per_topic[t] for t in present], n, len(vocab))
        # Per class, ln P(w|c) of every vocabulary word in a list, read for a paragraph's words
        # at once by itemgetter (in C), not one dictionary lookup per word and class.
        words = sorted(vocab)
        column = {w: i for i, w in enumerate(words)}
        tables = [[flp.get(w, unseen) for w in words] for _, flp, unseen in models]
        priors = [prior for prior, _, _ in models]
        out = []
        for d, counts in zip(req["test"], test):
            cnts = list(counts.values())
            if cnts:
                pick = itemgetter(*(column[w] for w in counts), -1)  # -1: always a tuple
                values = [p + sum(map(mul, cnts, pick(tb))) for p, tb in zip(priors, tables)]
            else:
                values = list(priors)
            top = max(values)
            weights = [math.exp(v - top) for v in values]
            total = sum(weights)
            best = values.index(top)  # the first maximum: ties to the earlier topic
            scores = {t: 0.0 for t in topics}
            scores.update({t: w / total for t, w in zip(present, weights)})
            out.append({"id": d["id"], "topics": [present[best]], "scores": scores})
        return {"fold": req["fold"], "predictions": out}
    models = {}
    for t in topics:
        yes, no, n_yes = Counter(), Counter(), 0
        for counts, labels in train:
            if t in labels:
                yes.update(counts)
                n_yes += 1
            else:
                no.update(counts)
        if n_yes in (0, n):  # one class only: a constant answer
            models[t] = float(n_yes == n)
        else:
            models[t] = fit([(n - n_yes, no), (n_yes, yes)], n, len(vocab))
    out = []
    for d, counts in zip(req["test"], test):
        scores, chosen = {}, []
        for t, m in models.items():
            if isinstance(m, float):
                p = m
            else:
                no_jll, yes_jll = jll(m[0], counts), jll(m[1], counts)
                p = 1.0 / (1.0 + math.exp(min(700.0, no_jll - yes_jll)))
            scores[t] = p
            if p > 0.5:
                chosen.append(t)
        out.append({"id": d["id"], "topics": chosen, "scores": scores})
    return {"fold": req["fold"], "predictions": out}


def main():
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(fit_predict(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
