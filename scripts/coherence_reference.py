#!/usr/bin/env python3
"""Reference NPMI numbers for src/eval/coherence.rs (test `matches_gensim_c_npmi`).

gensim's CoherenceModel(coherence="c_npmi") on a fixed tiny corpus, with a sliding window as
long as the longest document, so each document is one window: boolean document co-occurrence,
as zhuti measures it. Run: pip install gensim && python3 scripts/coherence_reference.py
"""
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel

DOCS = [
    "芯片 算力 芯片 出口",
    "芯片 算力 禁令",
    "算力 数据 中心",
    "数据 隐私 备案",
    "备案 监管 数据",
    "监管 备案 隐私 芯片",
]
TOPICS = [["芯片", "算力", "出口"], ["备案", "监管", "隐私"], ["数据", "芯片", "监管"]]

texts = [d.split(" ") for d in DOCS]
dictionary = Dictionary(texts)
window = max(len(t) for t in texts)
cm = CoherenceModel(topics=TOPICS, texts=texts, dictionary=dictionary,
                    coherence="c_npmi", window_size=window, topn=3)
per_topic = cm.get_coherence_per_topic()
print("window_size", window)
print("GENSIM_PER_TOPIC", [float(x) for x in per_topic])
print("GENSIM_MEAN", float(cm.get_coherence()))
