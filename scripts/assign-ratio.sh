#!/usr/bin/env bash
# Issue 15's throughput yardstick: `zhuti assign` (whole process: model load, reading, cleaning,
# cutting, placing, writing) as a share of raw jieba-rs cutting on the same text and threads
# (examples/raw_jieba.rs: the same reading, then jieba-rs's own dictionary and a plain `cut` of
# every article; its cutting time alone is the yardstick). The two run alternately, so a drift
# of the machine's speed hits both; prints every pair and the medians.
#
#   scripts/assign-ratio.sh [MODEL] [FILE] [RUNS] [THREADS]
#
# Defaults: a model fitted on the first 2,000 articles of fudan20 (fitted into target/ on first
# use), ../shared/data/fudan20.jsonl.gz, 5 runs each, all cores.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${1:-target/fudan2k.zhuti}
FILE=${2:-../shared/data/fudan20.jsonl.gz}
RUNS=${3:-5}
THREADS=${4:-$(nproc)}

if [ ! -e "$FILE" ]; then
    echo "assign-ratio: $FILE not found (pass a corpus file as the second argument)" >&2
    exit 1
fi
cargo build --release --quiet --bin zhuti --example raw_jieba
ZHUTI=target/release/zhuti
RAW=target/release/examples/raw_jieba
if [ ! -e "$MODEL" ]; then
    echo "assign-ratio: fitting $MODEL on the first 2,000 articles of $FILE" >&2
    # head closes the pipe early and zcat dies of SIGPIPE, which pipefail would make fatal.
    head -2000 < <(zcat -f "$FILE") > target/fudan2k.jsonl
    "$ZHUTI" fit -q target/fudan2k.jsonl -o "$MODEL"
fi

now() { date +%s.%N; }
as=(); rc=(); shares=()
for ((i = 1; i <= RUNS; i++)); do
    read -r mb _ cut < <("$RAW" "$FILE" --threads "$THREADS" 2>/dev/null)
    t0=$(now); "$ZHUTI" assign -q --threads "$THREADS" --model "$MODEL" "$FILE" >/dev/null; t1=$(now)
    a=$(echo "$t1 - $t0" | bc -l)
    share=$(echo "100 * $cut / $a" | bc -l)
    as+=("$a"); rc+=("$cut"); shares+=("$share")
    printf 'run %d: raw jieba cutting %.2f s   zhuti assign %.2f s   %.0f%%\n' "$i" "$cut" "$a" "$share"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf 'median: raw jieba cutting %.2f s (%.1f MB/s), zhuti assign %.2f s (%.1f MB/s)\n' \
    "$(median "${rc[@]}")" "$(echo "$mb / $(median "${rc[@]}")" | bc -l)" \
    "$(median "${as[@]}")" "$(echo "$mb / $(median "${as[@]}")" | bc -l)"
printf 'zhuti assign runs at %.0f%% of raw jieba-rs cutting throughput (median of the pairs); %s, %s threads, %s runs\n' \
    "$(median "${shares[@]}")" "$FILE" "$THREADS" "$RUNS"
