#!/usr/bin/env python3
"""BERTopic + k-means on SVD vectors, the peer issue 20 names, on zhuti's own tokens.

    cargo build --release --example export_tokens
    target/release/examples/export_tokens CORPUS --unit document --labels labels.txt > tokens.txt
    python3 -m venv target/bt && target/bt/bin/pip install umap-learn scikit-learn pandas tqdm \
        pyyaml packaging && target/bt/bin/pip install --no-deps bertopic
    target/bt/bin/python scripts/bertopic_reference.py tokens.txt labels.txt K [--seeds 0,1,2,3,4]

Each line of tokens.txt is one article's terms (jieba's cut after zhuti's stop words and df
pruning), labels.txt its gold label. The embeddings are TF-IDF (sublinear, min_df 2, max_df 0.5)
reduced by TruncatedSVD(100) and L2-normalised, as the issue measured; BERTopic reduces them with
its default UMAP (15 neighbours, 5 components, min_dist 0, cosine; seeded) and clusters with
KMeans(K) in place of HDBSCAN. bertopic is installed without its dependencies: with
precomputed embeddings it never loads sentence-transformers (or torch). Prints NMI and ARI per
seed, their mean and min, and the seconds each fit took.
"""
import argparse
import time

import numpy as np
from bertopic import BERTopic
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize
from umap import UMAP


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tokens")
    ap.add_argument("labels")
    ap.add_argument("k", type=int)
    ap.add_argument("--seeds", default="0,1,2,3,4")
    args = ap.parse_args()
    docs = open(args.tokens, encoding="utf-8").read().split("\n")
    labels = open(args.labels, encoding="utf-8").read().split("\n")
    docs, labels = docs[: len(labels)], labels
    while labels and labels[-1] == "":
        labels.pop()
    docs = docs[: len(labels)]
    split = str.split
    tfidf = TfidfVectorizer(
        tokenizer=split, token_pattern=None, lowercase=False, sublinear_tf=True, min_df=2, max_df=0.5
    ).fit_transform(docs)
    nmis, aris = [], []
    for seed in [int(s) for s in args.seeds.split(",")]:
        start = time.time()
        svd = TruncatedSVD(100, random_state=seed).fit_transform(tfidf)
        emb = normalize(svd)
        model = BERTopic(
            umap_model=UMAP(
                n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
            ),
            hdbscan_model=KMeans(n_clusters=args.k, random_state=seed, n_init=10),
            vectorizer_model=CountVectorizer(tokenizer=split, token_pattern=None, lowercase=False),
            calculate_probabilities=False,
        )
        topics, _ = model.fit_transform(docs, embeddings=emb)
        nmi = normalized_mutual_info_score(labels, topics)
        ari = adjusted_rand_score(labels, topics)
        nmis.append(nmi)
        aris.append(ari)
        print(f"seed {seed}: NMI {nmi:.4f} ARI {ari:.4f} ({time.time() - start:.1f} s)", flush=True)
    print(
        f"mean NMI {np.mean(nmis):.4f} (min {np.min(nmis):.4f}), mean ARI {np.mean(aris):.4f}; "
        f"{len(docs)} articles, k {args.k}"
    )


if __name__ == "__main__":
    main()
