#!/usr/bin/env bash
# Run `molecule test` for each scenario given, one after another, keep going after a
# failure, and finish with a summary line and the wall time of each scenario.
# Full logs go to logs/molecule-<scenario>.log.
set -uo pipefail
mkdir -p logs
passed=0 failed=0 failed_names=() summary=()
for scenario in "$@"; do
  start=$(date +%s)
  printf '==> molecule test -s %s\n' "$scenario"
  if molecule test -s "$scenario" >"logs/molecule-$scenario.log" 2>&1; then
    result=passed; passed=$((passed + 1))
  else
    result=FAILED; failed=$((failed + 1)); failed_names+=("$scenario")
    tail -n 60 "logs/molecule-$scenario.log"
  fi
  summary+=("$(printf '%-26s %-7s %4ss' "$scenario" "$result" "$(( $(date +%s) - start ))")")
  printf '<== %s\n' "${summary[-1]}"
done
printf '\nmolecule scenarios:\n'; printf '  %s\n' "${summary[@]}"
printf 'molecule: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ] || { printf 'failed: %s (logs in logs/)\n' "${failed_names[*]}"; exit 1; }
