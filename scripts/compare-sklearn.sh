#!/usr/bin/env bash
# Times zhuti against the scikit-learn reference pipeline (scripts/sklearn_pipeline.py: jieba,
# TfidfVectorizer sublinear/min_df=2/max_df=0.5, TruncatedSVD(100), KMeans n_init=10) as whole
# processes on the same file, alternating runs, and prints the median ratio.
#
#   scripts/compare-sklearn.sh [FILE] [RUNS] [K]
#
# Defaults: ../shared/data/thucnews-dev.jsonl, 5 runs each, k = 10. The Python reference is
# installed once into a virtualenv under target/sklearn-venv (needs python3 and PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

FILE=${1:-../shared/data/thucnews-dev.jsonl}
RUNS=${2:-5}
K=${3:-10}
VENV=target/sklearn-venv

if [ ! -e "$FILE" ]; then
    echo "compare-sklearn: $FILE not found (pass a JSONL file as the first argument)" >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sklearn, jieba' 2>/dev/null; then
    echo "compare-sklearn: installing scikit-learn + jieba into $VENV ..." >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet scikit-learn jieba
fi
cargo build --release --quiet
ZHUTI=target/release/zhuti
PY="$VENV/bin/python"
# Warm-up (page cache, jieba's dictionary cache) — not timed.
"$PY" scripts/sklearn_pipeline.py "$FILE" "$K" >/dev/null
"$ZHUTI" "$FILE" --unit document --k "$K" -q >/dev/null

now() { date +%s.%N; }
zt=(); st=()
for ((i = 1; i <= RUNS; i++)); do
    t0=$(now); "$ZHUTI" "$FILE" --unit document --k "$K" -q >/dev/null; t1=$(now)
    "$PY" scripts/sklearn_pipeline.py "$FILE" "$K" >/dev/null; t2=$(now)
    z=$(echo "$t1 - $t0" | bc -l); s=$(echo "$t2 - $t1" | bc -l)
    zt+=("$z"); st+=("$s")
    printf 'run %d: zhuti %.3f s   scikit-learn %.3f s\n' "$i" "$z" "$s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
zm=$(median "${zt[@]}"); sm=$(median "${st[@]}")
printf 'median: zhuti %.3f s, scikit-learn %.3f s -> zhuti is %.1fx faster (%s, --unit document --k %s, %s runs)\n' \
    "$zm" "$sm" "$(echo "$sm / $zm" | bc -l)" "$FILE" "$K" "$RUNS"
