# SPDX-License-Identifier: MIT
# Helpers of the OpenADR CLI tests (sourced): a temporary directory, the
# VTN (gridsim serve-vtn) on a free loopback port, the VEN run, and the
# business logic's calls with curl. Callers set BIN, SRC, VTN_BIN.

# oadr_setup NAME: a temporary directory to work in, cleaned on exit.
oadr_setup() {
  NAME=$1
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-oadr.XXXXXX") || exit 1
  VTN_PID="" VEN_PID=""
  trap oadr_cleanup EXIT
  cd "$TMP" || exit 1
  cp "$SRC/tests/cli/lib/oadr_check.py" .
}

oadr_cleanup() {
  for p in $VEN_PID $VTN_PID; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  # GS_KEEP_TMP=1 keeps the logs and traces to look at.
  if [[ -n "${GS_KEEP_TMP:-}" ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}

fail() {
  echo "$NAME: FAIL: $*"
  for f in vtn.log ven.log; do
    [[ -f $f ]] && { echo "--- $f"; tail -20 "$f"; }
  done
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# vtn_start SCENARIO [ARGS...]: serve-vtn on a free port (PORT, URL) for
# an hour of the scenario; the VTN's trace is vtn.h5, its log vtn.log.
# Waits until it answers.
vtn_start() {
  [[ -n "${PORT:-}" ]] || PORT=$(free_port)
  URL="http://127.0.0.1:$PORT"
  # It outlives the VENs' run (which ends it with SIGINT), so the VENs
  # never see it gone at their end.
  "$VTN_BIN" serve-vtn "$@" --listen "127.0.0.1:$PORT" --set start=now \
    --set duration_s=3600 --out vtn.h5 >>vtn.log 2>&1 &
  VTN_PID=$!
  for _ in $(seq 100); do
    curl -sf "$URL/auth/server" >/dev/null 2>&1 && return 0
    kill -0 "$VTN_PID" 2>/dev/null || fail "serve-vtn exited"
    sleep 0.1
  done
  fail "serve-vtn did not answer on $URL"
}

# vtn_stop: SIGINT (the trace is closed), then waits for it.
vtn_stop() {
  kill -INT "$VTN_PID" 2>/dev/null
  wait "$VTN_PID" 2>/dev/null
  VTN_PID=""
  [[ -f vtn.h5 ]] || fail "no VTN trace"
}

# ven_start SCENARIO [ARGS...]: gridsim run --vtn in the background, the
# secret from the environment; summary sum.json, trace ven.h5.
ven_start() {
  GRIDSIM_VTN_CLIENT_SECRET=ven-secret "$BIN" run "$@" --vtn "$URL" \
    --vtn-client-id ven --set start=now --out ven.h5 --summary-json sum.json \
    --no-twin -q >ven.log 2>&1 &
  VEN_PID=$!
}

# ven_wait: waits for the run to end; it must succeed.
ven_wait() {
  wait "$VEN_PID"
  local rc=$?
  VEN_PID=""
  [[ $rc -eq 0 ]] || fail "gridsim run --vtn exited $rc"
}

# bl_token: a business-logic token (BL) and the program's id (PROGRAM).
bl_token() {
  BL=$(curl -sf -X POST "$URL/auth/token" \
    -d 'grant_type=client_credentials&client_id=bl&client_secret=bl-secret' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') ||
    fail "no BL token"
  PROGRAM=$(curl -sf -H "Authorization: Bearer $BL" "$URL/programs" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])') ||
    fail "no program"
}

# post_event JSON: creates the event as the business logic.
post_event() {
  curl -sf -X POST -H "Authorization: Bearer $BL" \
    -H 'Content-Type: application/json' -d "$1" "$URL/events" >event.json ||
    fail "POST /events refused: $(cat event.json)"
}
