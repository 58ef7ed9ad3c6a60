#!/usr/bin/env bash
# Installs everything the project needs to build, run and test, from Debian 12's
# own archive. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libhiredis-dev libevent-dev libssl-dev libicu-dev libphonenumber-dev
  libtomlplusplus-dev libcli11-dev libgd-dev libabsl-dev libre2-dev libcpp-httplib-dev
  fonts-dejavu-core libespeak-ng-dev espeak-ng-data libbenchmark-dev
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev
  redis-server redis-tools openssl
  nlohmann-json3-dev
  haproxy
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node.js and npm run the tests' npm packages (browser tests, altcha-lib,
# deployment lint). Any node and npm will do: Debian's, or a vendor's build that
# bundles npm (and conflicts with Debian's npm package). The image's build
# stage needs neither (INSTALL_DEPS_WITHOUT_NODE=1).
if [ "${INSTALL_DEPS_WITHOUT_NODE:-0}" != "1" ]; then
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "Installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
