#!/usr/bin/env bash
# A throwaway certificate authority and a server certificate for localhost, 127.0.0.1 and ::1,
# made with openssl. scripts/run.sh uses it for the demo broker, and the tests' makeTestCa()
# (tests/support/src/test_ca.cpp) runs it too, so both make certificates the same way.
#
#   scripts/make-ca.sh [--days N] [--name TEXT] CA_PREFIX SERVER_PREFIX
#
# Writes CA_PREFIX.crt/.key and SERVER_PREFIX.crt/.key (keys mode 0600; the folders must exist).
# --days: how long both stay valid (default 3650); --name: the CA's common name (default
# "punchlink local CA").
#
# Idempotent: a CA that is there and valid for another day is kept, and so is a server
# certificate that chains to it and is valid for another day; anything else is made anew (a new
# CA always gets a new server certificate). Files appear complete or not at all. Prints nothing on
# success; on failure, openssl's output on stderr and exit status 1 (2 for bad arguments).
set -euo pipefail

usage() {
  echo "usage: scripts/make-ca.sh [--days N] [--name TEXT] CA_PREFIX SERVER_PREFIX" >&2
  exit 2
}

days=3650
name="punchlink local CA"
prefixes=()
while [ $# -gt 0 ]; do
  case $1 in
    --days)
      [ $# -ge 2 ] || usage
      days=$2
      shift
      ;;
    --name)
      [ $# -ge 2 ] || usage
      name=$2
      shift
      ;;
    -h | --help) usage ;;
    -*) echo "make-ca.sh: unknown option $1" >&2 && usage ;;
    *) prefixes+=("$1") ;;
  esac
  shift
done
[ ${#prefixes[@]} -eq 2 ] || usage
if ! [[ $days =~ ^[1-9][0-9]{0,4}$ ]]; then
  echo "make-ca.sh: --days needs a number of days from 1 to 99999, got \"$days\"" >&2
  exit 2
fi
# The name goes into -subj, where / and = separate fields.
if [ -z "$name" ] || [[ $name == *[/=\\]* ]]; then
  echo "make-ca.sh: --name needs a non-empty text without / = or \\, got \"$name\"" >&2
  exit 2
fi
ca=${prefixes[0]}
server=${prefixes[1]}
for prefix in "$ca" "$server"; do
  [ -d "$(dirname "$prefix")" ] || {
    echo "make-ca.sh: no folder $(dirname "$prefix"); create it first" >&2
    exit 2
  }
done

# Everything is made in a private folder beside the CA and moved into place when complete.
umask 077
work=$(mktemp -d "$(dirname "$ca")/.make-ca.XXXXXX")
trap 'rm -rf "$work"' EXIT
# quiet COMMAND...: runs COMMAND with its output kept, shown only if it fails.
quiet() {
  if ! "$@" >"$work/output" 2>&1; then
    cat "$work/output" >&2
    echo "make-ca.sh: failed: $*" >&2
    exit 1
  fi
}
# usable PREFIX: PREFIX.crt and PREFIX.key exist, belong together (a run killed between its two
# moves leaves them apart) and the certificate is valid for another day.
usable() {
  [ -s "$1.key" ] && [ -s "$1.crt" ] &&
    openssl x509 -checkend 86400 -noout -in "$1.crt" >/dev/null 2>&1 &&
    [ "$(openssl x509 -noout -pubkey -in "$1.crt" 2>&1)" = "$(openssl pkey -pubout -in "$1.key" 2>&1)" ]
}

if ! usable "$ca"; then
  quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
    -subj "/CN=$name" -keyout "$work/ca.key" -out "$work/ca.crt"
  chmod 644 "$work/ca.crt"
  mv -f "$work/ca.key" "$ca.key"
  mv -f "$work/ca.crt" "$ca.crt"
fi

# A server certificate of an earlier CA no longer verifies.
if ! usable "$server" || ! openssl verify -CAfile "$ca.crt" "$server.crt" >/dev/null 2>&1; then
  quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout "$work/server.key" -out "$work/server.csr"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n' \
    >"$work/server.ext"
  quiet openssl x509 -req -in "$work/server.csr" -CA "$ca.crt" -CAkey "$ca.key" \
    -CAcreateserial -CAserial "$work/ca.srl" -days "$days" -extfile "$work/server.ext" \
    -out "$work/server.crt"
  chmod 644 "$work/server.crt"
  mv -f "$work/server.key" "$server.key"
  mv -f "$work/server.crt" "$server.crt"
fi
