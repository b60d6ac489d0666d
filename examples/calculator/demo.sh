#!/usr/bin/env bash
# The calculator example end to end over mutual TLS: make certificates,
# regenerate the code, start the server, run the client, stop the server.
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

echo "== server (mutual TLS, port picked by the kernel)"
"$work/server" -certs "$work/certs" -addr 127.0.0.1:0 -addr-file "$work/addr" &
server_pid=$!
for _ in $(seq 100); do
	[ -s "$work/addr" ] && break
	kill -0 "$server_pid" 2>/dev/null || { echo "server exited early" >&2; exit 1; }
	sleep 0.1
done
[ -s "$work/addr" ] || { echo "server did not start within 10s" >&2; exit 1; }

echo "== client"
"$work/client" -certs "$work/certs" -addr "$(cat "$work/addr")"

echo "== stop the server (SIGINT: graceful shutdown)"
kill -INT "$server_pid"
wait "$server_pid"
server_pid=
echo "demo OK"
