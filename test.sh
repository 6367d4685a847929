#!/usr/bin/env bash
# Runs every test of vmr-scheduler: formatting, lints, unit and integration tests, the systemd unit's
# exposure score, the static build and the .deb. Installs what it needs when it is missing
# (Debian packages, the musl Rust target), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root to run: $*" >&2; exit 1; fi
}

missing=()
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v musl-gcc >/dev/null || missing+=(musl-tools)
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v dpkg-deb >/dev/null || missing+=(dpkg)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-linux-musl; then
    step "adding the musl Rust target"
    rustup target add x86_64-unknown-linux-musl
fi

# exchangelib, the third-party EWS client that drives the simulated Exchange in the tests.
if ! target/pyenv/bin/python -c 'import exchangelib' 2>/dev/null; then
    step "installing exchangelib into target/pyenv"
    mkdir -p target
    python3 -m venv target/pyenv
    target/pyenv/bin/pip install --quiet --disable-pip-version-check -r tests/exchangelib/requirements.txt
fi
export VMR_PYTHON="$PWD/target/pyenv/bin/python" VMR_REQUIRE_EXCHANGELIB=1

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --all-targets --locked -- -D warnings

step "unit and integration tests"
cargo test --locked

step "browser tests (headless Chromium)"
tests/browser/run

step "systemd unit exposure (must be 2.0 or lower)"
exposure=$(systemd-analyze security --offline=yes systemd/vmr-scheduler.service 2>/dev/null \
    | sed -n 's/.*Overall exposure level for vmr-scheduler.service: \([0-9.]*\).*/\1/p')
echo "exposure: ${exposure:-unknown}"
awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.0) }'

step "static binary and .deb"
deb=$(packaging/build-deb)
dpkg-deb --info "$deb" >/dev/null
contents=$(dpkg-deb --contents "$deb")
for f in ./usr/bin/vmr-scheduler ./lib/systemd/system/vmr-scheduler.service ./etc/vmr-scheduler/config.json; do
    grep -q " $f\$" <<<"$contents" || { echo "$deb lacks $f" >&2; exit 1; }
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/vmr-scheduler/config.json
bin=target/x86_64-unknown-linux-musl/release/vmr-scheduler
ldd "$bin" 2>&1 | grep -q "statically linked"
"$bin" check-config --config packaging/config.example.json >/dev/null 2>&1 && {
    echo "the example config should need its placeholder files" >&2; exit 1; } || true
echo "$deb: $(stat -c %s "$deb") bytes; binary $(stat -c %s "$bin") bytes, statically linked"

step "all tests passed"
