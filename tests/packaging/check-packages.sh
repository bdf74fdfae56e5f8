#!/usr/bin/env bash
# Builds the .deb packages from the release preset and checks them as a site technician would
# meet them: names, dependencies, conffiles, maintainer scripts, contents; installs them into a
# throwaway root (dpkg-deb -x, no root needed) and runs the shipped binaries on the shipped
# configs; verifies the systemd units and their hardening score where systemd-analyze exists.
# Usage: tests/packaging/check-packages.sh SOURCE_DIR WORK_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
work=$2
build=$source_dir/build/release
fail() { printf 'check-packages: FAIL: %s\n' "$*" >&2; exit 1; }
note() { printf 'check-packages: %s\n' "$*"; }

cd "$source_dir"
cmake --preset release >/dev/null
# Niced: ctest runs this beside the other tests, which must not be slowed down by it.
nice -n 19 cmake --build "$build" --target punchlink-agent punchlink-relay zk-sim
rm -rf "$work" && mkdir -p "$work/debs" "$work/root"
cpack --config "$build/CPackConfig.cmake" -B "$work/debs" >/dev/null
version=$(grep -m1 -oP '^\s+VERSION \K[0-9.]+' CMakeLists.txt)  # project(punchlink VERSION …)

for package in punchlink-agent punchlink-relay punchlink-tools; do
  deb=$work/debs/${package}_${version}_amd64.deb
  [ -f "$deb" ] || fail "$deb was not built"
  [ "$(dpkg-deb -f "$deb" Package)" = "$package" ] || fail "$deb: wrong Package field"
  depends=$(dpkg-deb -f "$deb" Depends)
  libraries=(libc6 libstdc++6 libpoconet80)
  [ "$package" = punchlink-tools ] || libraries+=(libssl3 libsqlite3-0 libpaho-mqtt1.3 libsystemd0)
  for library in "${libraries[@]}"; do
    [[ $depends == *"$library"* ]] || fail "$package: Depends lacks $library: $depends"
  done
  dpkg-deb -x "$deb" "$work/root"
  note "$package: $(dpkg-deb -f "$deb" Version), depends on $(tr ',' '\n' <<<"$depends" | wc -l) packages"
done

for component in agent relay; do
  deb=$work/debs/punchlink-${component}_${version}_amd64.deb
  control=$work/control-$component
  dpkg-deb -e "$deb" "$control"
  [ "$(cat "$control/conffiles")" = "/etc/punchlink/$component.yaml" ] ||
    fail "$component: conffiles is not /etc/punchlink/$component.yaml"
  [ -x "$control/postinst" ] && [ -x "$control/prerm" ] || fail "$component: maintainer scripts"
  grep -q 'adduser --system --group' "$control/postinst" || fail "$component: no system user"
  sh -n "$control/postinst" && sh -n "$control/prerm" || fail "$component: script syntax"
  contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
  for path in ./usr/bin/punchlink-$component ./etc/punchlink/$component.yaml \
      ./usr/lib/systemd/system/punchlink-$component.service; do
    grep -qx -- "$path" <<<"$contents" || fail "$component: $path missing from the package"
  done
done
dpkg-deb -c "$work/debs/punchlink-tools_${version}_amd64.deb" | grep -q './usr/bin/zk-sim' ||
  fail "tools: zk-sim missing"

# The shipped binaries run, and accept the shipped configurations once the files those name exist
# (here under the throwaway root instead of /etc and /var/lib).
root=$work/root
"$root/usr/bin/punchlink-agent" --version | grep -q "$version" || fail "agent --version"
"$root/usr/bin/punchlink-relay" --version | grep -q "$version" || fail "relay --version"
mkdir -p "$root/var/lib/punchlink"
printf 'secret\n' >"$root/etc/punchlink/broker-password"
printf 'secret\n' >"$root/etc/punchlink/relay-broker-password"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj '/CN=test CA' \
  -keyout "$work/ca.key" -out "$root/etc/punchlink/ca.crt" 2>/dev/null
for component in agent relay; do
  sed -e "s#/etc/punchlink/#$root/etc/punchlink/#g" -e "s#/var/lib/punchlink/#$root/var/lib/punchlink/#g" \
    "$root/etc/punchlink/$component.yaml" >"$work/$component.yaml"
  "$root/usr/bin/punchlink-$component" --check-config "$work/$component.yaml" >/dev/null ||
    fail "the shipped $component.yaml does not pass --check-config"
  note "shipped $component.yaml passes --check-config"
done

# scripts/install-deps.sh installs systemd for this; a check that quietly skipped would pass
# units nobody verified.
command -v systemd-analyze >/dev/null ||
  fail "systemd-analyze is missing: run scripts/install-deps.sh (it installs systemd)"
for component in agent relay; do
  unit=$work/units/punchlink-$component.service
  mkdir -p "$work/units"
  sed "s#/usr/bin/#$root/usr/bin/#g" "$root/usr/lib/systemd/system/punchlink-$component.service" >"$unit"
  systemd-analyze verify "$unit" || fail "systemd-analyze verify punchlink-$component.service"
  # Exposure at most 2.0 (the threshold is in tenths).
  systemd-analyze security --offline=yes --threshold=20 "$unit" >"$work/security-$component.txt" ||
    fail "punchlink-$component.service: $(tail -1 "$work/security-$component.txt")"
  note "punchlink-$component.service: $(grep -o 'Overall exposure level.*' "$work/security-$component.txt")"
done
note "all package checks passed"
