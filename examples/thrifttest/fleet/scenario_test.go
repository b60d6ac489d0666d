// Package fleet runs the fleet scenario with real processes on loopback:
// Debian's etcd, testserver processes on distinct 127.0.0.x addresses that
// register in it (--etcd, --etcd-key), the testclient's load mode
// resolving through it, and fleet clients in the test process that keep
// calling while servers are killed, added and drained.
//
//	go test ./fleet            (make fleet; make fleet-short runs it with -short)
//
// Every process is stopped when the test ends; every wait is bounded.
package fleet

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/contrib/etcd"
	"github.com/thriftsec/thriftsec/examples/thrifttest/gen/thrifttest"
	"github.com/thriftsec/thriftsec/fleet"
	"github.com/thriftsec/thriftsec/runtime"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

var binDir string // testserver and testclient, built once

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "thriftsec-fleet-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		binDir = dir
		build := exec.Command("go", "build", "-o", dir+"/", "../testserver", "../testclient")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building testserver and testclient:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// prefix is where the servers register.
const prefix = "/services/thrifttest/"

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startEtcd runs Debian's etcd on loopback ports with a temporary data
// directory until the test ends, and returns its client endpoint and a
// client ready for use.
func startEtcd(t *testing.T) (string, *clientv3.Client) {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatal("etcd not found (make deps installs Debian's etcd-server)")
	}
	endpoint := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	peer := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	cmd := exec.Command(bin, "--name=fleet", "--data-dir="+t.TempDir(),
		"--listen-client-urls=http://"+endpoint, "--advertise-client-urls=http://"+endpoint,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=fleet="+peer, "--log-level=error")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(cmd) })
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
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
			return endpoint, cli
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcd not ready after 15 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends a process: SIGTERM, then SIGKILL after 5 s.
func stop(cmd *exec.Cmd) {
	if cmd.ProcessState != nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// server is one testserver process registered in etcd.
type server struct {
	addr    string
	metrics string // its --metrics address
	cmd     *exec.Cmd
	exited  chan error
}

var (
	registered = regexp.MustCompile(`registered (\S+) under`)
	metricsOn  = regexp.MustCompile(`metrics on http://(\S+)/metrics`)
)

// startServer runs testserver on host (a free port), registered under
// prefix, and returns once it has registered. It is stopped when the test
// ends.
func startServer(t *testing.T, etcdAddr, host string) *server {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "testserver"), "--host="+host, "--port=0", "--transport=framed",
		"--etcd="+etcdAddr, "--etcd-key="+prefix, "--etcd-ttl=2s", "--etcd-settle=300ms", "--metrics="+host+":0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, exited: make(chan error, 1)}
	addr, metrics := make(chan string, 1), make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := registered.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
			if m := metricsOn.FindStringSubmatch(sc.Text()); m != nil {
				metrics <- m[1]
			}
			if testing.Verbose() {
				fmt.Fprintln(os.Stderr, host+": "+sc.Text())
			}
		}
		s.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
			}
		}
	})
	select {
	case s.addr = <-addr:
		// --metrics is served before the server registers.
		s.metrics = <-metrics
		return s
	case err := <-s.exited:
		t.Fatalf("testserver on %s exited before registering: %v", host, err)
	case <-time.After(15 * time.Second):
		t.Fatalf("testserver on %s did not register within 15 s", host)
	}
	return nil
}

var servedCalls = regexp.MustCompile(`(?m)^thrift_server_calls_total\{kind="",method="testString",outcome="ok",service="ThriftTest"\} (\d+)$`)

// scrape reads the testString calls s answered from its /metrics.
func (s *server) scrape(t *testing.T) int64 {
	t.Helper()
	resp, err := http.Get("http://" + s.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	m := servedCalls.FindSubmatch(body)
	if m == nil {
		t.Fatalf("%s/metrics has no testString calls:\n%s", s.metrics, body)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// tally counts, per endpoint, the attempts it answered and those that
// failed, seen by an interceptor on each endpoint's runtime.Client (whose
// CallInfo.Peer.Addr is the endpoint's address).
type tally struct {
	mu             sync.Mutex
	served, failed map[string]int64
}

func newTally() *tally { return &tally{served: map[string]int64{}, failed: map[string]int64{}} }

// lastAttempt is where and when a call's latest attempt was sent; the
// interceptor fills it in through the call's context.
type lastAttempt struct {
	addr  string
	start time.Time
}

type attemptKey struct{}

func (ta *tally) interceptor() runtime.ClientInterceptor {
	return func(ctx context.Context, info *runtime.CallInfo, args, result runtime.Struct, next runtime.ClientInvoker) error {
		if a, ok := ctx.Value(attemptKey{}).(*lastAttempt); ok {
			a.addr, a.start = info.Peer.Addr.String(), time.Now()
		}
		err := next(ctx, info, args, result)
		ta.mu.Lock()
		if err == nil {
			ta.served[info.Peer.Addr.String()]++
		} else {
			ta.failed[info.Peer.Addr.String()]++
		}
		ta.mu.Unlock()
		return err
	}
}

func (ta *tally) get(addr string) (served, failed int64) {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	return ta.served[addr], ta.failed[addr]
}

// loader keeps calling testString through one fleet client from a fixed
// number of goroutines until stopped, counting calls and failures.
type loader struct {
	name         string
	client       *fleet.Client
	tally        *tally
	calls, fails atomic.Int64
	mu           sync.Mutex
	errs         []string
	lost         []lastAttempt // the last attempt of each failed call
	stop         chan struct{}
	wg           sync.WaitGroup
}

func startLoader(t *testing.T, name string, res fleet.Resolver, concurrency int, opts ...fleet.Option) *loader {
	t.Helper()
	l := &loader{name: name, tally: newTally(), stop: make(chan struct{})}
	opts = append([]fleet.Option{fleet.WithClientOptions(runtime.WithPlaintext(), runtime.WithTransport(runtime.Framed),
		runtime.WithMaxConns(concurrency), runtime.WithInterceptors(l.tally.interceptor()))}, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := fleet.New(ctx, res, opts...)
	if err != nil {
		t.Fatal(err)
	}
	l.client = c
	tc := thrifttest.NewThriftTestClient(c)
	for range concurrency {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				var last lastAttempt
				ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), attemptKey{}, &last), 5*time.Second)
				got, err := tc.TestString(ctx, "fleet")
				cancel()
				l.calls.Add(1)
				if err == nil && got != "fleet" {
					err = fmt.Errorf("answered %q", got)
				}
				if err != nil {
					l.fails.Add(1)
					l.mu.Lock()
					if len(l.errs) < 10 {
						l.errs = append(l.errs, err.Error())
					}
					l.lost = append(l.lost, last)
					l.mu.Unlock()
				}
			}
		})
	}
	t.Cleanup(l.close)
	return l
}

func (l *loader) close() {
	select {
	case <-l.stop:
		return
	default:
	}
	close(l.stop)
	l.wg.Wait()
	l.client.Close()
}

// lostSince returns the last attempts of the calls that failed after
// the first n failures.
func (l *loader) lostSince(n int64) []lastAttempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]lastAttempt(nil), l.lost[n:]...)
}

func (l *loader) errors() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.errs, "; ")
}

// waitFor polls cond every 10 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

var loadLine = regexp.MustCompile(`^load: calls=(\d+) errors=(\d+) endpoints=(\S*)$`)

// TestFleetScenario: three testservers on 127.0.0.2-4 register in a real
// etcd; the testclient's load mode, resolving through etcd, spreads calls
// over all three, with counts per server that agree exactly with each
// server's own /metrics (--metrics); under load from fleet clients in this process, kill -9
// of one loses at most the calls in flight on it and no call of a client
// that may retry them (testString marked idempotent), a fourth server that
// registers gets calls within 5 s, and a SIGTERM drain of another fails no
// call of either client.
func TestFleetScenario(t *testing.T) {
	if goruntime.GOOS != "linux" {
		t.Skip("needs 127.0.0.2 and up on the loopback interface, as Linux has")
	}
	etcdAddr, cli := startEtcd(t)
	var srvs []*server
	for _, h := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"} {
		srvs = append(srvs, startServer(t, etcdAddr, h))
	}

	// 1. The testclient's load mode spreads calls over all three.
	loadFor := "1s"
	if testing.Short() {
		loadFor = "500ms"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	out, err := exec.CommandContext(ctx, filepath.Join(binDir, "testclient"), "--transport=framed",
		"--resolve=etcd://"+etcdAddr+prefix, "--load="+loadFor, "--concurrency=6").Output()
	cancel()
	if err != nil {
		t.Fatalf("testclient --load: %v\n%s", err, out)
	}
	m := loadLine.FindStringSubmatch(strings.TrimSpace(string(out)))
	if m == nil {
		t.Fatalf("testclient printed %q, want one load line", out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
	counts := map[string]int64{}
	var sum int64
	for _, kv := range strings.Split(m[3], ",") {
		addr, n, _ := strings.Cut(kv, "=")
		c, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			t.Fatalf("bad endpoint count %q", kv)
		}
		counts[addr], sum = c, sum+c
	}
	calls, _ := strconv.ParseInt(m[1], 10, 64)
	if m[2] != "0" || sum != calls || len(counts) != 3 {
		t.Fatalf("load line %q: want 0 errors and the calls spread over the 3 servers", m[0])
	}
	for _, s := range srvs {
		if counts[s.addr] == 0 {
			t.Errorf("%s served no call", s.addr)
		}
		// The client's count is exact: each server's own metrics
		// agree with it.
		if n := s.scrape(t); n != counts[s.addr] {
			t.Errorf("%s counted %d testString calls in /metrics, the load line %d", s.addr, n, counts[s.addr])
		}
	}

	// 2. Two fleet clients keep calling: one that must not resend a
	// call whose connection was lost, one that may (testString
	// idempotent).
	res := func() fleet.Resolver { return &etcd.Resolver{Client: cli, Prefix: prefix} }
	const concurrency = 4
	plain := startLoader(t, "plain", res(), concurrency)
	safe := startLoader(t, "idempotent", res(), concurrency, fleet.WithIdempotent("testString"))
	loaders := []*loader{plain, safe}
	for _, s := range srvs {
		if !waitFor(5*time.Second, func() bool { n, _ := plain.tally.get(s.addr); return n > 0 }) {
			t.Fatalf("the fleet client sent no call to %s", s.addr)
		}
	}

	// kill -9 of the first server under load.
	settle := 300 * time.Millisecond
	time.Sleep(settle)
	killed := srvs[0]
	before := [2]int64{plain.fails.Load(), safe.fails.Load()}
	if err := killed.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-killed.exited
	died := time.Now()
	time.Sleep(2 * settle)
	// A call is lost only if it was in flight on the killed server:
	// its last attempt went there, before the process was gone. Calls
	// sent after that found the connection refused or closed, which is
	// retried elsewhere.
	lost := plain.lostSince(before[0])
	for _, a := range lost {
		if a.addr != killed.addr || !a.start.Before(died) {
			t.Errorf("kill -9: a call sent to %s at %v (the server died by %v) was lost: %s",
				a.addr, a.start.Format(time.StampMicro), died.Format(time.StampMicro), plain.errors())
		}
	}
	for _, s := range srvs[1:] {
		if _, f := plain.tally.get(s.addr); f != 0 {
			t.Errorf("kill -9 of %s: %d calls to %s failed: %s", killed.addr, f, s.addr, plain.errors())
		}
	}
	if n := safe.fails.Load() - before[1]; n != 0 {
		t.Errorf("kill -9: the client that may retry lost %d calls: %s", n, safe.errors())
	}
	t.Logf("kill -9 of %s: %d calls lost, all in flight on it (%d callers), 0 of the retrying client", killed.addr, len(lost), concurrency)

	// 3. A fourth server gets calls within 5 s of starting.
	start := time.Now()
	fourth := startServer(t, etcdAddr, "127.0.0.5")
	for _, l := range loaders {
		if !waitFor(5*time.Second-time.Since(start), func() bool { n, _ := l.tally.get(fourth.addr); return n > 0 }) {
			t.Fatalf("the %s client sent no call to the new server %s within 5 s", l.name, fourth.addr)
		}
	}
	t.Logf("new server %s served its first calls %v after it started", fourth.addr, time.Since(start).Round(time.Millisecond))

	// 4. SIGTERM drains the second server without a failed call.
	drained := srvs[1]
	before = [2]int64{plain.fails.Load(), safe.fails.Load()}
	if err := drained.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-drained.exited:
		if err != nil {
			t.Errorf("drained testserver exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("drained testserver still running after 10 s")
	}
	time.Sleep(2 * settle)
	for i, l := range loaders {
		if n := l.fails.Load() - before[i]; n != 0 {
			t.Errorf("drain: the %s client had %d failed calls: %s", l.name, n, l.errors())
		}
	}
	for _, l := range loaders {
		l.close()
		t.Logf("%s client: %d calls, %d failed", l.name, l.calls.Load(), l.fails.Load())
	}
}
