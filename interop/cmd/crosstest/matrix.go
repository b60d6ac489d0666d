package main

import (
	"fmt"
	"strings"
)

// The acceptance matrix of issue 7, cell by cell, and what covers each.
//
// Apache Python 0.17 (TestClient.py → testserver and testclient →
// TestServer.py), every protocol binary, compact, json, header, multi,
// multic, multij, multih:
//
//	                      Apache client → thriftsec   thriftsec client → Apache
//	buffered, plain/TLS   row (main.go)               row (main.go)
//	framed,   plain/TLS   row (main.go)               row (main.go)
//	http,     plain       row (http.go)               row (http.go)
//	http,     TLS         row (http.go)               Apache fails against itself (1)
//	buffered + zlib,      row (zlibunix.go)           row (zlibunix.go)
//	  plain/TLS
//	framed + zlib         binary: row; Apache fails   Apache fails against itself (2)
//	                      against itself (2)
//	Unix socket, plain,   row (zlibunix.go)           row (zlibunix.go)
//	  buffered/framed
//	Unix socket, TLS      not a cell: Apache's Python ignores the socket (3)
//
// header and multih over --transport=framed are runtime.FramedHeader (a
// header frame inside a frame): Apache's Python and Go both build
// THeaderProtocol on TFramedTransport there, and pass against themselves
// and each other (run here: Python↔Python, Go↔Go, Go client → Python
// server, Python client → Go server, 22/22 and 26/26).
//
// Apache Go 0.17 (cmd/apachepeer, built like Apache's test/go programs),
// binary, compact, json, header × buffered, framed, http × plain, TLS,
// both directions: a row each (main.go, http.go). apachepeer also speaks
// multi, multic, multij and multih, which Apache's own Go test programs do
// not, and those have rows too; so do zlib (goZlibRows) and mutual TLS.
//
// What Apache cannot do against itself, with the reason:
//
//  1. Python's THttpServer over HTTPS: it wraps its listening socket in
//     ssl.create_default_context(), a client-side context, and on Python
//     3.11 every handshake fails ("Cannot create a server socket with a
//     PROTOCOL_TLS_CLIENT context"); TestClient.py fails 22 of 22 against
//     it, for every protocol (multih too).
//  2. --transport=framed --zlib: TestClient.py builds
//     TZlibTransport(TFramedTransport(socket)), TestServer.py drops the
//     framed factory under --zlib and reads zlib straight off the socket;
//     every protocol fails, Apache against itself. thriftsec's Framed+zlib
//     is the client's composition, so TestClient.py passes against our
//     server (the binary row), and our client fails against TestServer.py
//     as Apache's own client does.
//  3. --domain-socket with --ssl: TestServer.py and TestClient.py open TLS
//     over TCP and ignore the path, so no Apache peer speaks TLS over a
//     Unix socket; runtime/unix_test.go covers ours.
//  4. --zlib with --transport=http: TestClient.py's HTTP client has no zlib
//     and THttpServer ignores --zlib; not a cell.
//
// checkMatrix below enumerates these cells and fails the run when one has
// no row and is not in apacheFails, so that the matrix cannot shrink
// unnoticed.

// pyProtocols are the protocols of Apache's Python cross-test programs.
var pyProtocols = []string{"binary", "compact", "json", "header", "multi", "multic", "multij", "multih"}

// goProtocols are those the issue asks of Apache's Go library.
var goProtocols = []string{"binary", "compact", "json", "header"}

const (
	toOurs   = "Apache client → thriftsec server"
	fromOurs = "thriftsec client → Apache server"
	pyPeer   = "Apache Python 0.17 (Test"
	goPeer   = "Apache Go 0.17 (apachepeer)"
)

// cell is one cell of the matrix, named like the rows' columns.
type cell struct{ peer, direction, protocol, transport, security string }

func (c cell) String() string {
	return strings.Join([]string{c.peer, c.direction, c.protocol, c.transport, c.security}, " | ")
}

// apacheFails says why a cell is none of ours to pass, keyed by the
// cell with the protocol left empty (it holds for every protocol).
var apacheFails = map[cell]string{
	{pyPeer, fromOurs, "", "http", "TLS"}: "Apache's Python THttpServer cannot serve HTTPS on Python 3.11 (client-side TLS context)",
}

// cells lists every cell of the acceptance matrix.
func cells() []cell {
	var cs []cell
	for _, dir := range []string{toOurs, fromOurs} {
		for _, pr := range pyProtocols {
			for _, tr := range []string{"buffered", "framed", "http"} {
				for _, sec := range []string{"plain", "TLS"} {
					cs = append(cs, cell{pyPeer, dir, pr, tr, sec})
				}
			}
			for _, sec := range []string{"plain", "TLS"} {
				cs = append(cs, cell{pyPeer, dir, pr, "buffered + zlib", sec})
			}
			for _, tr := range []string{"buffered", "framed"} {
				cs = append(cs, cell{pyPeer, dir, pr, tr, "plain, Unix socket"})
			}
		}
		for _, pr := range goProtocols {
			for _, tr := range []string{"buffered", "framed", "http"} {
				for _, sec := range []string{"plain", "TLS"} {
					cs = append(cs, cell{goPeer, dir, pr, tr, sec})
				}
			}
		}
	}
	return cs
}

// checkMatrix reports the cells that have no row among rows and that
// Apache does not fail against itself, and counts both kinds.
func checkMatrix(rows []*row) (covered, apache int, err error) {
	var missing []string
	for _, c := range cells() {
		found := false
		for _, r := range rows {
			if strings.HasPrefix(r.Peer, c.peer) && r.Direction == c.direction && r.protocol() == c.protocol &&
				r.Transport == c.transport && r.Security == c.security {
				found = true
				break
			}
		}
		generic := c
		generic.protocol = ""
		_, fails := apacheFails[generic]
		switch {
		case found && fails:
			missing = append(missing, c.String()+" (has a row, but is listed as failing in Apache)")
		case found:
			covered++
		case fails:
			apache++
		default:
			missing = append(missing, c.String())
		}
	}
	if len(missing) > 0 {
		return covered, apache, fmt.Errorf("%d cells of the acceptance matrix have no row:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
	return covered, apache, nil
}
