#!/usr/bin/env bash
# Every method id through the CLI on real ASD data: train on one server (1 epoch), save, load, score another.
#   bash tools/smoke/all-methods.sh [out-dir] [method ...]
# Needs the CLI built (npx nx run cli:build) and the data root (DRIFTWATCH_DATA or ../shared/datasets).
set -euo pipefail
out=${1:-artifacts/smoke}
shift || true
# DRIFTWATCH_CLI runs another build of the CLI (e.g. a copied bundle while sources change)
cli=${DRIFTWATCH_CLI:-node apps/cli/bin/driftwatch.js}
methods=("$@")
if [ ${#methods[@]} -eq 0 ]; then
  mapfile -t methods < <($cli train --help | sed -n 's/^ *--method <id> *//p' | tr ',' '\n' | tr -d ' ')
fi
mkdir -p "$out"
printf '| method | train s | score s | scored records | finite scores |\n|---|---:|---:|---:|---:|\n' > "$out/summary.md"
for m in "${methods[@]}"; do
  params='{}'
  # the VAEs average 1,024 posterior samples per window by default: 16 keep a smoke run short
  case "$m" in
    *-vae) params='{"scoreSamples":16}' ;;
    # Deep SVDD pretrains its autoencoder for up to 150 epochs whatever --epochs says (it bounds the one-class phase)
    *-dsvdd) params='{"pretrainEpochs":1}' ;;
    # the paper's 500 units and 20 flows cost seconds per batch on 2 cores; a smoke run uses a small network
    omnianomaly) params='{"units":32,"flows":4}' ;;
    # MSCRED's default encoder (3.2M parameters) takes seconds per step on 2 cores: an eighth of its filters
    mscred) params='{"encoder":[{"filters":4,"kernel":3,"stride":1},{"filters":8,"kernel":2,"stride":2},{"filters":16,"kernel":2,"stride":2},{"filters":32,"kernel":2,"stride":2}]}' ;;
  esac
  t0=$(date +%s.%N)
  $cli train --method "$m" --entities 2 --epochs 1 --params "$params" --out "$out/models/$m" > "$out/$m.train.log" 2>&1
  t1=$(date +%s.%N)
  $cli score --model "$out/models/$m" --entities 1 --out "$out/scores/$m.csv" > "$out/$m.score.log" 2>&1
  t2=$(date +%s.%N)
  rows=$(($(wc -l < "$out/scores/$m.csv") - 1))
  finite=$(awk -F, 'NR > 1 && $3 != "" && tolower($3) !~ /nan|inf/ { n++ } END { print n + 0 }' "$out/scores/$m.csv")
  printf '| %s | %.1f | %.1f | %d | %d |\n' "$m" "$(awk "BEGIN { print $t1 - $t0 }")" "$(awk "BEGIN { print $t2 - $t1 }")" "$rows" "$finite" | tee -a "$out/summary.md"
done
