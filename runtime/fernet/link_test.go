package fernet

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/runtime"
)

// text is {id: string}, standing in for generated args (id 1) and
// results (id 0).
type text struct {
	id int16
	s  string
}

func (t *text) Encode(e *runtime.Encoder) error {
	e.WriteFieldBegin(runtime.TypeString, t.id)
	e.WriteString(t.s)
	e.WriteFieldStop()
	return nil
}

func (t *text) Decode(d *runtime.Decoder) error {
	if err := d.ReadStructBegin(); err != nil {
		return err
	}
	for {
		typ, id, err := d.ReadFieldBegin()
		if err != nil {
			return err
		}
		if typ == runtime.TypeStop {
			break
		}
		if id == t.id && typ == runtime.TypeString {
			if t.s, err = d.ReadString(); err != nil {
				return err
			}
		} else if err := d.Skip(typ); err != nil {
			return err
		}
	}
	d.ReadStructEnd()
	return nil
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newLink(t *testing.T, ks Keys) *Link {
	l, err := NewLink(ks, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// startSealedServer serves testString (echo) over the sealed transport on
// plaintext loopback TCP.
func startSealedServer(t *testing.T, ks Keys) string {
	p := runtime.NewProcessor("ThriftTest")
	p.Register("testString", runtime.Method{
		NewArgs: func() runtime.Struct { return &text{id: 1} },
		Handle: func(ctx context.Context, args runtime.Struct) (runtime.Struct, error) {
			return &text{id: 0, s: args.(*text).s}, nil
		},
	})
	srv := &runtime.Server{Handler: p, Plaintext: true, Sealer: newLink(t, ks), Logger: quiet}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func call(ctx context.Context, c *runtime.Client, s string) (string, error) {
	res := &text{id: 0}
	err := c.Call(ctx, "testString", &text{id: 1, s: s}, res)
	return res.s, err
}

// TestSealedLink: our client and server over the sealed transport; a
// client with other keys, and one without sealing, are refused; a
// captured request played again is refused.
func TestSealedLink(t *testing.T) {
	k, _ := GenerateKey()
	ks := Keys{k}
	addr := startSealedServer(t, ks)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := runtime.Dial(ctx, addr, runtime.WithPlaintext(), runtime.WithSealer(newLink(t, ks)), runtime.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		if got, err := call(ctx, c, "sealed "+strconv.Itoa(i)); err != nil || got != "sealed "+strconv.Itoa(i) {
			t.Fatalf("call %d: %q, %v", i, got, err)
		}
	}

	other, _ := GenerateKey()
	for name, opt := range map[string]runtime.ClientOption{
		"other key":   runtime.WithSealer(newLink(t, Keys{other})),
		"not sealing": runtime.WithTransport(runtime.Framed),
	} {
		c, err := runtime.Dial(ctx, addr, runtime.WithPlaintext(), opt, runtime.WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := call(ctx, c, "x"); err == nil {
			t.Errorf("%s: served", name)
		}
		c.Close()
	}

	// A request captured off the wire and played again.
	msg, _ := ks.Seal(callMessage(t, 9, "once"))
	frame := append([]byte{byte(len(msg) >> 24), byte(len(msg) >> 16), byte(len(msg) >> 8), byte(len(msg))}, msg...)
	for try, wantServed := range []bool{true, false} {
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		raw.SetDeadline(time.Now().Add(5 * time.Second))
		raw.Write(frame)
		_, rerr := runtime.ReadFrame(raw, nil, 0)
		raw.Close()
		if (rerr == nil) != wantServed {
			t.Fatalf("send %d of the same token: served=%v, want %v", try+1, rerr == nil, wantServed)
		}
	}
}

func callMessage(t *testing.T, seq int32, s string) []byte {
	var e runtime.Encoder
	e.WriteMessageBegin("testString", runtime.MessageCall, seq)
	(&text{id: 1, s: s}).Encode(&e)
	return e.Bytes()
}

func TestLinkReplayMemory(t *testing.T) {
	k, _ := GenerateKey()
	l := newLink(t, Keys{k})
	l.max = 2
	now := time.Now()
	a, _ := l.Seal([]byte("a"))
	b, _ := l.Seal([]byte("b"))
	c, _ := l.Seal([]byte("c"))
	if _, err := l.open(a, now); err != nil {
		t.Fatal(err)
	}
	if _, err := l.open(a, now); !errors.Is(err, errReplayed) {
		t.Fatalf("replay: %v", err)
	}
	l.open(b, now)
	if _, err := l.open(c, now); !errors.Is(err, errMemoryFull) {
		t.Fatalf("full: %v", err)
	}
	// Once the first two have expired they are forgotten.
	later := now.Add(l.ttl + maxClockSkew + time.Second)
	if _, err := l.open(c, later); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("c is expired by then too: %v", err)
	}
	if len(l.seen) != 0 {
		t.Fatalf("%d tokens remembered after they all expired", len(l.seen))
	}
}

// TestSealedLinkPython: a Python peer built from Debian's python3-thrift
// and python3-cryptography calls our server, and serves our client.
func TestSealedLinkPython(t *testing.T) {
	k, _ := GenerateKey()
	ks := Keys{k}
	keyFile := filepath.Join(t.TempDir(), "fernet.keys")
	if err := os.WriteFile(keyFile, []byte("# test key\n"+k.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := startSealedServer(t, ks)
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("/usr/bin/python3", "testdata/sealed_peer.py", "client", host, port, keyFile, "from python").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "from python" {
		t.Fatalf("python client: %v\n%s", err, out)
	}

	py := exec.Command("/usr/bin/python3", "testdata/sealed_peer.py", "server", keyFile, "2")
	stdout, _ := py.StdoutPipe()
	py.Stderr = os.Stderr
	if err := py.Start(); err != nil {
		t.Fatal(err)
	}
	defer py.Wait()
	defer py.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("python server: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := runtime.Dial(ctx, "127.0.0.1:"+strings.TrimSpace(line), runtime.WithPlaintext(), runtime.WithSealer(newLink(t, ks)),
		runtime.WithLogger(quiet), runtime.WithMaxConns(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, s := range []string{"to python", "again"} {
		if got, err := call(ctx, c, s); err != nil || got != s {
			t.Fatalf("python server answered %q, %v", got, err)
		}
	}
}
