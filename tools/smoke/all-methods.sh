#!/usr/bin/env bash
# Every window method id through the CLI on real ASD data: train on one server (1 epoch), save, load, score another.
#   bash tools/smoke/all-methods.sh [out-dir] [method ...]
# Needs the CLI built (npx nx run cli:build) and the data root (DRIFTWATCH_DATA or ../shared/datasets).
# The method ids and each method's small settings come from the detector registry (`driftwatch methods --json`).
set -euo pipefail
out=${1:-artifacts/smoke}
shift || true
# DRIFTWATCH_CLI runs another build of the CLI (e.g. a copied bundle while sources change)
cli=${DRIFTWATCH_CLI:-node apps/cli/bin/driftwatch.js}
mkdir -p "$out"
$cli methods --json > "$out/methods.json"
# one line per method: id, kind, test settings (JSON; every layer of the full model at a size that trains in seconds)
node -e '
  const { methods } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const m of methods) console.log([m.id, m.kind, JSON.stringify(m.testParams)].join("\t"));' \
  "$out/methods.json" > "$out/methods.tsv"
methods=("$@")
if [ ${#methods[@]} -eq 0 ]; then
  mapfile -t methods < <(awk -F'\t' '$2 == "window" { print $1 }' "$out/methods.tsv")
fi
printf '| method | train s | score s | scored records | finite scores |\n|---|---:|---:|---:|---:|\n' > "$out/summary.md"
for m in "${methods[@]}"; do
  line=$(awk -F'\t' -v id="$m" '$1 == id' "$out/methods.tsv")
  if [ -z "$line" ]; then
    echo "unknown method '$m'; 'driftwatch methods' lists them" >&2
    exit 2
  elif [ "$(cut -f2 <<< "$line")" != window ]; then
    echo "$m is a node detector: bench st runs those" >&2
    exit 2
  fi
  params=$(cut -f3- <<< "$line")
  t0=$(date +%s.%N)
  $cli train --method "$m" --entities 2 --epochs 1 --params "$params" --out "$out/models/$m" > "$out/$m.train.log" 2>&1
  t1=$(date +%s.%N)
  $cli score --model "$out/models/$m" --entities 1 --out "$out/scores/$m.csv" > "$out/$m.score.log" 2>&1
  t2=$(date +%s.%N)
  rows=$(($(wc -l < "$out/scores/$m.csv") - 1))
  finite=$(awk -F, 'NR > 1 && $3 != "" && tolower($3) !~ /nan|inf/ { n++ } END { print n + 0 }' "$out/scores/$m.csv")
  printf '| %s | %.1f | %.1f | %d | %d |\n' "$m" "$(awk "BEGIN { print $t1 - $t0 }")" "$(awk "BEGIN { print $t2 - $t1 }")" "$rows" "$finite" | tee -a "$out/summary.md"
done
