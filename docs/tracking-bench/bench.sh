#!/usr/bin/env bash
# Training time of one small run (bench.yaml), untracked and tracked against a server that answers
# /health only, a socket that never answers, and a real MLflow server ($REAL_URI, optional).
# Prints per round and mode the "trained N steps in X s" figure and the whole command's wall time.
#   docs/tracking-bench/bench.sh [rounds]        (from the repository root)
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$(mktemp -d)"
python3 "$here/fakes.py" 18501 18502 & fakes=$!
trap 'kill $fakes' EXIT
sleep 1
cd "$root"
for round in $(seq 1 "${1:-3}"); do
  for mode in none health silent real; do
    case $mode in
      none) uri="";;
      health) uri="tracking.uri=http://127.0.0.1:18501";;
      silent) uri="tracking.uri=http://127.0.0.1:18502";;
      real) [[ -n "${REAL_URI:-}" ]] || continue; uri="tracking.uri=$REAL_URI";;
    esac
    start=$(date +%s.%N)
    log=$(./flowlab --runs-dir "$out/runs-$mode" run "$here/bench.yaml" $uri 2>&1)
    rc=$?
    end=$(date +%s.%N)
    train=$(echo "$log" | grep -o "trained [0-9]* steps in [0-9.]* s" | awk '{print $5}')
    echo "$round $mode rc=$rc train_s=$train wall_s=$(echo "$end - $start" | bc)" \
      "$(echo "$log" | grep "records wait" | head -1)"
  done
done
