#!/usr/bin/env bash
# Runs `zhuti assign` sharded by Spark (pyspark from PyPI, local mode) and checks that its output,
# sorted by id, equals one plain `zhuti assign` run. Not part of CI. See docs/scale.md.
#
#   apt-get install -y default-jre-headless && pip install pyspark
#   scripts/spark-assign.sh MODEL INPUT.jsonl [PARTITIONS]
#
# With no arguments: fits a model on ../shared/data/thucnews-dev.jsonl and assigns that file.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
zhuti="${ZHUTI:-$here/target/release/zhuti}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ $# -ge 2 ]; then
  model="$(realpath "$1")"; input="$(realpath "$2")"
else
  input="$here/../shared/data/thucnews-dev.jsonl"
  model="$work/thuc.zhuti"
  "$zhuti" fit -q "$input" -o "$model"
fi
parts="${3:-4}"
# For JSON Lines input a unit's `line` is its record's line in the stream the process reads, so
# it is shard-relative under Spark; every other field must be identical. `normalise` sorts by id
# and blanks `line` (docs/scale.md).
normalise() {
  python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
for r in rows:
    for u in r["units"] + r["dropped"]:
        u["line"] = 0
for r in sorted(rows, key=lambda r: r["id"]):
    print(json.dumps(r, ensure_ascii=False, sort_keys=True))'
}
"$zhuti" assign -q --model "$model" "$input" | normalise > "$work/single.jsonl"

ZHUTI="$zhuti" MODEL="$model" INPUT="$input" PARTS="$parts" OUT="$work/spark.jsonl" python3 - <<'PY'
import json, os, shlex
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[2]").appName("zhuti-assign").getOrCreate()
sc = spark.sparkContext
lines = sc.textFile("file://" + os.environ["INPUT"], int(os.environ["PARTS"]))
# Each partition's records go to one `zhuti assign -` process on its stdin; its JSON lines come back.
cmd = shlex.join([os.environ["ZHUTI"], "assign", "-q", "--threads", "1", "--model", os.environ["MODEL"], "-"])
out = lines.pipe(cmd).map(lambda l: (json.loads(l)["id"], l)).sortByKey().values().collect()
with open(os.environ["OUT"], "w") as f:
    for l in out:
        f.write(l + "\n")
print(f"spark: {len(out)} articles in {lines.getNumPartitions()} partitions")
spark.stop()
PY
normalise < "$work/spark.jsonl" > "$work/spark.norm.jsonl"
mv "$work/spark.norm.jsonl" "$work/spark.jsonl"
if cmp -s "$work/single.jsonl" "$work/spark.jsonl"; then
  echo "spark-assign: OK, $(wc -l < "$work/spark.jsonl") articles equal to a single zhuti assign run (but shard-relative line)"
else
  echo "spark-assign: MISMATCH" >&2
  diff <(head -c 2000 "$work/single.jsonl") <(head -c 2000 "$work/spark.jsonl") >&2 || true
  exit 1
fi
