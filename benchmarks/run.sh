#!/usr/bin/env bash
# Side-by-side benchmarks of the guide's performance practices, on the running demo stack
# (`make up`). Each pair runs in the same session, alternating A and B for BENCH_ROUNDS
# rounds; the report gives the median of each and the ratio. Absolute numbers on a shared
# 2-core machine are noise; only the ratios in one run mean something.
#
#   LB   nginx load balancer of the stack   (default 127.0.0.1:8080)
#   APP  one Express instance, directly     (default 127.0.0.1:8081, stack-app1 instance 1)
#
# Load goes to 127.0.0.1 only and every run is bounded: wrk for BENCH_SECONDS seconds.
set -euo pipefail

LB=${LB:-127.0.0.1:8080}
APP=${APP:-127.0.0.1:8081}
SECONDS_EACH=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-32}

command -v wrk >/dev/null || { echo "bench: wrk is missing (Debian package wrk)" >&2; exit 1; }
for target in "$LB" "$APP"; do
  curl -fsS -o /dev/null "http://$target/healthz" || { echo "bench: nothing answers on $target; run 'make up' first" >&2; exit 1; }
done

# One wrk run; prints requests per second. Fails on any non-2xx/3xx answer or connection
# error; a few client time-outs (10 s) under saturation are counted by wrk and tolerated.
rps() {
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --timeout 10s "$@" 2>&1)
  if grep -qE 'Non-2xx|Socket errors: connect [1-9]|read [1-9]|write [1-9]' <<<"$out"; then
    printf 'bench: errors during wrk %s:\n%s\n' "$*" "$out" >&2
    return 1
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

pair() {  # name, label A, url A, label B, url B, [extra wrk args]
  local name=$1 label_a=$2 url_a=$3 label_b=$4 url_b=$5; shift 5
  local a=() b=()
  for _ in $(seq "$ROUNDS"); do
    a+=("$(rps "$@" "$url_a")")
    b+=("$(rps "$@" "$url_b")")
  done
  local ma mb
  ma=$(printf '%s\n' "${a[@]}" | median)
  mb=$(printf '%s\n' "${b[@]}" | median)
  printf '%-22s %-34s %10.0f req/s | %-30s %10.0f req/s | ratio %5.2fx\n' \
    "$name" "$label_a" "$ma" "$label_b" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN {print a / b}')"
}

bytes() { curl -s -o /dev/null -w '%{size_download}' "$@"; }

echo "prodready.webstack benchmarks: wrk -t2 -c$CONNECTIONS, ${SECONDS_EACH}s x $ROUNDS rounds each, medians"
pair "static file" "nginx from disk (LB)" "http://$LB/css/app.css" \
     "Express static (one instance)" "http://$APP/css/app.css"
pair "cacheable page" "nginx proxy_cache HIT (LB)" "http://$LB/cacheable" \
     "Express (one instance)" "http://$APP/cacheable"
pair "dynamic JSON" "nginx -> all instances (LB)" "http://$LB/api/items" \
     "Express (one instance)" "http://$APP/api/items"
identity=$(bytes "http://$LB/")
gzipped=$(bytes -H 'Accept-Encoding: gzip' "http://$LB/")
json_identity=$(bytes "http://$LB/api/items")
json_gzipped=$(bytes -H 'Accept-Encoding: gzip' "http://$LB/api/items")
printf '%-22s HTML %d -> %d bytes (%.1f%%), JSON %d -> %d bytes (%.1f%%)\n' "gzip at the proxy" \
  "$identity" "$gzipped" "$(awk -v a="$gzipped" -v b="$identity" 'BEGIN {print 100 * a / b}')" \
  "$json_identity" "$json_gzipped" "$(awk -v a="$json_gzipped" -v b="$json_identity" 'BEGIN {print 100 * a / b}')"
