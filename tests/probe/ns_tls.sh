#!/bin/sh
# TLS and plain HTTP past each other, the other way round from
# ns_http.sh: plain http:// to a TLS port (wrong_protocol, fix: https://),
# and https:// to a TLS server whose self-signed certificate the client
# does not trust (tls_untrusted: not wrong_protocol, both sides speak
# TLS; the fix names the CA settings of each client). The certificate is
# made here, for one day, with openssl.
. "$2/lib.sh"

command -v openssl >/dev/null || skip "openssl is not installed"
python3 -c 'import ssl' 2>/dev/null || skip "python3 has no ssl module"
CERTDIR=$(mktemp -d)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$CERTDIR/key.pem" -out "$CERTDIR/cert.pem" >/dev/null 2>&1 ||
    skip "openssl cannot make a certificate"

start python3 "$SRC/tls_server.py" 127.0.0.1 3443 "$CERTDIR/cert.pem" \
    "$CERTDIR/key.pem"
wait_port 127.0.0.1 3443

expect "http:// to a TLS port" wrong_protocol 1 --timeout 1 \
    http://127.0.0.1:3443/mcp
check_json 'd["http"]["tls_mismatch"]' plain_to_tls
check_json 'd["diagnosis"]["fix"][0]' 'use https://127.0.0.1:3443/mcp in the client'
check_json 'd["diagnosis"]["stage"]' http

expect "https:// with an untrusted self-signed certificate" tls_untrusted 1 \
    --timeout 1 https://127.0.0.1:3443/mcp
check_json 'd["http"]["tls_mismatch"]' None
check_json '"certificate" in d["http"]["tls_untrusted"]["error"]' True
check_json 'd["http"]["tls_untrusted"]["status_without_check"]' 200
check_json 'any("NODE_EXTRA_CA_CERTS" in f for f in d["diagnosis"]["fix"])' True
check_json 'any(f.startswith("curl --cacert") for f in d["diagnosis"]["fix"])' True
check_json 'd["mcp"]["ok"]' False

# The same over localhost, the name in the certificate: still untrusted
# (self-signed), and the stderr line says why.
mkdir -p "/etc/netns/$NS"
printf '127.0.0.1 localhost\n' >"/etc/netns/$NS/hosts"
expect "https://localhost with the certificate's name, self-signed" \
    tls_untrusted 1 --timeout 1 https://localhost:3443/mcp
rm -rf "$CERTDIR"
finish
