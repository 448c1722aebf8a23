#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The one set-up script behind the README's two commands:
#
#   bash .ci/setup.sh run [ARGS...]   install what is missing, build, run
#                                     ./build/gridsim run ARGS...
#   bash .ci/setup.sh test            install what is missing, build with
#                                     -Werror, run ctest in build/, then the
#                                     whole suite again under ASan+UBSan in
#                                     build-asan/; prints "N passed, N failed"
#                                     as its last line
#
# Meant for Debian 12 as root (sudo is neither needed nor used). Idempotent and
# callable from any directory. Environment knobs:
#   CI=true                  build build/ with -DGS_WERROR=ON in run mode too
#   GS_BUILD_TYPE=...        CMAKE_BUILD_TYPE of build/ (RelWithDebInfo)
#   GS_EXTRA_PACKAGES="..."  more Debian packages to require (space separated)
#   GS_APT_DRY_RUN=1         print the apt-get commands instead of running them
set -euo pipefail

# Debian packages the build, the tests and the tools need. Extend here.
GS_APT_PACKAGES="build-essential cmake pkg-config libgsl-dev libmosquitto-dev \
libcjson-dev libhdf5-dev hdf5-tools libsdl2-dev check python3 python3-h5py \
python3-matplotlib python3-pandas python3-jsonschema mosquitto \
mosquitto-clients libssl-dev libsdl2-ttf-dev libsdl2-image-dev fonts-dejavu-core \
xvfb xdotool libmicrohttpd-dev libcurl4-openssl-dev curl openssl"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

log() { printf '[%s] setup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

usage() {
  cat <<'EOF'
usage: bash .ci/setup.sh run [GRIDSIM RUN ARGS...]
       bash .ci/setup.sh test
EOF
}

# Phase timing: "phase NAME" starts one, the next call (or phase_end) ends it.
PHASE_NAME=""
PHASE_T0=0
PHASE_REPORT=()
now_ms() { date +%s%3N; }
phase_end() {
  if [[ -n "$PHASE_NAME" ]]; then
    local ms=$(( $(now_ms) - PHASE_T0 ))
    local secs
    secs=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
    log "phase '$PHASE_NAME' took ${secs}s"
    PHASE_REPORT+=("$(printf '%-14s %9ss' "$PHASE_NAME" "$secs")")
    PHASE_NAME=""
  fi
}
phase() {
  phase_end
  PHASE_NAME=$1
  PHASE_T0=$(now_ms)
  log "=== $1 ==="
}

# --- 1. Debian packages ------------------------------------------------------
# dpkg-query prints "install ok installed" only for a fully installed package;
# anything else (unknown, removed, half-configured) counts as missing.
ensure_packages() {
  local pkgs="$GS_APT_PACKAGES ${GS_EXTRA_PACKAGES:-}"
  local missing=() p
  command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: this script expects Debian 12" \
        "(install by hand: $pkgs)"
  for p in $pkgs; do
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" \
          != "install ok installed" ]]; then
      missing+=("$p")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "all $(wc -w <<<"$pkgs") required packages are installed; nothing to do"
    return 0
  fi
  log "missing packages: ${missing[*]}"
  local install=(apt-get install -y --no-install-recommends "${missing[@]}")
  if [[ "${GS_APT_DRY_RUN:-0}" == 1 ]]; then
    log "dry run, would run: apt-get update"
    log "dry run, would run: DEBIAN_FRONTEND=noninteractive ${install[*]}"
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    log "not root: cannot install. As root, run:" >&2
    printf '  apt-get update && DEBIAN_FRONTEND=noninteractive %s\n' \
      "${install[*]}" >&2
    exit 1
  fi
  log "running: apt-get update"
  apt-get update
  log "running: DEBIAN_FRONTEND=noninteractive ${install[*]}"
  DEBIAN_FRONTEND=noninteractive "${install[@]}"
}

# Prism (npm) for tests/cli/vtn_prism.sh: only where the OpenADR spec it
# checks against is present and npm exists; into a cache, not the repo.
ensure_prism() {
  local spec="$ROOT/../shared/openadr3/3.1.0/openadr3.yaml"
  [[ -f "$spec" ]] || { log "no OpenADR 3.1.0 spec: Prism not needed"; return 0; }
  command -v npm >/dev/null 2>&1 ||
    { log "npm missing: Prism not installed (vtn_prism will skip)"; return 0; }
  bash "$ROOT/.ci/prism.sh" || log "Prism install failed (vtn_prism will fail)"
}

# --- 2. Configure and build --------------------------------------------------
# A build directory configured from another checkout (a moved or re-cloned
# repo) makes CMake refuse to run; drop its cache so configuring starts anew.
reset_stale_cache() {
  local dir=$1 home
  [[ -f "$dir/CMakeCache.txt" ]] || return 0
  home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$dir/CMakeCache.txt")
  if [[ -n "$home" && "$(cd "$home" 2>/dev/null && pwd -P)" != "$(pwd -P)" ]]
  then
    log "$dir was configured for $home; resetting its CMake cache"
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  fi
}

# configure_and_build DIR CMAKE_ARGS...: returns non-zero on failure.
configure_and_build() {
  local dir=$1
  shift
  reset_stale_cache "$dir"
  log "running: cmake -S . -B $dir $*"
  cmake -S . -B "$dir" "$@" || return 1
  log "running: cmake --build $dir -j$(nproc)"
  cmake --build "$dir" -j"$(nproc)" || return 1
}

# --- 3. Tests ----------------------------------------------------------------
TOTAL_PASSED=0
TOTAL_FAILED=0
FAILURES=()

# run_ctest DIR [ENV=VALUE...]: runs the suite in DIR, adds its counts to the
# totals from ctest's "NN% tests passed, N tests failed out of M" line.
run_ctest() {
  local dir=$1
  shift
  local logf="$dir/ctest-setup.log" rc line failed total
  local re='([0-9]+) tests? failed out of ([0-9]+)'
  log "running: ${*:+$* }ctest --test-dir $dir --output-on-failure -j2"
  set +e
  env "$@" ctest --test-dir "$dir" --output-on-failure -j2 --no-tests=error \
    2>&1 | tee "$logf"
  rc=${PIPESTATUS[0]}
  set -e
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$logf" |
         tail -n 1 || true)
  if [[ "$line" =~ $re ]]; then
    failed=${BASH_REMATCH[1]}
    total=${BASH_REMATCH[2]}
    TOTAL_PASSED=$((TOTAL_PASSED + total - failed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    log "$dir: $((total - failed)) passed, $failed failed (ctest exit $rc)"
  else
    log "$dir: no ctest summary line found (ctest exit $rc)"
  fi
  if [[ $rc -ne 0 ]]; then
    FAILURES+=("ctest in $dir (exit $rc)")
  fi
}

mode_test() {
  phase "packages"
  ensure_packages
  ensure_prism

  # A failed build is recorded and the other build still runs, so one report
  # covers everything.
  phase "build"
  local built=1 built_asan=1
  if ! configure_and_build build \
      -DCMAKE_BUILD_TYPE="${GS_BUILD_TYPE:-RelWithDebInfo}" \
      -DGS_WERROR=ON -DGS_SANITIZE=OFF -DGS_BUILD_TESTS=ON; then
    FAILURES+=("build of build/")
    built=0
  fi

  phase "test"
  if [[ $built == 1 ]]; then
    run_ctest build
  else
    log "skipped: build/ did not build"
  fi

  phase "build-asan"
  if ! configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug \
      -DGS_SANITIZE=ON -DGS_WERROR=ON -DGS_BUILD_TESTS=ON; then
    FAILURES+=("build of build-asan/")
    built_asan=0
  fi

  phase "test-asan"
  if [[ $built_asan == 1 ]]; then
    run_ctest build-asan \
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  else
    log "skipped: build-asan/ did not build"
  fi
  phase_end

  log "phase times:"
  printf '  %s\n' "${PHASE_REPORT[@]}"
  local rc=0
  if [[ ${#FAILURES[@]} -gt 0 ]]; then
    log "FAILED: $(printf '%s; ' "${FAILURES[@]}" | sed 's/; $//')"
    rc=1
  else
    log "all good"
  fi
  echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
  return $rc
}

mode_run() {
  phase "packages"
  ensure_packages

  phase "build"
  local werror=OFF
  [[ "${CI:-}" == true ]] && werror=ON
  configure_and_build build \
    -DCMAKE_BUILD_TYPE="${GS_BUILD_TYPE:-RelWithDebInfo}" \
    -DGS_WERROR="$werror" -DGS_SANITIZE=OFF ||
    die "build failed"

  phase "run"
  log "running: ./build/gridsim run${*:+ $*}"
  local rc=0
  ./build/gridsim run "$@" || rc=$?
  phase_end
  log "gridsim exited with status $rc"
  return $rc
}

main() {
  local mode=${1:-}
  case "$mode" in
    run)
      shift
      mode_run "$@"
      ;;
    test)
      shift
      [[ $# -eq 0 ]] || { usage >&2; die "test mode takes no arguments"; }
      mode_test
      ;;
    -h | --help | help)
      usage
      ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
