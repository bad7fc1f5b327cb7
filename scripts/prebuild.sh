#!/bin/sh
# Builds the addon binaries shipped in the npm package, src/native/prebuilds/<platform>-<arch>/
# (loaded by node-gyp-build when no local build exists): linux-x64 (glibc) always, linux-arm64
# (glibc) when the cross compiler is installed (apt-get install g++-aarch64-linux-gnu).
# N-API (NAPI_VERSION 8): one binary serves every Node version from 20 on.
# Run by `npm pack` / `npm publish` (prepack). Builds in a scratch copy, so that the local
# src/native/build stays the machine's own.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root/src/native/binding.gyp" "$root/src/native/hexad.cc" "$work/"
cd "$work"
# binding.gyp finds node-addon-api with require(); Debian's npm builds against /usr/include/node
export NODE_PATH="$root/node_modules"
# node-gyp: npm's own (on PATH inside npm scripts; found next to npm otherwise)
command -v node-gyp >/dev/null 2>&1 || PATH="$PATH:$(dirname "$(readlink -f "$(command -v npm)")")/node-gyp-bin"
target=$(node -p process.versions.node)
nodedir=$(npm config get nodedir 2>/dev/null || true)
[ -n "$nodedir" ] && [ "$nodedir" != undefined ] && [ "$nodedir" != null ] && export npm_config_nodedir="$nodedir"
"$root/node_modules/.bin/prebuildify" --napi --strip --tag-libc -t "$target"
if command -v aarch64-linux-gnu-g++ >/dev/null 2>&1; then
  CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
    "$root/node_modules/.bin/prebuildify" --napi --tag-libc --arch arm64 -t "$target"
  aarch64-linux-gnu-strip --strip-unneeded prebuilds/linux-arm64/*.node
else
  echo "prebuild: no aarch64-linux-gnu-g++: linux-arm64 not built" >&2
fi
rm -rf "$root/src/native/prebuilds"
cp -r prebuilds "$root/src/native/prebuilds"
find "$root/src/native/prebuilds" -type f -exec ls -l {} +
