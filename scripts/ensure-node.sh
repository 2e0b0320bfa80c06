#!/usr/bin/env bash
# Prints a folder to put first on PATH so that `node` is >= 22.19 (we target Node 24 LTS).
# Uses the machine's node when it is new enough; otherwise installs node@24 from the npm
# registry into .cache/node (git-ignored). It never touches the system's node.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
local_bin="$root/.cache/node/node_modules/.bin"

new_enough() { # $1 = node binary
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

if [[ -x "$local_bin/node" ]] && new_enough "$local_bin/node"; then
  echo "$local_bin"; exit 0
fi
if command -v node >/dev/null && new_enough "$(command -v node)"; then
  dirname "$(command -v node)"; exit 0
fi
command -v npm >/dev/null || { echo "need npm (or Node.js >= 22.19) to bootstrap Node 24" >&2; exit 1; }
echo "[node] system node is $(node --version 2>/dev/null || echo missing); installing node@24 into .cache/node" >&2
mkdir -p "$root/.cache/node"
npm install --prefix "$root/.cache/node" --no-save --no-audit --no-fund --loglevel=error node@24 >&2
new_enough "$local_bin/node" || { echo "node@24 install did not produce a usable node" >&2; exit 1; }
echo "[node] using $("$local_bin/node" --version)" >&2
echo "$local_bin"
