#!/usr/bin/env bash
# Regenerates every numeric fixture under test/fixtures from PyTorch / scikit-image.
# Needs Debian's python3-torch and python3-skimage (apt); CI never runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
for script in scripts/fixtures/[!_]*.py; do
  [ "$(basename "$script")" = common.py ] && continue
  /usr/bin/python3 "$script"
done
