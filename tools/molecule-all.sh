#!/usr/bin/env bash
# Run `molecule test` for each scenario given, MOLECULE_JOBS at a time (default 2: on the
# project's 2-core machines much of a scenario is waiting on apt, systemd and health checks),
# keep going after a failure, and finish with a summary line and each scenario's wall time.
# Every scenario has its own containers and docker network, so they can run side by side.
# Full logs go to logs/molecule-<scenario>.log.
set -uo pipefail
jobs_max=${MOLECULE_JOBS:-2}
mkdir -p logs
rm -f logs/.result-*

run_one() {
  local scenario=$1 start rc
  start=$(date +%s)
  printf '==> molecule test -s %s\n' "$scenario"
  molecule test -s "$scenario" >"logs/molecule-$scenario.log" 2>&1
  rc=$?
  printf '%s %s %s\n' "$scenario" "$rc" "$(( $(date +%s) - start ))" >"logs/.result-$scenario"
  printf '<== %s: %s in %ss\n' "$scenario" "$([ "$rc" -eq 0 ] && echo passed || echo FAILED)" "$(( $(date +%s) - start ))"
}

for scenario in "$@"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
  run_one "$scenario" &
  sleep 2  # let the first scenario's create step start before the next one's
done
wait

passed=0 failed=0 failed_names=()
printf '\nmolecule scenarios (%s at a time):\n' "$jobs_max"
for scenario in "$@"; do
  read -r _ rc secs <"logs/.result-$scenario" || { rc=1 secs=0; }
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); result=passed
  else failed=$((failed + 1)); failed_names+=("$scenario"); result=FAILED; fi
  printf '  %-26s %-7s %5ss\n' "$scenario" "$result" "$secs"
done
for scenario in "${failed_names[@]}"; do
  printf '\n---- last lines of logs/molecule-%s.log ----\n' "$scenario"
  tail -n 80 "logs/molecule-$scenario.log"
done
printf 'molecule: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
