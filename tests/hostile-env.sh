# shellcheck shell=bash disable=SC2034
# (SC2034: the variables set here are for the script that sources this)
# tests/hostile-env.sh: what tests/hostile.sh and tests/listener.sh share:
# the throwaway CA and TLS certificates, the hostile ACME server
# (tests/hostile.py) on 127.0.0.1, a first good issuance, and helpers.
#
# Sourced, never executed, after tests/pebble-env.sh (ca_cnf_head). The
# caller sets TMP (a scratch directory),
# NANOACME and PY (python3), and calls hostile_start, which sets
#   W      the server's directory (ports, scenario, *.log, ca.pem)
#   S      the state directory nanoacme uses
#   LPORT  the port of nanoacme's http-01 listener (127.0.0.1)
#   GOOD   the port of the server's good TLS listener
#   NAME   the certificate name (h.example.test)
# and hostile_stop (idempotent). Helpers: set_scenario, na_srv, pair_ok
# (snapshot and kernel_port: tests/lib.sh).

SRV_PID=
hostile_err=

# set_scenario NAME [JSON members]: what the server does from now on.
set_scenario() {
	printf '{"name": "%s", "lport": %s%s}\n' "$1" "$LPORT" "${2:+, $2}" \
		>"$W/scenario.tmp" && mv "$W/scenario.tmp" "$W/scenario"
}

# na_srv PORT ARGS...: runs nanoacme against the listener PORT (directory
# https://localhost:PORT/dir), output in $T/out, status in $rc, seconds
# in $secs.
na_srv() {
	local port=$1 t0 t1
	shift
	t0=$(date +%s%N)
	ASAN_OPTIONS=exitcode=99:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		timeout -k 5 60 "$NANOACME" -D "https://localhost:$port/dir" \
		-c "$W/ca.pem" -C "$S" -l "127.0.0.1:$LPORT" --jitter 0 "$@" \
		>"$T/out" 2>&1 </dev/null
	rc=$?
	t1=$(date +%s%N)
	secs=$(((t1 - t0) / 1000000))
	secs=$((secs / 1000)).$(printf '%03d' $((secs % 1000)))
	if [ "${HOSTILE_VERBOSE:-0}" = 1 ]; then
		echo "  [$T] exit $rc in ${secs}s"
		sed 's/^/    /' "$T/out"
	fi
}

# pair_ok DIR: cert.pem and privkey.pem of DIR match, chain to our CA.
pair_ok() {
	local a b
	a=$(openssl x509 -noout -pubkey -in "$1/cert.pem" 2>/dev/null) || return 1
	b=$(openssl pkey -pubout -in "$1/privkey.pem" 2>/dev/null) || return 1
	[ -n "$a" ] && [ "$a" = "$b" ] &&
		openssl verify -CAfile "$W/ca.pem" "$1/cert.pem" >/dev/null 2>&1
}

# make_certs DIR: the CA, and the four TLS certificates of the server.
make_certs() {
	local d=$1
	{
		ca_cnf_head "nanoacme hostile test CA (throwaway)"
		cat <<-'EOF'
		[ca]
		default_ca = tca
		[tca]
		database = index.txt
		new_certs_dir = .
		serial = serial
		default_md = sha256
		policy = pol
		unique_subject = no
		[pol]
		commonName = supplied
		[localhost]
		basicConstraints = critical, CA:FALSE
		extendedKeyUsage = serverAuth
		subjectAltName = DNS:localhost
		[wronghost]
		basicConstraints = critical, CA:FALSE
		extendedKeyUsage = serverAuth
		subjectAltName = DNS:wrong.example.test
		EOF
	} >"$d/ca.cnf"
	(
		cd "$d" || exit 1
		: >index.txt
		echo 01 >serial
		key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
		key ca.key && openssl req -x509 -new -config ca.cnf -extensions ca_ext \
			-key ca.key -days 7 -out ca.pem &&
		for n in good wronghost expired untrusted; do
			key "$n.key" && openssl req -new -key "$n.key" -subj /CN=localhost \
				-out "$n.csr" || exit 1
		done
		ca() { openssl ca -batch -notext -config ca.cnf -cert ca.pem -keyfile ca.key "$@"; }
		ca -days 7 -extensions localhost -in good.csr -out good.pem &&
		ca -days 7 -extensions wronghost -in wronghost.csr -out wronghost.pem &&
		ca -startdate 20200101000000Z -enddate 20200201000000Z \
			-extensions localhost -in expired.csr -out expired.pem &&
		openssl req -x509 -new -key untrusted.key -subj /CN=localhost \
			-addext subjectAltName=DNS:localhost -days 7 -out untrusted.pem
	) >"$d/openssl.log" 2>&1
}

# hostile_start: certificates, server, and the first good issuance (the
# account and the certificate every test starts from). Returns 0, or 1
# with the reason in $hostile_err and details in $T/out.
hostile_start() {
	W=$TMP/server
	S=$TMP/state
	T=$TMP/setup
	NAME=h.example.test
	mkdir -p "$W" "$T"
	hostile_err=
	if ! make_certs "$W"; then
		cp "$W/openssl.log" "$T/out"
		hostile_err="openssl could not make the test certificates"
		return 1
	fi
	LPORT=$(kernel_port)
	set_scenario good
	"$PY" "$(dirname "${BASH_SOURCE[0]}")/hostile.py" "$W" >"$W/server.log" 2>&1 </dev/null &
	SRV_PID=$!
	for _ in $(seq 100); do
		[ -f "$W/ports" ] && break
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -f "$W/ports" ]; then
		cp "$W/server.log" "$T/out"
		hostile_err="hostile.py did not start"
		return 1
	fi
	GOOD=$(sed -n 's/^good //p' "$W/ports")
	T=$TMP/good
	mkdir -p "$T"
	na_srv "$GOOD" -y issue "$NAME"
	if [ "$rc" != 0 ] || ! pair_ok "$S/certs/$NAME"; then
		hostile_err="the good issuance failed (exit $rc)"
		return 1
	fi
	if [ -s "$W/violations.log" ] || ! grep -q '^ok ' "$W/validations.log"; then
		cat "$W/violations.log" "$W/validations.log" >>"$T/out"
		hostile_err="protocol violations, or no validation"
		return 1
	fi
	return 0
}

hostile_stop() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	fi
	SRV_PID=
}
