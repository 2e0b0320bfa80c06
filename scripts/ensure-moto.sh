#!/usr/bin/env bash
# Makes sure moto_server (the AWS emulator the tests run the real SDK against) is installed, and
# prints the command to start it. Installs moto[server] with pip when it is missing.
set -euo pipefail
if command -v moto_server >/dev/null; then command -v moto_server; exit 0; fi
echo "[moto] installing moto[server] with pip" >&2
python3 -m pip install --quiet 'moto[server]==5.2.1' >&2 || python3 -m pip install --quiet --user 'moto[server]==5.2.1' >&2
hash -r
if command -v moto_server >/dev/null; then command -v moto_server; exit 0; fi
for dir in "$(python3 -m site --user-base)/bin" "$(dirname "$(command -v python3)")"; do
  [[ -x "$dir/moto_server" ]] && { echo "$dir/moto_server"; exit 0; }
done
echo "moto_server not found after installing moto[server]" >&2
exit 1
