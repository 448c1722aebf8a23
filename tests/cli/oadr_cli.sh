#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `gridsim run --vtn`: bad options and bad "oadr_ven" sections exit 2 with
# a message naming the option or JSON path; a VTN nobody listens on (every
# connection refused) does not stop the run, which ends normally and
# counts the refused requests and its retries.
#
# usage: bash oadr_cli.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: oadr_cli.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: oadr_cli.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli oadr_cli"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
command -v python3 >/dev/null || { echo "$NAME: SKIP: no python3"; exit 77; }
VTN_BIN=$BIN
source "$SRC/tests/cli/lib/oadr.sh"
oadr_setup "$NAME"

cat >scn.json <<'EOF'
{"name": "oadr-cli", "start": "2026-07-15T17:00:00Z", "duration_s": 4,
 "seed": 1, "fleet": [{"name": "home", "count": 3,
   "loads": [{"type": "lighting", "id": "l1"}]}]}
EOF

# expect_bad WANT ARGS...: exit status 2 and WANT in the message.
expect_bad() {
  local want=$1
  shift
  "$BIN" run scn.json --no-out --no-twin -q "$@" >out.txt 2>&1
  local rc=$?
  [[ $rc -eq 2 ]] || fail "'$*': exit $rc, not 2: $(cat out.txt)"
  grep -qF -- "$want" out.txt || fail "'$*': no '$want' in: $(cat out.txt)"
}

expect_bad "--vtn: expected http://HOST:PORT[/BASE]" --vtn ftp://x
expect_bad "--vtn: expected http://HOST:PORT[/BASE]" --vtn "http://a b"
expect_bad "--vtn-client-id needs a secret" --vtn http://127.0.0.1:9 \
  --vtn-client-id ven
expect_bad "--vtn and --mqtt: one bridge at a time" --vtn http://127.0.0.1:9 \
  --mqtt mqtt://127.0.0.1:1883
expect_bad "oadr_ven.poll_s: expected a number in [0.05, 86400] (s), found 0" \
  --vtn http://127.0.0.1:9 --set oadr_ven.poll_s=0
expect_bad "oadr_ven.bogus: expected one of version" \
  --vtn http://127.0.0.1:9 --set oadr_ven.bogus=1
expect_bad "oadr_ven.webhook: expected true or false, found \"yes\"" \
  --set oadr_ven.webhook=yes
"$BIN" validate scn.json --set oadr_ven.page_limit=99 >out.txt 2>&1
[[ $? -eq 2 ]] && grep -qF "oadr_ven.page_limit" out.txt ||
  fail "validate took a bad page_limit: $(cat out.txt)"

# Nobody listens: every request is refused, retried with back-off, and
# the run still ends on time with status 0.
PORT=$(free_port)
GRIDSIM_VTN_CLIENT_SECRET=s "$BIN" run scn.json --vtn "http://127.0.0.1:$PORT" \
  --vtn-client-id ven --set start=now --no-out --no-twin -q \
  --set oadr_ven.backoff_min_s=0.1 --summary-json sum.json >ven.log 2>&1 ||
  fail "the run failed without a VTN"
python3 - <<'EOF' || fail "refused-connection counters"
import json
o = json.load(open('sum.json'))['oadr']
print('oadr:', json.dumps(o))
assert o['transport_errors'] >= 3 and o['retries'] >= 2, o
assert o['status_2xx'] == 0 and o['enrolled'] == 0, o
EOF
echo "$NAME: ok"
