#!/usr/bin/env python3
"""The scikit-learn equivalent of `topicbench eval --corpus FILE --split test --classifiers
multinomial_nb` on a single-label corpus: load the CSV, CountVectorizer (defaults), MultinomialNB
(alpha 1.0) on the train rows, predict the test rows, print the accuracy. Timed from process
start (imports included) by the caller, as a user runs it.

Usage: sklearn_baseline.py CORPUS.csv
"""
import csv
import sys

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB


def main(path):
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    vec = CountVectorizer()
    x_train = vec.fit_transform([r["text"] for r in train])
    x_test = vec.transform([r["text"] for r in test])
    model = MultinomialNB(alpha=1.0).fit(x_train, [r["labels"] for r in train])
    pred = model.predict(x_test)
    correct = sum(p == r["labels"] for p, r in zip(pred, test))
    print(f"accuracy {correct / len(test):.6f} ({correct}/{len(test)} test documents)")


if __name__ == "__main__":
    main(sys.argv[1])
