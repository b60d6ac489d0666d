package runtime

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestHTTPConnectionCap: connections that send nothing fill the cap, the
// next one is closed at once (not left to the header timeout) and calls
// are refused, and once they leave, calls are served again. The servers
// from NewHTTPServer and NewPlaintextHTTPServer have the cap installed.
func TestHTTPConnectionCap(t *testing.T) {
	for _, srv := range []*http.Server{NewPlaintextHTTPServer(nil), mustHTTPServer(t)} {
		if srv.ConnState == nil {
			t.Fatal("server without a connection cap")
		}
	}
	p := getPKI(t)
	srv := mustHTTPServer(t)
	srv.Handler = &HTTPHandler{Handler: newTestService().processor(), Logger: testLogger()}
	srv.ConnState = LimitHTTPConns(2, nil)
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	defer func() {
		srv.Close()
		<-served
	}()

	var idle []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	// The server accepts in order: the third connection is over the cap.
	extra, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("connection over the cap: read %v, want it closed", err)
	}

	c := mustHTTPClient(t, "https://"+ln.Addr().String()+"/", WithTLS(p.clientTLS))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err = c.Call(ctx, "add", &pairArgs{A: 1, B: 2}, &i32Result{})
	cancel()
	if err == nil {
		t.Fatal("a call was served with the cap full")
	}

	for _, c := range idle {
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var res i32Result
		err := c.Call(ctx, "add", &pairArgs{A: 1, B: 2}, &res)
		cancel()
		if err == nil {
			if res.Success == nil || *res.Success != 3 {
				t.Fatalf("add(1, 2) = %v", res.Success)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("calls still refused after the idle connections left: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustHTTPServer(t *testing.T) *http.Server {
	t.Helper()
	srv, err := NewHTTPServer(nil, getPKI(t).serverTLS)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}
