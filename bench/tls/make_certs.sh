#!/usr/bin/env bash
# bench/tls/make_certs.sh DIR: a CA and a server certificate for localhost
# (SAN DNS:localhost, IP:127.0.0.1), EC P-256 keys as in the TLS tests, made
# with the openssl command into DIR (ca.pem, server.pem, server.key).
# No private key is ever committed: the benchmark makes them at run time.
set -euo pipefail
dir=${1:?usage: make_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
{
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout ca.key -out ca.pem -subj "/CN=coronet bench CA" -days 2
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout server.key -out server.csr -subj /CN=localhost
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > san.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -out server.pem -days 2 -extfile san.ext
} >certs.log 2>&1 || { cat certs.log >&2; exit 1; }
