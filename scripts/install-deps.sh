#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what pktgate needs to build, run and test on Debian/Ubuntu.
# Idempotent: apt-get runs only when a package is missing.
set -euo pipefail

# Build: BPF toolchain, libraries found through pkg-config, skeleton generator.
BUILD_PKGS="make gcc clang llvm pkg-config libbpf-dev libxdp-dev libmnl-dev libelf-dev zlib1g-dev bpftool libmicrohttpd-dev"
# Run: netlink tools, namespaces (util-linux: unshare, nsenter).
RUN_PKGS="iproute2 util-linux"
# Tests: traffic tools, JSON checks, man page rendering, bash completion,
# HTTP scrapes (curl), the metrics format checker (promtool, in prometheus)
# and clang's sanitizer and libFuzzer runtimes (make fuzz; gcc's come with gcc).
TEST_PKGS="iputils-ping socat jq procps man-db groff-base bash-completion curl prometheus tmux valgrind libclang-rt-dev"
# Benchmarks (make bench): the filters pktgate is compared with, plots, JSON.
BENCH_PKGS="nftables iptables ipset gnuplot-nox jq procps"

want="$BUILD_PKGS $RUN_PKGS"
case "${1:-}" in
  --test) want="$want $TEST_PKGS $BENCH_PKGS" ;;  # the bench smoke test uses them all
  --bench) want="$want $BENCH_PKGS" ;;
  "" | --build) ;;
  *) echo "usage: $0 [--build|--test|--bench]" >&2; exit 2 ;;
esac

missing=()
for p in $want; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "install-deps: missing packages (${missing[*]}) and no apt-get: install them by hand" >&2
  exit 1
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The tests only need promtool from the prometheus package, not the
# Prometheus server it would enable and start on every interface: keep
# package scripts from starting services (the Debian policy-rc.d way), and
# leave the server disabled.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e $policy ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null
  $SUDO chmod 755 $policy
  own_policy=1
fi
trap '[ -n "$own_policy" ] && $SUDO rm -f $policy' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
