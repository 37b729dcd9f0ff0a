#!/usr/bin/env bash
# The Python tools the tests use as independent checkers, in one venv:
#   cyclonedx-python-lib (strict JSON validation of CycloneDX), spdx-tools
#   (pyspdxtools), ntia-conformance-checker, packaging (PEP 440 reference).
# Tests find it through $CUSTOMS_PYTHON (default: this venv's python).
set -euo pipefail
VENV=${CUSTOMS_VENV:-$HOME/.cache/customs-venv}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade \
  'cyclonedx-python-lib[json-validation]' spdx-tools ntia-conformance-checker packaging
echo "$VENV/bin/python"
