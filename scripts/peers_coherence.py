#!/usr/bin/env python3
"""Mean NPMI and topic diversity of peer topic models on zhuti's own tokens.

    cargo run --release --example export_tokens -- CORPUS [--unit document] > tokens.txt
    pip install tomotopy scikit-learn
    python3 scripts/peers_coherence.py tokens.txt K

tomotopy LDA (1000 iterations) and scikit-learn NMF (TF-IDF, nndsvd) with the same k on the same
tokens, each topic's top 10 terms scored as zhuti scores its themes (src/eval/coherence.rs):
NPMI over unit co-occurrence (each line one window), epsilon 1e-12, mean over pairs and topics;
topic diversity of the top 10 and 25 terms.
"""
import math
import sys
from itertools import combinations

EPS = 1e-12


def npmi_mean(topics, docs):
    sets = [set(d) for d in docs]
    n = len(sets)
    df = {}
    for s in sets:
        for w in s:
            df[w] = df.get(w, 0) + 1
    scores = []
    for topic in topics:
        top = topic[:10]
        vals = []
        for a, b in combinations(top, 2):
            na, nb = df.get(a, 0), df.get(b, 0)
            if na == 0 or nb == 0:
                vals.append(0.0)
                continue
            nab = sum(1 for s in sets if a in s and b in s)
            pab = nab / n
            vals.append(math.log((pab + EPS) / (na / n * nb / n)) / -math.log(pab + EPS))
        scores.append(sum(vals) / len(vals) if vals else 0.0)
    return sum(scores) / len(scores)


def diversity(topics, n):
    taken = [w for t in topics for w in t[:n]]
    return len(set(taken)) / len(taken)


def main():
    path, k = sys.argv[1], int(sys.argv[2])
    docs = [line.split() for line in open(path, encoding="utf-8")]
    docs = [d for d in docs if d]

    import tomotopy as tp
    lda = tp.LDAModel(k=k, seed=42)
    for d in docs:
        lda.add_doc(d)
    lda.train(1000, workers=1)
    lda_topics = [[w for w, _ in lda.get_topic_words(t, top_n=25)] for t in range(k)]

    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True)
    x = vec.fit_transform(docs)
    nmf = NMF(n_components=k, init="nndsvd", random_state=42, max_iter=400).fit(x)
    names = vec.get_feature_names_out()
    nmf_topics = [[names[i] for i in row.argsort()[::-1][:25]] for row in nmf.components_]

    for name, topics in (("tomotopy LDA", lda_topics), ("sklearn NMF", nmf_topics)):
        print(f"{name:14} k={k} mean NPMI {npmi_mean(topics, docs):.4f} "
              f"diversity@10 {diversity(topics, 10):.4f} @25 {diversity(topics, 25):.4f}")


if __name__ == "__main__":
    main()
