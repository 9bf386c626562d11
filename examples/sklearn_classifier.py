#!/usr/bin/env python3
"""A topicbench external classifier with scikit-learn: TF-IDF + one-vs-rest logistic regression.

    python3 -m pip install scikit-learn
    cargo run --release -- eval --classifier-cmd sk_logreg='python3 examples/sklearn_classifier.py'

Each request line on stdin is one fold; each response line on stdout answers it (see README,
"External classifiers"). A topic with no positive (or no negative) training paragraph gets a
constant answer, since logistic regression needs both classes.
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
    for k, t in enumerate(topics):
        y = np.array([t in d["topics"] for d in req["train"]])
        if y.all() or not y.any():
            scores[:, k] = float(y.all())
            continue
        model = LogisticRegression(C=10.0, max_iter=1000, random_state=req.get("seed", 0) % 2**32)
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
