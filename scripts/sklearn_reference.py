#!/usr/bin/env python3
"""The scikit-learn pipeline a user would reach for, scored like `zhuti eval`.

jieba (precise mode) + TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5)
+ TruncatedSVD(100) + L2 normalisation + KMeans(n_init=10), one run per seed, scored
against the gold `label` of every JSON Lines record with NMI (arithmetic) and ARI.

Setup (once, from the repository root):
    python3 -m venv target/pyref && target/pyref/bin/pip install scikit-learn jieba
Run:
    target/pyref/bin/python scripts/sklearn_reference.py ../shared/data/thucnews-dev.jsonl --k 10
    target/pyref/bin/python scripts/sklearn_reference.py ../shared/data/fudan20.jsonl.gz --k 20
Prints one line per seed and the mean/min/max; `--json` prints the same as JSON.
"""
import argparse
import gzip
import json
import logging
import statistics
import sys

import jieba
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    texts, labels = [], []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                texts.append(record["text"])
                labels.append(record["label"])
    return texts, labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file")
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--dims", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)

    texts, labels = read(args.file)
    tokenised = [" ".join(jieba.lcut(t)) for t in texts]
    # Default token pattern: words of two or more word characters (drops punctuation, 的, 了).
    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5).fit_transform(tokenised)

    runs = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        lsa = make_pipeline(TruncatedSVD(args.dims, random_state=seed), Normalizer(copy=False))
        x = lsa.fit_transform(tfidf)
        pred = KMeans(args.k, n_init=10, random_state=seed).fit_predict(x)
        runs.append(
            {
                "seed": seed,
                "nmi": normalized_mutual_info_score(labels, pred),
                "ari": adjusted_rand_score(labels, pred),
            }
        )

    summary = {"file": args.file, "n": len(labels), "k": args.k, "runs": runs}
    for stat, fn in (("mean", statistics.mean), ("min", min), ("max", max)):
        summary[stat] = {m: fn(r[m] for r in runs) for m in ("nmi", "ari")}
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        print()
        return
    print(f"{args.file}: n={len(labels)} k={args.k} (scikit-learn reference)")
    for r in runs:
        print(f"  seed {r['seed']}: nmi {r['nmi']:.4f}  ari {r['ari']:.4f}")
    for stat in ("mean", "min", "max"):
        print(f"  {stat:<7} nmi {summary[stat]['nmi']:.4f}  ari {summary[stat]['ari']:.4f}")


if __name__ == "__main__":
    main()
