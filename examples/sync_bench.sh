#!/usr/bin/env bash
# Runs examples/sync_bench.rs: builds the release binary, installs simple-salesforce (pinned
# in tests/third_party/simple_salesforce/requirements.txt) into a venv under target/ for the
# reference extraction, then benchmarks `vitals sync` on generated orgs of 10,000 and
# 100,000 accounts (pass --accounts N to choose; --no-reference to skip simple-salesforce).
# Needs python3 with venv; only the pip install reaches PyPI, everything else is loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=tests/third_party/simple_salesforce/requirements.txt
venv=target/third-party/simple-salesforce-venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi

cargo build --release --locked --quiet
cargo run --release --locked --quiet --example sync_bench -- "$@"
