#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The interactive window on a real X server (Xvfb), driven with xdotool as
# a user would: a batch run with --view writes the same trace as one
# without and keeps its last frame until 'q' (exit 0); in a paced run space
# holds simulated time, '.' runs one output interval and pauses again,
# '+'/'-' double/halve the pacer's factor, 'q' quits with the trace closed
# as incomplete (exit 130). The window title carries the clock, the speed
# and PAUSED, which is what this script reads.
#
# usage: bash viz_window.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u
BIN=${1:?usage: viz_window.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli viz_window"
for tool in Xvfb xdotool h5dump; do
  command -v "$tool" >/dev/null ||
    { echo "$NAME: SKIP: $tool not installed (bash .ci/setup.sh test installs it)"; exit 77; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-win.XXXXXX") || exit 1
XPID="" PID=""
trap 'for p in $PID $XPID; do kill -9 "$p" 2>/dev/null; done; wait \
  2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$3"
}

# An X server on a display number of its own choosing (-displayfd).
Xvfb -displayfd 3 -screen 0 1400x900x24 -nolisten tcp 3>disp.txt \
  >xvfb.log 2>&1 &
XPID=$!
for _ in $(seq 100); do [[ -s disp.txt ]] && break; sleep 0.1; done
[[ -s disp.txt ]] || { echo "$NAME: Xvfb did not start: $(cat xvfb.log)"; exit 1; }
export DISPLAY=":$(tr -d '\n' <disp.txt)"
unset WAYLAND_DISPLAY SDL_VIDEODRIVER
# Under the sanitizer build: SDL's X11 back end leaves leaks in libdbus and
# in the X libraries it dlopens and unloads at exit (frames in "<unknown
# module>", so they cannot be suppressed by name). Leak checking of the
# view's own code is done without X by viz_snapshot.sh and test_viz.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

cat >scn.json <<'JSON'
{"name":"win","start":"2026-07-15T00:00:00Z","duration_s":86400,"seed":7,
 "output":{"interval_s":60},
 "fleet":[{"name":"h","count":200,"ven":{"opt_out_prob":0.2},
   "loads":[{"type":"fridge","id":"fridge1"},{"type":"hvac","id":"hvac1"}]}],
 "program":{"events":[{"id":"e1","start_s":64800,"duration_s":3600,
   "requested_kw":40}]}}
JSON

# The window of process $PID (waits up to 20 s for it to map).
find_window() {
  local w=""
  for _ in $(seq 200); do
    w=$(xdotool search --onlyvisible --pid "$PID" --name '^gridsim' 2>/dev/null | head -1)
    [[ -n "$w" ]] && { echo "$w"; return 0; }
    kill -0 "$PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# The title; finds the window again if its id went away (a window system
# may recreate a window).
title() {
  xdotool getwindowname "$WIN" 2>/dev/null && return
  WIN=$(find_window) && xdotool getwindowname "$WIN" 2>/dev/null
}
# Simulated seconds in a title "gridsim - NAME - Dd HH:MM:SS - ...".
title_s() {
  local t=$1
  [[ "$t" =~ ([0-9]+)d\ ([0-9]{2}):([0-9]{2}):([0-9]{2}) ]] || { echo -1; return; }
  echo $(( BASH_REMATCH[1] * 86400 + 10#${BASH_REMATCH[2]} * 3600 +
           10#${BASH_REMATCH[3]} * 60 + 10#${BASH_REMATCH[4]} ))
}
# Waits up to $2 seconds for the title to match regex $1; prints it.
wait_title() {
  local t=""
  for _ in $(seq $(( $2 * 10 ))); do
    t=$(title)
    [[ "$t" =~ $1 ]] && { echo "$t"; return 0; }
    sleep 0.1
  done
  echo "$t"
  return 1
}
# Keys as a user types them: focus the window, then XTEST key events
# (events sent to a window with XSendEvent are not reliably taken).
key() {
  xdotool windowfocus --sync "$WIN" 2>/dev/null
  xdotool key --delay 50 "$@"
}
# Waits up to 30 s for $PID to exit (killing it after); sets $rc.
wait_exit() {
  for _ in $(seq 300); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$PID" 2>/dev/null
  wait "$PID"
  rc=$?
}

# --- 1. Batch: same trace as without the view; q after the end exits 0.
"$BIN" run scn.json --quiet --out plain.h5 </dev/null >plain.out 2>&1 ||
  fail "plain run" "exit 0" "exit $? $(head -c 300 plain.out)"
"$BIN" run scn.json --quiet --view --out viewed.h5 </dev/null >viewed.out 2>&1 &
PID=$!
if WIN=$(find_window); then
  ok
  # The run ends at 1d 00:00:00 and the window stays up with that frame.
  t=$(wait_title '1d 00:00:00' 60) && ok ||
    fail "batch title at the end" "... 1d 00:00:00 ..." "$t"
  [[ "$t" =~ batch ]] && ok || fail "batch speed in the title" "batch" "$t"
  kill -0 "$PID" 2>/dev/null && ok ||
    fail "window after the run" "kept open until q" "process gone"
  key q
  wait_exit
  [[ "$rc" == 0 ]] && ok || fail "q after a complete run" "exit 0" "exit $rc $(head -c 300 viewed.out)"
  cmp -s plain.h5 viewed.h5 && ok ||
    fail "trace with --view" "identical bytes to the run without" "differs"
else
  fail "batch window" "a window named gridsim" "none ($(head -c 300 viewed.out))"
fi
PID=""

# --- 2. Paced: pause, step, speed, quit.
"$BIN" run scn.json --view --pace 1800 --no-twin --out paced.h5 \
  </dev/null >paced.out 2>&1 &
PID=$!
if WIN=$(find_window); then
  t=$(wait_title 'paced 1800x' 20) && ok || fail "paced title" "paced 1800x" "$t"
  sleep 0.5
  key space
  t1=$(wait_title 'PAUSED' 10) && ok || fail "space pauses" "PAUSED in the title" "$t1"
  s1=$(title_s "$t1")
  sleep 1.5 # 45 simulated minutes at 1800x if the pause did not hold
  t2=$(title)
  s2=$(title_s "$t2")
  [[ "$s2" == "$s1" && "$t2" =~ PAUSED ]] && ok ||
    fail "simulated time while paused" "$t1" "$t2"
  key period
  sleep 1.5 # one 60-s interval takes 33 ms at 1800x; then paused again
  t3=$(wait_title 'PAUSED' 10)
  s3=$(title_s "$t3")
  (( s3 >= s2 + 60 && s3 <= s2 + 120 )) && [[ "$t3" =~ PAUSED ]] && ok ||
    fail "'.' steps one output interval (60 s) and pauses" \
         "PAUSED at $((s2 + 60))..$((s2 + 120)) s" "$t3 ($s3 s)"
  key space
  key plus plus plus
  t4=$(wait_title 'paced 14400x' 10) && ok ||
    fail "'+' three times doubles the pacer thrice" "paced 14400x" "$t4"
  sleep 1 # 4 simulated hours at 14400x
  key minus
  t5=$(wait_title 'paced 7200x' 10) && ok || fail "'-' halves it" "paced 7200x" "$t5"
  s5=$(title_s "$t5")
  (( s5 >= s3 + 7200 )) && ok ||
    fail "time runs faster after '+'" ">= $((s3 + 7200)) s" "$t5 ($s5 s)"
  key q
  wait_exit
  [[ "$rc" == 130 ]] && ok || fail "q in a paced run" "exit 130" "exit $rc $(head -c 300 paced.out)"
  grep -q "interrupted at simulated time" paced.out && ok ||
    fail "q message" "interrupted at simulated time ..." "$(head -c 300 paced.out)"
  c=$(h5dump -a /meta/complete paced.h5 2>/dev/null | grep -o '(0): [0-9]*')
  [[ "$c" == "(0): 0" ]] && ok || fail "trace after q" "complete = 0, readable" "$c"
else
  fail "paced window" "a window named gridsim" "none ($(head -c 300 paced.out))"
fi
PID=""

if [[ $FAILED -ne 0 ]]; then
  echo "$NAME: $FAILED failed, $PASSED passed"
  exit 1
fi
echo "$NAME: ok ($PASSED checks)"
