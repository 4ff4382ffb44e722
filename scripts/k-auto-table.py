#!/usr/bin/env python3
"""How `--k auto` does across corpora: labelled subsamples with known class counts.

    cargo build --release
    python3 scripts/k-auto-table.py [--data ../shared/data] [--out target/k-auto] [--only NAME,...]
        [--skip-full-fudan] [--zhuti target/release/zhuti] [-- EXTRA zhuti eval FLAGS]

Builds deterministic subsamples (Python's `random.Random(SEED)`, fixed per row; the classes
are drawn among those with enough articles, then that many articles of each, in file order),
runs `zhuti eval FILE --k auto --format json -q --no-outliers` and `--k TRUE` on each, and
prints a Markdown table: true classes, the k picked, whether it is within ±20% of the class
count, `stands_out`, the pick's restart agreement, the ks within two standard errors of the best (the plateau), and NMI at
the pick against NMI at the true k (n: the articles scored), and the pick and `stands_out` of
the rule before restart agreement, recomputed from the same candidates. Standard library only.
"""
import argparse
import gzip
import json
import os
import random
import subprocess
import sys

FULL_CLASSES = {"thucnews-dev.jsonl": 10, "thucnews-titles-dev.jsonl": 10, "fudan20.jsonl.gz": 20}

# name, source file, unit, classes drawn (None: all), articles drawn per class (None: all),
# seed of the draw.
ROWS = [
    ("thucnews-dev", "thucnews-dev.jsonl", "document", None, None, 0),
    ("thucnews-dev, paragraphs", "thucnews-dev.jsonl", "paragraph", None, None, 0),
    ("thucnews-dev, 3 classes", "thucnews-dev.jsonl", "document", 3, None, 3),
    ("thucnews-dev, 5 classes", "thucnews-dev.jsonl", "document", 5, None, 5),
    ("thucnews-dev, 7 classes", "thucnews-dev.jsonl", "document", 7, None, 7),
    ("headlines", "thucnews-titles-dev.jsonl", "document", None, None, 0),
    ("headlines, 5 classes, 2,000 rows", "thucnews-titles-dev.jsonl", "document", 5, 400, 5),
    ("headlines, 10 classes, 2,000 rows", "thucnews-titles-dev.jsonl", "document", None, 200, 10),
    ("fudan20, 5 classes × 60", "fudan20.jsonl.gz", "document", 5, 60, 5),
    ("fudan20, 10 classes × 40", "fudan20.jsonl.gz", "document", 10, 40, 10),
    ("fudan20", "fudan20.jsonl.gz", "document", None, None, 0),
]


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sample(records, classes, per_class, seed):
    by_label = {}
    for r in records:
        by_label.setdefault(r["label"], []).append(r)
    labels = sorted(by_label)
    rng = random.Random(seed)
    if classes is not None:
        need = per_class or 1
        labels = sorted(rng.sample([l for l in labels if len(by_label[l]) >= need], classes))
    keep = set()
    for l in labels:
        ids = [id(r) for r in by_label[l]]
        if per_class is not None:
            ids = sorted(rng.sample(range(len(ids)), per_class))
            ids = [id(by_label[l][i]) for i in ids]
        keep.update(ids)
    return [r for r in records if id(r) in keep], len(labels)


def run(zhuti, path, unit, k, extra):
    args = [zhuti, "eval", path, "--unit", unit, "--k", str(k), "--format", "json", "-q",
            "--no-outliers", *extra]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def plateau(candidates):
    best = max(candidates, key=lambda c: c["silhouette"])
    floor = best["silhouette"] - 2 * best["std_error"]
    ks = [c["k"] for c in candidates if c["silhouette"] >= floor]
    # Ranges of consecutive ks.
    spans, start = [], ks[0]
    for a, b in zip(ks, ks[1:] + [None]):
        if b != a + 1:
            spans.append(f"{start}" if start == a else f"{start}–{a}")
            start = b
    return ", ".join(spans), candidates[0]["k"], candidates[-1]["k"]


def before(candidates):
    """The pick and `stands_out` of the rule before restart agreement (2026-12-03): the smallest
    k within one standard error of the highest; no k stands out when three or more candidates,
    a quarter of them, are within two."""
    best = max(candidates, key=lambda c: c["silhouette"])
    pick = next(c["k"] for c in candidates if c["silhouette"] >= best["silhouette"] - best["std_error"])
    close = [c for c in candidates if c["silhouette"] >= best["silhouette"] - 2 * best["std_error"]]
    return pick, not (len(close) >= 3 and 4 * len(close) >= len(candidates))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--out", default="target/k-auto")
    p.add_argument("--zhuti", default="target/release/zhuti")
    p.add_argument("--only", default="", help="comma-separated parts of row names to run")
    p.add_argument("--skip-full-fudan", action="store_true")
    p.add_argument("--json", help="also write every row's numbers here")
    p.add_argument("--draw", type=int, default=0,
                   help="another draw of the subsamples (seeds + 1000 × DRAW)")
    p.add_argument("extra", nargs="*", help="extra `zhuti eval` flags (after --)")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    only = [s for s in a.only.split(",") if s]
    cache = {}
    print("| corpus | unit | n | classes | k auto | ±20%? | stands_out | agreement at pick "
          "| within 2 SE of the best (tried) | NMI at pick | NMI at true k | before: pick, stands_out |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows_out = []
    for name, src, unit, classes, per_class, seed in ROWS:
        if only and not any(o in name for o in only):
            continue
        if a.skip_full_fudan and name == "fudan20":
            continue
        path = os.path.join(a.data, src)
        seed += 1000 * a.draw
        if classes is None and per_class is None:
            if a.draw:
                continue
            true_k = None
            target = path
        else:
            if src not in cache:
                cache[src] = read(path)
            records, true_k = sample(cache[src], classes, per_class, seed)
            slug = name.replace(",", "").replace(" ", "-").replace("×", "x")
            target = os.path.join(a.out, f"{slug}{'-draw%d' % a.draw if a.draw else ''}.jsonl")
            with open(target, "w", encoding="utf-8") as f:
                for r in records:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        auto = run(a.zhuti, target, unit, "auto", a.extra)
        sel = auto["params"]["k_selection"]
        if true_k is None:
            true_k = FULL_CLASSES[src]
        k = auto["k"]
        fixed = auto if k == true_k else run(a.zhuti, target, unit, true_k, a.extra)
        within = abs(k - true_k) <= 0.2 * true_k
        close, lo, hi = plateau(sel["candidates"]) if sel["candidates"] else ("–", k, k)
        picked = int(sel["reason"].split()[2])  # "k = N ...": the silhouette stage's pick
        shown = f"{k} (LSA {picked})" if picked != k else f"{k}"
        agree = next((c.get("agreement") for c in sel["candidates"] if c["k"] == picked), None)
        old_k, old_out = before(sel["candidates"])
        old_shown = f"{old_k}"
        if old_k == picked != k:  # the same silhouette pick, as the DMM then trimmed it
            old_k, old_shown = k, f"{k} (LSA {picked})"
        old_ok = abs(old_k - true_k) <= 0.2 * true_k
        print(f"| {name} | {unit} | {auto['n']:,} | {true_k} | {shown} | "
              f"{'yes' if within else '**no**'} | {str(sel['stands_out']).lower()} | "
              f"{'–' if agree is None else f'{agree:.2f}'} | "
              f"{close} ({lo}–{hi}) | {auto['nmi']:.3f} | {fixed['nmi']:.3f} | "
              f"{old_shown}{'' if old_ok else ' ✗'}, {str(old_out).lower()} |", flush=True)
        rows_out.append({"name": name, "unit": unit, "n": auto["n"], "classes": true_k, "k": k,
                         "within": within, "stands_out": sel["stands_out"],
                         "candidates": sel["candidates"], "reason": sel["reason"],
                         "nmi_pick": auto["nmi"], "nmi_true": fixed["nmi"]})
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(rows_out, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    sys.exit(main())
