#!/bin/sh
# Re-creates the query page's editor, src/ldpub/static/vendor/codemirror/ (committed), from the npm
# packages pinned in tools/editor/package-lock.json: `make vendor`. Needs node and npm, and the
# npm registry; serving and the tests need neither (the built files are in the package).
# To move to newer versions: change the pins in tools/editor/package.json, `npm install
# --ignore-scripts` there to rewrite the lock, run this, and commit all three with the result.
set -eu
cd "$(dirname "$0")/editor"
npm ci --ignore-scripts --no-audit --no-fund
node build.mjs
