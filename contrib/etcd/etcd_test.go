package etcd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/fleet"
	"github.com/thriftsec/thriftsec/runtime"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startEtcd runs Debian's etcd on loopback ports with a temporary data
// directory, and stops it when the test ends.
func startEtcd(t *testing.T) *clientv3.Client {
	t.Helper()
	bin := "/usr/bin/etcd"
	if _, err := os.Stat(bin); err != nil {
		if p, err := exec.LookPath("etcd"); err == nil {
			bin = p
		} else {
			t.Skip("etcd not installed (Debian package etcd-server; make deps installs it)")
		}
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	peer := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	cmd := exec.Command(bin, "--name=test", "--data-dir="+t.TempDir(),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=test="+peer, "--log-level=error")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{client}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cli.Get(ctx, "ready")
		cancel()
		if err == nil {
			return cli
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcd not ready after 15 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

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

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type replica struct {
	addr   string
	srv    *runtime.Server
	served chan error
	calls  atomic.Int64
	reg    *Registration
}

// startReplica serves "who" (answers its address, after a millisecond)
// on host and registers it under prefix.
func startReplica(t *testing.T, cli *clientv3.Client, host, prefix string) *replica {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	r := &replica{addr: ln.Addr().String(), served: make(chan error, 1)}
	p := runtime.NewProcessor("Fleet")
	p.Register("who", runtime.Method{NewArgs: func() runtime.Struct { return &str{ID: 1} }, Handle: func(ctx context.Context, args runtime.Struct) (runtime.Struct, error) {
		r.calls.Add(1)
		time.Sleep(time.Millisecond)
		return &str{ID: 0, S: r.addr}, nil
	}})
	r.srv = &runtime.Server{Handler: p, Plaintext: true, Logger: quiet()}
	go func() { r.served <- r.srv.Serve(ln) }()
	t.Cleanup(func() { r.srv.Close(); <-r.served })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r.reg, err = Register(ctx, cli, prefix, r.addr, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	r.reg.logger = quiet()
	return r
}

func who(c runtime.Caller) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var res str
	err := c.Call(ctx, "who", &str{ID: 1}, &res)
	return res.S, err
}

func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// load runs n callers for d, calling mid at d/3; it returns calls and
// failures.
func load(c runtime.Caller, n int, d time.Duration, mid func()) (int64, []error) {
	var wg sync.WaitGroup
	var calls atomic.Int64
	var mu sync.Mutex
	var errs []error
	stop := time.Now().Add(d)
	for range n {
		wg.Go(func() {
			for time.Now().Before(stop) {
				_, err := who(c)
				calls.Add(1)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(d / 3)
	mid()
	wg.Wait()
	return calls.Load(), errs
}

// TestFleetThroughEtcd: three servers on distinct loopback addresses
// register; a client resolving through etcd spreads calls over them; a
// fourth that registers gets calls within 5 s; draining one under load
// fails no call; one that dies (no deregistration) costs at most the
// calls in flight on it and leaves the set when its lease expires.
func TestFleetThroughEtcd(t *testing.T) {
	cli := startEtcd(t)
	const prefix = "/thriftsec/test/"
	rs := []*replica{
		startReplica(t, cli, "127.0.0.1", prefix),
		startReplica(t, cli, "127.0.0.2", prefix),
		startReplica(t, cli, "127.0.0.3", prefix),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := fleet.New(ctx, &Resolver{Client: cli, Prefix: prefix}, fleet.WithLogger(quiet()),
		fleet.WithClientOptions(runtime.WithPlaintext(), runtime.WithLogger(quiet())))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 90 {
		if _, err := who(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rs {
		if r.calls.Load() == 0 {
			t.Errorf("%s got no call of 90", r.addr)
		}
	}

	fourth := startReplica(t, cli, "127.0.0.4", prefix)
	start := time.Now()
	eventually(t, 5*time.Second, "the fourth server gets calls", func() bool {
		who(c)
		return fourth.calls.Load() > 0
	})
	t.Logf("fourth server got its first call %v after registering", time.Since(start).Round(time.Millisecond))

	calls, errs := load(c, 8, 1500*time.Millisecond, func() {
		dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := Drain(dctx, rs[1].reg, rs[1].srv, 200*time.Millisecond); err != nil {
			t.Errorf("Drain: %v", err)
		}
	})
	if len(errs) > 0 {
		t.Fatalf("draining one server: %d of %d calls failed; first: %v", len(errs), calls, errs[0])
	}
	t.Logf("drain under load: %d calls, 0 failed", calls)

	// A crash: the lease is no longer kept alive and the server is gone.
	dead := rs[2]
	calls, errs = load(c, 8, 1500*time.Millisecond, func() {
		dead.reg.cancel()
		<-dead.reg.done
		dead.srv.Close()
	})
	t.Logf("crash under load: %d calls, %d failed", calls, len(errs))
	if len(errs) > 8 {
		t.Fatalf("%d calls failed after a crash, want at most the 8 in flight; first: %v", len(errs), errs[0])
	}
	eventually(t, 6*time.Second, "the crashed server's lease expires", func() bool {
		_, ok := c.Stats().Endpoints[dead.addr]
		return !ok
	})
}

func TestDeregisterDeletesAtOnce(t *testing.T) {
	cli := startEtcd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reg, err := Register(ctx, cli, "/p/", "127.0.0.1:1", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		t.Skip("waits past a lease TTL")
	}
	time.Sleep(2500 * time.Millisecond) // beyond the TTL: the keep-alive holds it
	if resp, err := cli.Get(ctx, "/p/127.0.0.1:1"); err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("registration gone after its TTL despite keep-alive: %v %v", resp, err)
	}
	if err := reg.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
	if resp, err := cli.Get(ctx, "/p/", clientv3.WithPrefix()); err != nil || len(resp.Kvs) != 0 {
		t.Fatalf("key still there after Deregister: %v %v", resp, err)
	}
}
