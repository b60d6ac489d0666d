package main

import "path/filepath"

// zlibUnixRows are the rows of the zlib transport (--zlib) and of Unix
// domain sockets (--domain-socket) against Apache's Python peer, in both
// directions.
//
// The cells are the ones Apache's Python client and server pass against
// each other (run for every protocol × buffered/framed/zlib × zlib,
// domain, zlib+domain, zlib+TLS):
//
//   - --zlib over buffered (and --transport=zlib --zlib, as Apache's
//     runner passes it) passes for binary, compact, json, header, multi,
//     multic, multij and multih, plain and TLS, TCP and domain socket.
//   - --zlib over --transport=framed fails for every protocol, Apache
//     against itself: TestClient.py builds TZlibTransport(TFramedTransport
//     (socket)) (compressed bytes in frames), TestServer.py drops the
//     framed factory under --zlib and reads zlib straight off the socket.
//     thriftsec's Framed+zlib is the client's composition, so Apache's
//     Python client passes against our server (a row below), and our
//     client fails against Apache's server as Apache's own client does.
//   - --domain-socket passes for every protocol over buffered and framed,
//     but not with --ssl: both TestServer.py and TestClient.py then open
//     TLS over TCP and ignore the socket path (TLS over a Unix socket is
//     tested in runtime/unix_test.go).
//   - multih (multiplexed over THeader) is not a thriftsec testserver
//     protocol yet, with or without zlib.
func (e *env) zlibUnixRows() []*row {
	var rows []*row
	ts := filepath.Join(e.bin, "testserver")
	tc := filepath.Join(e.bin, "testclient")
	keys := "--keys=" + e.keys
	pyClient := []string{python, "TestClient.py", "--genpydir=gen-py", "--host=localhost"}
	pyServer := []string{python, "TestServer.py", "--genpydir=gen-py"}
	both := func(pr, tr, label, security string, extra []string, unix bool) []*row {
		args := append([]string{"--port={port}", "--protocol=" + pr, "--transport=" + tr}, extra...)
		var want []string
		if pr == "multi" || pr == "multic" || pr == "multij" {
			want = []string{"testMultiplexed"}
		}
		return []*row{
			{Peer: "Apache Python 0.17 (TestClient.py)", Direction: "Apache client → thriftsec server", Protocol: pr, Transport: label, Security: security,
				server: append(append([]string{ts}, args...), keys), ours: true, unix: unix,
				client:    append(append([]string{}, pyClient...), args...),
				clientDir: e.py, count: unittest, want: want},
			{Peer: "Apache Python 0.17 (TestServer.py)", Direction: "thriftsec client → Apache server", Protocol: pr, Transport: label, Security: security,
				server:    append(append(append([]string{}, pyServer...), args...), "TSimpleServer"),
				serverDir: e.py, unix: unix,
				client: append(append([]string{tc}, args...), keys), count: passLines},
		}
	}
	zl := []string{"--zlib"}
	for _, pr := range []string{"binary", "compact", "json", "header", "multic"} {
		rows = append(rows, both(pr, "buffered", "buffered + zlib", "plain", zl, false)...)
	}
	// As Apache's runner passes it.
	rows = append(rows, both("compact", "zlib", "zlib (--transport=zlib --zlib)", "plain", zl, false)...)
	for _, pr := range []string{"binary", "json"} {
		rows = append(rows, both(pr, "buffered", "buffered + zlib", "TLS", []string{"--zlib", "--ssl"}, false)...)
	}
	rows = append(rows, &row{Peer: "Apache Python 0.17 (TestClient.py)", Direction: "Apache client → thriftsec server", Protocol: "binary", Transport: "framed + zlib", Security: "plain",
		server: []string{ts, "--port={port}", "--protocol=binary", "--transport=framed", "--zlib", keys}, ours: true,
		client:    append(append([]string{}, pyClient...), "--port={port}", "--protocol=binary", "--transport=framed", "--zlib"),
		clientDir: e.py, count: unittest})

	sock := []string{"--domain-socket={sock}"}
	for _, c := range []struct{ pr, tr string }{{"binary", "buffered"}, {"compact", "framed"}, {"header", "buffered"}, {"multij", "framed"}} {
		rows = append(rows, both(c.pr, c.tr, c.tr, "plain, Unix socket", sock, true)...)
	}
	rows = append(rows, both("compact", "buffered", "buffered + zlib", "plain, Unix socket", []string{"--zlib", "--domain-socket={sock}"}, true)...)
	return rows
}

// detectRows run Apache's Python client in every protocol and transport it
// speaks, one after another, against one testserver --detect-protocol
// (Server.DetectProtocol), which tells each from its first bytes.
func (e *env) detectRows() []*row {
	ts := filepath.Join(e.bin, "testserver")
	py := func(pr, tr string, extra ...string) []string {
		return append([]string{python, "TestClient.py", "--genpydir=gen-py", "--host=localhost", "--port={port}", "--protocol=" + pr, "--transport=" + tr}, extra...)
	}
	var rows []*row
	for _, tls := range []bool{false, true} {
		var ssl []string
		security := "plain"
		if tls {
			ssl, security = []string{"--ssl"}, "TLS"
		}
		// Kept short: each client is a Python start-up (about 1.3 s).
		after := [][]string{
			py("compact", "framed", ssl...), py("header", "buffered", ssl...),
			py("json", "framed", append([]string{"--zlib"}, ssl...)...),
		}
		if !tls {
			after = append(after, py("multic", "buffered"), py("json", "buffered"), py("compact", "buffered", "--zlib"))
		}
		rows = append(rows, &row{Peer: "Apache Python 0.17 (TestClient.py)", Direction: "Apache client → thriftsec server", Protocol: "detected: binary, compact, json, header, multi*", Transport: "detected: buffered, framed, zlib", Security: security,
			server: append([]string{ts, "--port={port}", "--protocol=multi", "--detect-protocol", "--keys=" + e.keys}, ssl...), ours: true,
			client:    py("binary", "buffered", ssl...),
			clientDir: e.py, count: unittest, after: after})
	}
	return rows
}

// goZlibRows run Apache's Go TZlibTransport (over the socket, as Apache's
// Go test programs build --transport=zlib) against thriftsec's zlib, both
// directions.
func (e *env) goZlibRows() []*row {
	ts := filepath.Join(e.bin, "testserver")
	tc := filepath.Join(e.bin, "testclient")
	ap := filepath.Join(e.bin, "apachepeer")
	keys := "--keys=" + e.keys
	var rows []*row
	for _, c := range []struct {
		pr  string
		tls bool
	}{{"binary", false}, {"compact", false}, {"json", false}, {"header", false}, {"binary", true}} {
		args := []string{"--port={port}", "--protocol=" + c.pr, "--transport=buffered", "--zlib", keys}
		security := "plain"
		if c.tls {
			args, security = append(args, "--ssl"), "TLS"
		}
		rows = append(rows,
			&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "Apache client → thriftsec server", Protocol: c.pr, Transport: "buffered + zlib", Security: security,
				server: append([]string{ts}, args...), ours: true,
				client: append([]string{ap, "client", "--host=127.0.0.1"}, args...), count: passLines},
			&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "thriftsec client → Apache server", Protocol: c.pr, Transport: "buffered + zlib", Security: security,
				server: append([]string{ap, "server", "--host=127.0.0.1"}, args...),
				client: append([]string{tc, "--host=127.0.0.1"}, args...), count: passLines},
		)
	}
	return rows
}
