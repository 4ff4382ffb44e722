"""The scikit-learn reference pipeline that scripts/compare-sklearn.sh times against zhuti.

jieba segmentation -> TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5)
-> TruncatedSVD(100) -> L2 normalise -> KMeans(k, n_init=10). One unit per article
(like `zhuti --unit document`). Prints the cluster sizes, so the run cannot be optimised away.

usage: python sklearn_pipeline.py FILE.jsonl[.gz] [K]
"""
import gzip
import json
import sys

import jieba
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


def main():
    path = sys.argv[1]
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    jieba.setLogLevel(60)
    docs = [" ".join(jieba.cut(t)) for t in texts]
    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5).fit_transform(docs)
    lsa = normalize(TruncatedSVD(100, random_state=42).fit_transform(tfidf))
    labels = KMeans(k, n_init=10, random_state=42).fit_predict(lsa)
    sizes = sorted((int((labels == c).sum()) for c in range(k)), reverse=True)
    print(len(texts), "units; cluster sizes:", sizes)


if __name__ == "__main__":
    main()
