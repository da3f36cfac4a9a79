#!/usr/bin/env bash
# Shoal set-up on Debian bookworm (run as root, from the checkout). Idempotent: packages are
# installed only when missing, builds are incremental (Ninja + ccache).
#
#   bash scripts/setup.sh run    install, build, start the main job
#   bash scripts/setup.sh test   install, build, run the whole test suite (ctest), including an
#                                ASan+UBSan build of the suite and brief libFuzzer runs (clang)
#   bash scripts/setup.sh deps   only install the packages
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${JOBS:-$(nproc)}
# ccache keyed on paths relative to the checkout, so a clean clone elsewhere (CI) reuses what an
# earlier build of the same sources compiled. Debug info then names paths relative to the build.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}

PACKAGES=(
  build-essential g++ cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev
  libssl-dev libboost-dev libboost-system-dev
  libtorrent-rasterbar-dev python3-libtorrent mktorrent
  libsqlite3-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libexpat1-dev
  curl openssl aria2 transmission-cli
  opentracker python3
  qt6-base-dev qt6-declarative-dev qt6-charts-dev qt6-qpa-plugins
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-templates qml6-module-qtquick-window qml6-module-qtqml-workerscript
  qml6-module-qtcharts qml6-module-qttest qml6-module-qtquick-dialogs qml6-module-qt-labs-folderlistmodel
  qtkeychain-qt6-dev libsecret-1-0 gnome-keyring dbus libsecret-tools
)

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    local SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    log "all packages present"
  fi
}

# configure_and_build <dir> <cmake args...>
configure_and_build() {
  local dir=$1; shift
  if [[ ! -f "$ROOT/$dir/build.ninja" ]]; then
    log "configuring $dir"
    cmake -S "$ROOT" -B "$ROOT/$dir" -G Ninja "$@"
  fi
  log "building $dir"
  cmake --build "$ROOT/$dir" -j "$JOBS"
}

run_ctest() {
  local dir=$1
  log "testing $dir"
  ctest --test-dir "$ROOT/$dir" --output-on-failure -j "$JOBS" --timeout 600
}

cmd=${1:-}
case "$cmd" in
  deps)
    install_deps
    ;;
  run)
    install_deps
    configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    # The tracker on its embedded defaults: public mode, UDP and HTTP on port 6969 of every
    # address, SQLite under ./shoal-data. Extra arguments go to shoal-tracker (e.g. --config FILE).
    shift
    exec "$ROOT/build/tracker/shoal-tracker" "$@"
    ;;
  test)
    install_deps
    configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    run_ctest build
    configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DSHOAL_SANITIZE=ON \
      -DSHOAL_BUILD_BENCH=OFF -DSHOAL_BUILD_GUI=OFF
    run_ctest build-asan
    configure_and_build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHOAL_FUZZ=ON \
      -DCMAKE_CXX_COMPILER=clang++
    run_ctest build-fuzz
    log "all tests passed"
    ;;
  *)
    echo "usage: $0 run|test|deps" >&2
    exit 2
    ;;
esac
