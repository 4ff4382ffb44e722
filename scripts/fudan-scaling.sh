#!/usr/bin/env bash
# Time and peak RSS of `zhuti` (paragraph units, default settings) on 10/25/50/100% of
# fudan20 (the first N articles), as in the README's Performance table.
#   scripts/fudan-scaling.sh [../shared/data/fudan20.jsonl.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
FUDAN=${1:-../shared/data/fudan20.jsonl.gz}
cargo build --release --quiet
mkdir -p target/fudan
total=$(zcat "$FUDAN" | wc -l)
for pct in 10 25 50 100; do
    n=$((total * pct / 100))
    sub=target/fudan/fudan20-$pct.jsonl
    (zcat "$FUDAN" || true) | head -n "$n" > "$sub"
    /usr/bin/time -f "%e %M" -o target/fudan/time-$pct.txt \
        target/release/zhuti "$sub" -q > /dev/null
    read -r secs kb < target/fudan/time-$pct.txt
    printf '%3d%%  %5d articles  %6.1f MB  %7.1f s  %6.0f MB peak RSS\n' \
        "$pct" "$n" "$(echo "$(stat -c %s "$sub") / 1000000" | bc -l)" "$secs" "$(echo "$kb / 1024" | bc -l)"
done
