#!/usr/bin/env bash
# Installs the Debian packages punchlink builds and tests with. Idempotent: packages already
# installed are skipped, and apt-get runs only when something is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-format clang-tidy
  clang libclang-rt-14-dev  # libFuzzer for the bounded fuzz run
  # libraries
  libpoco-dev libpaho-mqttpp-dev libpaho-mqtt-dev libsqlite3-dev libyaml-cpp-dev libssl-dev
  nlohmann-json3-dev libhowardhinnant-date-dev libsystemd-dev libgtest-dev libgmock-dev
  libpq-dev  # the relay's PostgreSQL storage
  # runtime and test peers
  tzdata mosquitto mosquitto-clients openssl sqlite3 ca-certificates curl python3
  postgresql  # initdb and pg_ctl: the relay tests run against PostgreSQL too
  python3-requests  # runs the seed guide's Python examples
  dpkg-dev systemd  # packaging: dpkg-shlibdeps for the .deb dependencies, systemd-analyze
  chromium  # the operator console's browser tests (headless, driven by playwright-core)
)

# Node.js runs the third-party ZK clients of the peers tests. Any packaged Node ≥ 18 works; keep
# one that is already installed (some images ship a newer build with npm bundled).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Debian starts the packaged broker on port 1883; punchlink's tests and demo run their own
# brokers on free ports, so the system one is left alone (only stopped from holding 1883 if we
# just installed it and nothing else asked for it).
if printf '%s\n' "${missing[@]}" | grep -qx mosquitto && command -v systemctl >/dev/null &&
  systemctl is-active --quiet mosquitto 2>/dev/null; then
  "${sudo[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi
