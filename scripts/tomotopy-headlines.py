#!/usr/bin/env python3
"""tomotopy LDA on zhuti's own tokens of a labelled corpus: NMI against the gold labels and
wall time, per seed.

    cargo build --release --example export_tokens
    target/release/examples/export_tokens ../shared/data/thucnews-titles-dev.jsonl \
        --unit document --labels labels.txt > tokens.txt
    pip install tomotopy scikit-learn
    python3 scripts/tomotopy-headlines.py tokens.txt labels.txt [--k 10] [--seeds 0,1,2,3,4]
        [--iterations 1000] [--workers 1] [--model lda|pt]

Each unit is one line of tokens (zhuti's jieba cut after stop words and df pruning, the rows
zhuti clusters), each theme the unit's most probable topic; NMI is scikit-learn's
`normalized_mutual_info_score` (arithmetic, as `zhuti eval`). Time is the fit alone (adding
the documents and training), not reading the file or importing tomotopy.
"""
import argparse
import statistics
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tokens")
    p.add_argument("labels")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--seeds", default="0,1,2,3,4")
    p.add_argument("--iterations", type=int, default=1000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--model", choices=["lda", "pt"], default="lda")
    a = p.parse_args()

    import tomotopy as tp
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    docs = [line.split() for line in open(a.tokens, encoding="utf-8")]
    labels = [line.rstrip("\n") for line in open(a.labels, encoding="utf-8")]
    assert len(docs) == len(labels), "one label per unit"
    keep = [i for i, d in enumerate(docs) if d]
    docs = [docs[i] for i in keep]
    labels = [labels[i] for i in keep]
    nmis, aris, times = [], [], []
    for seed in [int(s) for s in a.seeds.split(",")]:
        start = time.perf_counter()
        if a.model == "lda":
            model = tp.LDAModel(k=a.k, seed=seed)
        else:
            model = tp.PTModel(k=a.k, p=len(docs) // 10, seed=seed)
        for d in docs:
            model.add_doc(d)
        model.train(a.iterations, workers=a.workers)
        pred = [max(range(a.k), key=doc.get_topic_dist().__getitem__) for doc in model.docs]
        elapsed = time.perf_counter() - start
        nmi = normalized_mutual_info_score(labels, pred)
        ari = adjusted_rand_score(labels, pred)
        nmis.append(nmi)
        aris.append(ari)
        times.append(elapsed)
        print(f"tomotopy {a.model} k={a.k} seed={seed} NMI {nmi:.4f} ARI {ari:.4f} "
              f"time {elapsed:.2f} s", flush=True)
    print(f"tomotopy {a.model} k={a.k} {len(docs)} units, {a.iterations} iterations, "
          f"{a.workers} worker(s): NMI mean {statistics.mean(nmis):.4f} min {min(nmis):.4f}, "
          f"ARI mean {statistics.mean(aris):.4f}, time mean {statistics.mean(times):.2f} s "
          f"(total {sum(times):.1f} s), tomotopy {tp.__version__}")


if __name__ == "__main__":
    main()
