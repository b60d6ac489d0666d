package fleet

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/runtime"
)

// str is {id: string} — args with ID 1, a result with ID 0.
type str struct {
	ID int16
	S  string
}

func (s *str) Encode(e *runtime.Encoder) error {
	e.WriteFieldBegin(runtime.TypeString, s.ID)
	e.WriteString(s.S)
	e.WriteFieldStop()
	return nil
}

func (s *str) Decode(d *runtime.Decoder) error {
	if err := d.ReadStructBegin(); err != nil {
		return err
	}
	for range 64 {
		t, id, err := d.ReadFieldBegin()
		if err != nil {
			return err
		}
		if t == runtime.TypeStop {
			d.ReadStructEnd()
			return nil
		}
		if t == runtime.TypeString && id == s.ID {
			if s.S, err = d.ReadString(); err != nil {
				return err
			}
			continue
		}
		if err := d.Skip(t); err != nil {
			return err
		}
	}
	return errors.New("too many fields")
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// replica is one runtime.Server on loopback serving "echo" (returns its
// argument), "who" (returns the server's address) and "slow" (sleeps the
// duration its argument names, then answers like who).
type replica struct {
	addr   string
	srv    *runtime.Server
	calls  atomic.Int64
	served chan error
	ln     net.Listener
	once   sync.Once
	// notExec makes every call answer ErrNotExecuted.
	notExec atomic.Bool
}

func startReplica(t testing.TB) *replica {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveReplica(t, ln)
}

func serveReplica(t testing.TB, ln net.Listener) *replica {
	r := &replica{addr: ln.Addr().String(), served: make(chan error, 1), ln: ln}
	p := runtime.NewProcessor("Fleet")
	handle := func(ctx context.Context, args runtime.Struct) (runtime.Struct, error) {
		r.calls.Add(1)
		if r.notExec.Load() {
			return nil, runtime.NewApplicationError(runtime.ExceptionNotExecuted, "test: not executed")
		}
		a := args.(*str)
		return &str{ID: 0, S: a.S}, nil
	}
	newArgs := func() runtime.Struct { return &str{ID: 1} }
	p.Register("echo", runtime.Method{NewArgs: newArgs, Handle: handle})
	p.Register("who", runtime.Method{NewArgs: newArgs, Handle: func(ctx context.Context, args runtime.Struct) (runtime.Struct, error) {
		if _, err := handle(ctx, args); err != nil {
			return nil, err
		}
		return &str{ID: 0, S: r.addr}, nil
	}})
	p.Register("slow", runtime.Method{NewArgs: newArgs, Handle: func(ctx context.Context, args runtime.Struct) (runtime.Struct, error) {
		d, _ := time.ParseDuration(args.(*str).S)
		time.Sleep(min(d, 2*time.Second))
		if _, err := handle(ctx, args); err != nil {
			return nil, err
		}
		return &str{ID: 0, S: r.addr}, nil
	}})
	// Every test client comes from 127.0.0.1: let 64 connect at once.
	r.srv = &runtime.Server{Handler: p, Plaintext: true, Logger: quietLogger(), MaxHandshakes: 256, MaxHandshakesPerSource: 256}
	go func() { r.served <- r.srv.Serve(ln) }()
	t.Cleanup(r.kill)
	return r
}

// kill closes the server at once, connections and all.
func (r *replica) kill() {
	r.once.Do(func() {
		r.srv.Close()
		<-r.served
	})
}

// drain shuts the server down gracefully.
func (r *replica) drain(t testing.TB) {
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-r.served
	})
}

func addrs(rs ...*replica) Static {
	var s Static
	for _, r := range rs {
		s = append(s, r.addr)
	}
	return s
}

func newClient(t testing.TB, res Resolver, opts ...Option) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	opts = append([]Option{WithLogger(quietLogger()), WithClientOptions(runtime.WithPlaintext(), runtime.WithLogger(quietLogger()))}, opts...)
	c, err := New(ctx, res, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func call(c runtime.Caller, method, arg string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := str{ID: 0}
	err := c.Call(ctx, method, &str{ID: 1, S: arg}, &res)
	return res.S, err
}

// chanResolver reports what the test sends it.
type chanResolver chan Update

func (r chanResolver) Watch(ctx context.Context, update func(Update)) {
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-r:
			update(u)
		}
	}
}

// eventually polls cond for up to d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
