#!/usr/bin/env bash
# The calculator example end to end over mutual TLS: make certificates,
# regenerate the code, start the server, run the client, stop the server.
# Then the same server with JWT bearer tokens and the example policy
# (contrib/jwt/examples/calculator): a call with a token is served, one
# without is refused, and the policy refuses calculator-client's zip.
# Run from the repository root: `make demo`.
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -INT "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "== certificates: thriftsec-gen certs"
go run ./cmd/thriftsec-gen certs -dir "$work/certs" -hosts 127.0.0.1,::1,localhost \
	-client-uri spiffe://example.org/calculator-client

echo "== code: go generate ./examples/calculator"
go generate ./examples/calculator

echo "== build"
go build -o "$work/server" ./examples/calculator/server
go build -o "$work/client" ./examples/calculator/client
(cd contrib/jwt && go build -o "$work/jwtserver" ./examples/calculator && go build -o "$work/devtoken" ./cmd/devtoken)

# wait_addr waits (10 s at most) for the server to write its address.
wait_addr() {
	for _ in $(seq 100); do
		[ -s "$work/addr" ] && return 0
		kill -0 "$server_pid" 2>/dev/null || { echo "server exited early" >&2; exit 1; }
		sleep 0.1
	done
	echo "server did not start within 10s" >&2
	exit 1
}

stop_server() {
	kill -INT "$server_pid"
	wait "$server_pid"
	server_pid=
	rm -f "$work/addr"
}

echo "== server (mutual TLS, port picked by the kernel)"
"$work/server" -certs "$work/certs" -addr 127.0.0.1:0 -addr-file "$work/addr" &
server_pid=$!
wait_addr

echo "== client"
"$work/client" -certs "$work/certs" -addr "$(cat "$work/addr")"

echo "== stop the server (SIGINT: graceful shutdown)"
stop_server

echo "== JWT: a development issuer (devtoken keys), the server with tokens and examples/calculator/policy.json"
"$work/devtoken" keys -dir "$work/jwt"
"$work/jwtserver" -certs "$work/certs" -addr 127.0.0.1:0 -addr-file "$work/addr" \
	-jwt-keys "$work/jwt/jwks.json" -jwt-issuer demo -jwt-audience calculator \
	-policy examples/calculator/policy.json 2>"$work/jwtserver.log" &
server_pid=$!
wait_addr

echo "== client with a bearer token (sub alice, 10 minutes)"
"$work/devtoken" mint -dir "$work/jwt" -iss demo -aud calculator -sub alice -scope calc >"$work/token"
"$work/client" -certs "$work/certs" -addr "$(cat "$work/addr")" -token "$work/token"

echo "== client without a token: refused"
if "$work/client" -certs "$work/certs" -addr "$(cat "$work/addr")" 2>"$work/refused"; then
	echo "served without a token" >&2
	exit 1
fi
cat "$work/refused"
grep -q "unauthenticated: no bearer token" "$work/refused"

echo "== client with a token for another audience: refused"
"$work/devtoken" mint -dir "$work/jwt" -iss demo -aud someone-else -sub alice >"$work/token"
if "$work/client" -certs "$work/certs" -addr "$(cat "$work/addr")" -token "$work/token" 2>"$work/refused"; then
	echo "served with a token for another audience" >&2
	exit 1
fi
cat "$work/refused"
grep -q "unauthenticated: invalid bearer token" "$work/refused"

stop_server
echo "== what the JWT server logged as refused (the policy lets only spiffe://example.org/admin zip)"
grep -E 'level=WARN' "$work/jwtserver.log"
grep -q 'authz: call refused.*method=zip' "$work/jwtserver.log"
grep -q 'jwt: call refused' "$work/jwtserver.log"
echo "demo OK"
