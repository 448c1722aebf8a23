#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs Prism (npm package @stoplight/prism-cli), the OpenAPI proxy that
# tests/cli/vtn_prism.sh checks the VTN with, into DIR (default
# ${XDG_CACHE_HOME:-~/.cache}/gridsim/prism), never into the repository.
# Idempotent: returns at once when that major version is already there.
#
# usage: bash .ci/prism.sh [DIR]
set -euo pipefail
DIR=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/gridsim/prism}
MAJOR=5
if [[ -x "$DIR/node_modules/.bin/prism" && -f "$DIR/.gs-prism" &&
      "$(cat "$DIR/.gs-prism")" == "$MAJOR" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "prism.sh: npm is missing" >&2; exit 1; }
mkdir -p "$DIR"
npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error \
  "@stoplight/prism-cli@$MAJOR"
echo "$MAJOR" >"$DIR/.gs-prism"
