#!/usr/bin/env bash
# Issue 5's throughput yardstick: zhuti's end-to-end throughput as a share of raw jieba-rs's
# on the same text and threads. Runs, alternately, `zhuti FILE -q` (default settings, whole
# process) and examples/raw_jieba.rs (the same reading, then jieba-rs's own dictionary and a
# plain `cut` of every article, nothing else), and prints the medians and two shares:
#   - against raw jieba's cutting alone (the issue's "segmentation throughput"),
#   - against raw jieba as a whole process (reading and dictionary included).
#
#   scripts/jieba-ratio.sh [FILE] [RUNS] [THREADS]
#
# Defaults: ../shared/data/fudan20.jsonl.gz, 3 runs each, all cores.
set -euo pipefail
cd "$(dirname "$0")/.."

FILE=${1:-../shared/data/fudan20.jsonl.gz}
RUNS=${2:-3}
THREADS=${3:-$(nproc)}

if [ ! -e "$FILE" ]; then
    echo "jieba-ratio: $FILE not found (pass a corpus file as the first argument)" >&2
    exit 1
fi
cargo build --release --quiet --bin zhuti --example raw_jieba
ZHUTI=target/release/zhuti
RAW=target/release/examples/raw_jieba

now() { date +%s.%N; }
zt=(); rw=(); rc=()
for ((i = 1; i <= RUNS; i++)); do
    t0=$(now); "$ZHUTI" "$FILE" --threads "$THREADS" -q >/dev/null; t1=$(now)
    read -r mb whole cut < <("$RAW" "$FILE" --threads "$THREADS" 2>/dev/null)
    z=$(echo "$t1 - $t0" | bc -l)
    zt+=("$z"); rw+=("$whole"); rc+=("$cut")
    printf 'run %d: zhuti %.2f s   raw jieba %.2f s (cutting %.2f s)   %.1f MB\n' "$i" "$z" "$whole" "$cut" "$mb"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
zm=$(median "${zt[@]}"); wm=$(median "${rw[@]}"); cm=$(median "${rc[@]}")
printf 'median: zhuti %.2f s (%.1f MB/s); raw jieba cutting %.2f s (%.1f MB/s), whole process %.2f s\n' \
    "$zm" "$(echo "$mb / $zm" | bc -l)" "$cm" "$(echo "$mb / $cm" | bc -l)" "$wm"
printf 'zhuti runs at %.0f%% of raw jieba-rs segmentation throughput (%.0f%% of raw jieba as a whole process); %s, %s threads, %s runs\n' \
    "$(echo "100 * $cm / $zm" | bc -l)" "$(echo "100 * $wm / $zm" | bc -l)" "$FILE" "$THREADS" "$RUNS"
