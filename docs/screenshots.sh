#!/usr/bin/env bash
# Refreshes the README's screenshots (docs/screenshots/*.png) from the browser tests: SignInWalkBrowserIT
# walks the app in Debian's headless Chromium and, with -Dtwostep.screenshots, saves the pages it reaches
# at phone width (390x844). See docs/screenshots.md.
#
# Needs Debian's chromium and chromium-driver, and axe-core's axe.min.js in TWOSTEP_TEST_AXE_JS (bash .ci/run
# installs all three; axe-core goes to ~/.cache/twostep/axe-core-<version>, which is used when the variable is
# not set).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TWOSTEP_TEST_AXE_JS:-}" ]; then
  TWOSTEP_TEST_AXE_JS=$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/twostep/axe-core-*/node_modules/axe-core/axe.min.js \
                        2>/dev/null | sort -V | tail -1 || true)
  export TWOSTEP_TEST_AXE_JS
fi
mkdir -p target
marker=target/screenshots.started
touch "$marker"
# Only the walk, in the test JVM of Failsafe's default execution (no WAR needed: the tests serve webapp/).
mvn -B -q test-compile failsafe:integration-test failsafe:verify -Dit.test=SignInWalkBrowserIT \
  -Dtwostep.screenshots=docs/screenshots
for shot in sign-in code code-de; do
  if [ ! docs/screenshots/$shot.png -nt "$marker" ]; then
    echo "docs/screenshots/$shot.png was not taken (were the browser tests skipped? see above)" >&2
    exit 1
  fi
done
echo "wrote docs/screenshots/sign-in.png, code.png and code-de.png"
