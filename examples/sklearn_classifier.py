#!/usr/bin/env python3
"""A topicbench external classifier with scikit-learn: TF-IDF + logistic regression.

    python3 -m pip install scikit-learn
    cargo run --release -- eval --classifier-cmd sk_logreg='python3 examples/sklearn_classifier.py'

Each request line on stdin is one fold; each response line on stdout answers it (see README,
"External classifiers"). When the request says `single_label` (every paragraph has exactly one
topic), one multinomial model is fitted and each paragraph gets exactly one topic, the most
probable; otherwise one yes/no model per topic, and a topic with no positive (or no negative)
training paragraph gets a constant answer, since logistic regression needs both classes.
"""
import json
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def fit_predict(req):
    topics = req["topics"]
    vec = TfidfVectorizer()
    x_train = vec.fit_transform([d["text"] for d in req["train"]])
    x_test = vec.transform([d["text"] for d in req["test"]])
    scores = np.zeros((len(req["test"]), len(topics)))
    seed = req.get("seed", 0) % 2**32
    if req.get("single_label"):
        y = [d["topics"][0] for d in req["train"]]
        if len(set(y)) == 1:
            chosen = np.full(len(req["test"]), topics.index(y[0]))
            scores[:, chosen[0]] = 1.0
        else:
            model = LogisticRegression(C=10.0, max_iter=1000, random_state=seed).fit(x_train, y)
            columns = [topics.index(c) for c in model.classes_]
            scores[:, columns] = model.predict_proba(x_test)
            # The most probable topic; ties to the earlier topic in `topics`.
            chosen = scores.argmax(axis=1)
        predictions = [
            {
                "id": d["id"],
                "topics": [topics[chosen[i]]],
                "scores": {t: float(min(1.0, scores[i, k])) for k, t in enumerate(topics)},
            }
            for i, d in enumerate(req["test"])
        ]
        return {"fold": req["fold"], "predictions": predictions}
    for k, t in enumerate(topics):
        y = np.array([t in d["topics"] for d in req["train"]])
        if y.all() or not y.any():
            scores[:, k] = float(y.all())
            continue
        model = LogisticRegression(C=10.0, max_iter=1000, random_state=seed)
        scores[:, k] = model.fit(x_train, y).predict_proba(x_test)[:, 1]
    predictions = [
        {
            "id": d["id"],
            "topics": [t for k, t in enumerate(topics) if scores[i, k] > 0.5],
            "scores": {t: float(scores[i, k]) for k, t in enumerate(topics)},
        }
        for i, d in enumerate(req["test"])
    ]
    return {"fold": req["fold"], "predictions": predictions}


for line in sys.stdin:
    if line.strip():
        print(json.dumps(fit_predict(json.loads(line))), flush=True)
