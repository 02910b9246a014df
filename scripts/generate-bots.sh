#!/usr/bin/env bash
# Regenerates the example bots' Python and Go code (bots/python/gen, bots/go/gen) from proto/ with the
# local plugins scripts/install-grpc-tools.sh installs (cached). Run it after changing proto/ and
# commit the result: bots/test/other-languages.spec.ts fails while the committed code is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$(bash scripts/install-grpc-tools.sh)"
export PATH="$tools/bin:$tools/venv/bin:$tools/go/bin:$PATH:/usr/local/go/bin"
rm -rf bots/python/gen bots/go/gen # a proto file removed leaves no stale code behind
npx --no-install buf generate --template bots/python/buf.gen.yaml
npx --no-install buf generate --template bots/go/buf.gen.yaml
echo "bots/python/gen and bots/go/gen regenerated from proto/"
