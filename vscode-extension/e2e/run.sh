#!/usr/bin/env bash
# CI entry point of the VS Code end-to-end test: set-up (idempotent, cached in .cache/e2e),
# then the test itself. Exit status is the test's: 0 only when every step passed in a real
# VS Code (code-server); 1 with a plain reason otherwise, including when this machine cannot
# run it. DDLGUARD_E2E_PYTHON=<python with ddlguard> reuses an environment instead of
# installing the repository into .cache/e2e/venv.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$HERE/setup.sh"
cd "$HERE/.."
exec node e2e/run.mjs
