#!/usr/bin/env bash
# fuzz/mkseeds.sh: (re)writes the seed corpus fuzz/corpus/TARGET/seed-*
# for the libFuzzer targets: typical and edge-case inputs of each
# parser, made with printf and openssl (throwaway keys and certificates).
# Regression inputs (fuzz/corpus/TARGET/regress-*) are kept as they are.
# Run it from the top of the tree; commit what changed.
set -eu
C=fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in http json pem x509 request names certs; do
	mkdir -p "$C/$t"
	rm -f "$C/$t"/seed-*
done

# http: byte 0 = read size (0: any), byte 1 = flags (bit 0 HEAD, bit 1
# source fails at the end, bits 2-3 body cap: 64K, 0, 1, 100).
# shellcheck disable=SC2059  # the text is a printf format on purpose
h() { # name step flags text
	printf "\\x$(printf %02x "$2")\\x$(printf %02x "$3")$4" >"$C/http/seed-$1"
}
h cl 0 0 'HTTP/1.1 201 Created\r\nContent-Length: 5\r\nContent-Type: application/json\r\nReplay-Nonce: abc_-9XYZ\r\nLocation: https://ca.test/acme/order/1\r\nRetry-After: 3\r\n\r\nhello'
h cl-step1 1 0 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 002\r\n\r\nhi'
h chunked 3 0 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n5;name=value\r\nhello\r\n6 ; ext\r\n world\r\n00a\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n'
h chunked-cap1 0 4 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n'
h eos 7 0 'HTTP/1.0 200 OK\r\nContent-Type: application/pem-certificate-chain\r\n\r\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
h eos-fail 0 2 'HTTP/1.1 200 OK\r\n\r\npartial'
h head 0 1 'HTTP/1.1 200 OK\r\nReplay-Nonce: oFvnlFP1wIhRlYS2jTaXbA\r\nCache-Control: no-store\r\nContent-Length: 10\r\n\r\n'
h continue 2 0 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: <x>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'
h problem 0 12 'HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: 71\r\nConnection: close\r\n\r\n{"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has no nonce"}'
h keepalive10 0 0 'HTTP/1.0 200 OK\r\nConnection: keep-alive, foo\r\nContent-Length: 0\r\n\r\n'
h bad-te 0 0 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'
h bad-cl 0 0 'HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n'
h bad-chunk 1 0 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n'
h fold 0 0 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n'
h pipelined 0 0 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n\r\n'

# json: byte 0 = token cap (< 16: that many, else JSON_MAX_TOKENS).
j() { printf '\xff%s' "$2" >"$C/json/seed-$1"; }
j directory '{"keyChange":"https://localhost:14000/rollover-account-key","meta":{"externalAccountRequired":false,"termsOfService":"data:text/plain,Do%20what%20thou%20wilt"},"newAccount":"https://localhost:14000/sign-me-up","newNonce":"https://localhost:14000/nonce-plz","newOrder":"https://localhost:14000/order-plz","revokeCert":"https://localhost:14000/revoke-cert"}'
j account '{"status":"valid","contact":["mailto:a@example.com"],"orders":"https://localhost:14000/list-orderz/1","key":{"kty":"EC","crv":"P-256","x":"x","y":"y"}}'
j order '{"status":"pending","expires":"2030-01-01T00:00:00Z","identifiers":[{"type":"dns","value":"a.example.test"},{"type":"ip","value":"127.0.0.1"}],"finalize":"https://localhost:14000/finalize-order/1","authorizations":["https://localhost:14000/authZ/1","https://localhost:14000/authZ/2"]}'
j order-valid '{"status":"valid","finalize":"https://x.test/f","certificate":"https://x.test/cert/1","authorizations":[]}'
j authz '{"status":"pending","identifier":{"type":"dns","value":"a.example.test"},"challenges":[{"type":"tls-alpn-01","url":"https://x.test/c/1","token":"t1"},{"type":"http-01","url":"https://x.test/c/2","token":"LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0","status":"pending"},{"type":"dns-01","url":"https://x.test/c/3","token":"t3"}],"expires":"2030-01-01T00:00:00Z"}'
j authz-invalid '{"status":"invalid","identifier":{"type":"dns","value":"a.example.test"},"challenges":[{"type":"http-01","status":"invalid","error":{"type":"urn:ietf:params:acme:error:connection","detail":"Connection refused","status":400}}]}'
j problem '{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"Error creating new order","status":400,"subproblems":[{"type":"urn:ietf:params:acme:error:malformed","detail":"Invalid \u0041 name","identifier":{"type":"dns","value":"_x.test"}},{"type":"urn:ietf:params:acme:error:caa","identifier":{"type":"dns","value":"b.test"}}]}'
j escapes '{"st\u0061tus":"v\u0061lid","status":"\ud83d\ude00\"\\\/\b\f\n\r\t","x":[1,-2.5e+3,true,false,null,{}]}'
j nested '{"a":{"b":{"c":[[[{"status":"valid"}]]]}},"status":"ready"}'
j dup '{"status":"valid","status":"invalid"}'
j bad-trailing '{"a":1} x'
j string '"just a string"'
j smallcap '{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}'
printf '\x04{"a":[1,2,3]}' >"$C/json/seed-cap4"

# request: what reaches the http-01 listener.
# shellcheck disable=SC2059
r() { printf "$2" >"$C/request/seed-$1"; }
r good 'GET /.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0 HTTP/1.1\r\nHost: a.example.test\r\nUser-Agent: Mozilla/5.0 (compatible; Let'"'"'s Encrypt validation server)\r\nAccept: */*\r\nConnection: close\r\n\r\n'
r http10 'GET /.well-known/acme-challenge/abc HTTP/1.0\r\n\r\n'
r traversal 'GET /.well-known/acme-challenge/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n'
r encoded 'GET /.well-known/acme-challenge/%%2e%%2e%%2fkey HTTP/1.1\r\n\r\n'
r query 'GET /.well-known/acme-challenge/abc?x=1 HTTP/1.1\r\n\r\n'
r absolute 'GET http://a.test/.well-known/acme-challenge/abc HTTP/1.1\r\n\r\n'
r post 'POST /.well-known/acme-challenge/abc HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc'
r head 'HEAD /.well-known/acme-challenge/abc HTTP/1.1\r\n\r\n'
r partial 'GET /.well-known/acme-challenge/abc HTTP/1.1\r\nHost: x\r\n'
r bare-lf 'GET /.well-known/acme-challenge/abc HTTP/1.1\n\n'
r ctl 'GET /.well-known/acme-challenge/a\001c HTTP/1.1\r\n\r\n'
r http2 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
r root 'GET / HTTP/1.1\r\n\r\n'

# names: command-line names, URLs, base64url strings.
n() { printf '%s' "$2" >"$C/names/seed-$1"; }
n dns a.example.test
n dns-upper WWW.Example.COM
n wildcard '*.example.test'
n ipv4 127.0.0.1
n ipv6 2001:db8::1
n ipv6-v4 ::ffff:192.0.2.1
n label63 "$(printf 'a%.0s' $(seq 63)).test"
n traversal ../../etc/passwd
n dots a..test
n url https://localhost:14000/dir
n url-v6 'https://[::1]:443/directory?x=1'
n url-bad 'https://user@host/x'
n url-port 'https://host:65536/'
n b64 LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0
n b64-noncanon 'QQ'
n b64-pad 'QQ=='

# pem and x509: real keys, certificates and a CSR from openssl.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ec.pem" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$tmp/ec.pem" -out "$tmp/p8.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/rsa.pem" 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out "$tmp/ec384.pem" 2>/dev/null
openssl req -x509 -new -key "$tmp/ec.pem" -subj /CN=seed-ca -days 30 \
	-addext basicConstraints=critical,CA:TRUE -out "$tmp/ca.pem" 2>/dev/null
openssl req -new -key "$tmp/ec.pem" -subj /CN=a.example.test \
	-addext "subjectAltName=DNS:a.example.test,DNS:B.example.test,IP:127.0.0.1,IP:::1" \
	-out "$tmp/csr.pem" 2>/dev/null
openssl x509 -req -in "$tmp/csr.pem" -CA "$tmp/ca.pem" -CAkey "$tmp/ec.pem" \
	-CAcreateserial -CAserial "$tmp/ca.srl" -days 90 -copy_extensions copy \
	-out "$tmp/leaf.pem" 2>/dev/null
openssl req -x509 -new -key "$tmp/rsa.pem" -subj /CN=rsa -days 30 \
	-out "$tmp/rsaca.pem" 2>/dev/null
# GeneralizedTime (after 2049) for the date walk
openssl req -x509 -new -key "$tmp/ec384.pem" -subj /CN=far -days 40000 \
	-out "$tmp/far.pem" 2>/dev/null
cp "$tmp/ec.pem" "$C/pem/seed-ec-key"
cp "$tmp/p8.pem" "$C/pem/seed-pkcs8-key"
cp "$tmp/rsa.pem" "$C/pem/seed-rsa-key"
cp "$tmp/ec384.pem" "$C/pem/seed-ec384-key"
cat "$tmp/leaf.pem" "$tmp/ca.pem" >"$C/pem/seed-chain"
cat "$tmp/ca.pem" "$tmp/rsaca.pem" "$tmp/far.pem" >"$C/pem/seed-bundle"
sed 's/$/\r/' "$tmp/leaf.pem" >"$C/pem/seed-crlf"
head -c -1 "$tmp/leaf.pem" >"$C/pem/seed-no-newline"
cp "$tmp/csr.pem" "$C/pem/seed-csr"
printf 'junk before\n' | cat - "$tmp/ec.pem" "$tmp/leaf.pem" >"$C/pem/seed-key-and-cert"
for c in leaf ca rsaca far; do
	openssl x509 -in "$tmp/$c.pem" -outform DER -out "$C/x509/seed-$c"
done
openssl req -in "$tmp/csr.pem" -outform DER -out "$C/x509/seed-csr"
# certs: settings files, ARI memory and RFC 3339 times, whole input
# to each parser.
k() { printf '%s' "$2" >"$C/certs/seed-$1"; }
k settings '# nanoacme: settings of this certificate, for renew
name router.example.com
name *.example.com
directory https://ca.test/dir
ca-file /etc/ssl/ca.pem
listen [::1]:80
email a@b.test
deploy-hook /etc/init.d/uhttpd reload
webroot /www
hook /usr/lib/acme/hook.sh
alpn :443
profile shortlived
preferred-chain ISRG Root X1
csr /etc/r.csr
days 30
reuse-key yes
'
k settings-bad 'name a
reuse-key no
days 3651
'
k ari '# nanoacme: renewal information (RFC 9773)
next 1735790400
at 999999999999999999
'
k time '2025-01-02T04:00:00.123Z'
k time-offset '2016-12-31T23:59:60-05:30'
k time-leapday '2024-02-29T00:00:00+00:00'

# addr: byte 0 even = no default port (as -l takes it), odd = port 53
# (as a DNS server); the rest: an address, or resolv.conf text.
mkdir -p "$C/addr"
rm -f "$C/addr"/seed-*
a() { # name port-byte text
	printf "\\x$2%s" "$3" >"$C/addr/seed-$1"
}
a any 00 ':443'
a v4 00 '127.0.0.1:80'
a v6 00 '[::1]:5002'
a v6-bare 01 '::1'
a v6-brackets 01 '[fe80::1]'
a long-port 00 ':000080'
a resolv 01 "$(printf 'nameserver 10.0.0.12\nnameserver ::1 # c\n;x\nnameserver 1.2.3.4:5353\n')"
a resolv-tabs 01 "$(printf 'nameserver\t192.168.1.1\r\nsearch lan\nnameserver 10.0.0.1')"
echo "seeds written under $C"
