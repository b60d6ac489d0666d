package main

import "path/filepath"

// httpRows are the HTTP transport's rows (--transport=http; HTTPS with
// --ssl): Apache's Python TestClient.py (THttpClient) and TestServer.py
// (THttpServer) and Apache's Go library (THttpClient, NewThriftHandlerFunc
// through cmd/apachepeer) against our testclient and testserver
// (runtime.HTTPClient, runtime.HTTPHandler), for every protocol Apache's
// Python client and server pass against each other over HTTP.
//
// Apache's Python THttpServer cannot serve HTTPS on Python 3.11 (Debian's):
// it wraps its listening socket with ssl.create_default_context(), a
// client-side PROTOCOL_TLS_CLIENT context, and every handshake fails with
// "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context";
// Apache's own Python client fails all 22 tests against it. So the rows
// with TestServer.py are plaintext only; TestClient.py over HTTPS (which
// verifies our certificate against keys/CA.pem and presents
// keys/client.crt) runs against our server.
func (e *env) httpRows() []*row {
	ts := filepath.Join(e.bin, "testserver")
	tc := filepath.Join(e.bin, "testclient")
	ap := filepath.Join(e.bin, "apachepeer")
	keys := "--keys=" + e.keys
	const py = "Apache Python 0.17"
	const goPeer = "Apache Go 0.17 (apachepeer)"
	security := func(tls bool) string {
		if tls {
			return "TLS"
		}
		return "plain"
	}
	var rows []*row
	for _, pr := range []string{"binary", "compact", "json", "header", "multi", "multic", "multij"} {
		for _, tls := range []bool{false, true} {
			args := []string{"--port={port}", "--protocol=" + pr, "--transport=http"}
			if tls {
				args = append(args, "--ssl")
			}
			with := func(head []string, tail ...string) []string {
				return append(append(append([]string{}, head...), args...), tail...)
			}
			var want, goWant []string
			if pr == "multi" || pr == "multic" || pr == "multij" {
				want, goWant = []string{"testMultiplexed"}, []string{"PASS secondtestString"}
			}
			r := func(peer, dir string) *row {
				return &row{Peer: peer, Direction: dir, Protocol: pr, Transport: "http", Security: security(tls)}
			}
			pyClient := r(py+" (TestClient.py)", "Apache client → thriftsec server")
			pyClient.server, pyClient.ours = with([]string{ts}, keys), true
			pyClient.client, pyClient.clientDir = with([]string{python, "TestClient.py", "--genpydir=gen-py", "--host=localhost"}), e.py
			pyClient.count, pyClient.want = unittest, want
			rows = append(rows, pyClient)
			if !tls {
				pyServer := r(py+" (TestServer.py)", "thriftsec client → Apache server")
				pyServer.server, pyServer.serverDir = with([]string{python, "TestServer.py", "--genpydir=gen-py"}, "TSimpleServer"), e.py
				pyServer.client, pyServer.count = with([]string{tc, "--host=localhost"}, keys), passLines
				rows = append(rows, pyServer)
			}
			goClient := r(goPeer, "Apache client → thriftsec server")
			goClient.server, goClient.ours = with([]string{ts}, keys), true
			goClient.client, goClient.count, goClient.want = with([]string{ap, "client", "--host=127.0.0.1"}, keys), passLines, goWant
			goServer := r(goPeer, "thriftsec client → Apache server")
			goServer.server = with([]string{ap, "server", "--host=127.0.0.1"}, keys)
			goServer.client, goServer.count, goServer.want = with([]string{tc, "--host=127.0.0.1"}, keys), passLines, goWant
			rows = append(rows, goClient, goServer)
		}
	}
	// Mutual TLS over HTTPS: Apache's Python and Go clients present
	// keys/client.crt to a testserver that requires one; our client
	// presents it to Apache's Go server that requires one, and is refused
	// without it.
	mtls := []string{"--port={port}", "--protocol=binary", "--transport=http", "--ssl", keys}
	rows = append(rows,
		&row{Peer: py + " (TestClient.py)", Direction: "Apache client → thriftsec server", Protocol: "binary", Transport: "http", Security: "mTLS, client cert",
			server: append([]string{ts, "--require-client-cert"}, mtls...), ours: true,
			client:    []string{python, "TestClient.py", "--genpydir=gen-py", "--host=localhost", "--port={port}", "--protocol=binary", "--transport=http", "--ssl"},
			clientDir: e.py, count: unittest},
		&row{Peer: goPeer, Direction: "Apache client → thriftsec server", Protocol: "binary", Transport: "http", Security: "mTLS, client cert",
			server: append([]string{ts, "--require-client-cert"}, mtls...), ours: true,
			client: append([]string{ap, "client", "--host=127.0.0.1", "--client-cert"}, mtls...), count: passLines},
		&row{Peer: goPeer, Direction: "thriftsec client → Apache server", Protocol: "binary", Transport: "http", Security: "mTLS, client cert",
			server: append([]string{ap, "server", "--host=127.0.0.1", "--require-client-cert"}, mtls...),
			client: append([]string{tc, "--host=127.0.0.1", "--client-cert"}, mtls...), count: passLines},
		&row{Peer: goPeer, Direction: "thriftsec client → Apache server", Protocol: "binary", Transport: "http", Security: "mTLS, no client cert",
			server:  append([]string{ap, "server", "--host=127.0.0.1", "--require-client-cert"}, mtls...),
			client:  append([]string{tc, "--host=127.0.0.1", "--tests=testVoid"}, mtls...),
			refused: true, want: []string{"FAIL testVoid"},
			// Under TLS 1.3 the refusal can reach the client as the TLS
			// alert or as a reset of the request it was writing; the same
			// server then serving a client that has the certificate shows
			// what it refused.
			after: [][]string{append([]string{tc, "--host=127.0.0.1", "--tests=testVoid", "--client-cert"}, mtls...)}},
	)
	return rows
}
