package main

import (
	"strings"
	"testing"
)

// TestMatrixCovered: every cell of the acceptance matrix has a row or a
// reason Apache fails it; taking a row away, or giving a row to a cell
// listed as failing in Apache, is reported.
func TestMatrixCovered(t *testing.T) {
	e := &env{root: "/r", interop: "/r/interop", work: "/w", bin: "/w/bin", py: "/w/py", features: "/w/features",
		keys: "/w/keys", devkeys: "/w/devkeys", scripts: "/r/interop/py", echoIDL: "/r/echo.thrift"}
	rows := e.matrix()
	covered, failing, err := checkMatrix(rows)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(cells()); covered+failing != want || failing != len(pyProtocols) {
		t.Fatalf("%d covered + %d failing in Apache, want %d cells of which %d failing", covered, failing, want, len(pyProtocols))
	}
	for i, r := range rows {
		if r.Protocol == "multih" && r.Transport == "framed" && r.Direction == fromOurs && strings.HasPrefix(r.Peer, pyPeer) {
			rest := append(append([]*row{}, rows[:i]...), rows[i+1:]...)
			if _, _, err := checkMatrix(rest); err == nil || !strings.Contains(err.Error(), "multih | framed") {
				t.Fatalf("a removed row went unnoticed: %v", err)
			}
			break
		}
	}
	extra := &row{Peer: pyPeer + "Server.py)", Direction: fromOurs, Protocol: "json", Transport: "http", Security: "TLS"}
	if _, _, err := checkMatrix(append(rows, extra)); err == nil || !strings.Contains(err.Error(), "listed as failing") {
		t.Fatalf("a row for a cell Apache fails went unnoticed: %v", err)
	}
}
