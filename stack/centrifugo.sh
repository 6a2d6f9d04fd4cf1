#!/usr/bin/env bash
# Centrifugo (the WebSocket fan-out reference the fan-out benchmark compares against), built from the
# Go module proxy into .tools/centrifugo/ (~5 min the first time); idempotent. Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v6.9.1
dir="$PWD/.tools/centrifugo-$VERSION"
if [ ! -x "$dir/centrifugo" ]; then
  command -v go >/dev/null || { apt-get install -y golang-go || { apt-get update && apt-get install -y golang-go; }; }
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS=-mod=mod go install "github.com/centrifugal/centrifugo/v6@$VERSION" >&2
  echo "built Centrifugo $VERSION in $dir" >&2
fi
echo "$dir/centrifugo"
