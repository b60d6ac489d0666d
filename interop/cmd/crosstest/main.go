// Command crosstest runs the cross-language interoperability matrix of
// thriftsec against real Apache Thrift 0.17 peers and thriftpy, and prints
// it as a markdown table. `make -C interop cross` runs it (after `make
// gen`, which writes the Apache Go code apachepeer is built from).
//
// It builds examples/thrifttest (testserver, testclient, echo: thriftsec
// code generated from Apache's ThriftTest.thrift and a small echo.thrift)
// and cmd/apachepeer (Apache's Go library and generated code), generates
// Apache's Python code with `thrift --gen py` into a temporary directory
// laid out like Apache's test tree (py/, keys/, features/), and then, for
// each row: picks a free loopback port, starts the server, waits (bounded)
// until it accepts TCP connections, runs the client under a timeout,
// stops the server with SIGHUP and checks that it is gone within 2 s.
//
// Nothing is installed and nothing is skipped: without the thrift
// compiler, Debian's python3-thrift and python3-thriftpy, or
// github.com/apache/thrift@v0.17.0 in the module cache, it fails at once
// saying what is missing (`make deps` at the root installs them).
//
// Apache's test files (IDL, scripts, keys) are used from the module cache
// and copied only into the temporary directory.
//
//	go run ./cmd/crosstest [-root ..] [-o gen/cross.md] [-j 2] [-run REGEXP] [-v]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/thriftsec/thriftsec/runtime/devcert"
)

const python = "/usr/bin/python3"

var (
	rootFlag  = flag.String("root", "..", "the repository root")
	outFlag   = flag.String("o", "gen/cross.md", "also write the table to this file")
	jobsFlag  = flag.Int("j", 2, "rows run at once")
	runFlag   = flag.String("run", "", "run only rows whose peer, direction, transport or security match this regexp")
	verbose   = flag.Bool("v", false, "print every row's output")
	keepFlag  = flag.Bool("keep", false, "keep the temporary directory")
	deadline  = flag.Duration("timeout", 6*time.Minute, "bound on the whole run")
	clientMax = 60 * time.Second
)

func main() {
	flag.Parse()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), *deadline)
	defer cancel()
	code, err := run(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crosstest:", err)
		code = 1
	}
	fmt.Fprintf(os.Stderr, "crosstest: finished in %s\n", time.Since(start).Round(100*time.Millisecond))
	os.Exit(code)
}

// env is what the rows need: built programs and the Apache test tree.
type env struct {
	root, interop, work string
	bin                 string // our and apachepeer binaries
	py                  string // Apache's test/py, with gen-py
	features            string // Apache's test/features, with a local_thrift shim
	keys                string // Apache's test/keys
	devkeys             string // a fresh CA, server and client certificate
	scripts             string // interop/py
	echoIDL             string
}

func run(ctx context.Context) (int, error) {
	interop, err := os.Getwd()
	if err != nil {
		return 1, err
	}
	root, err := filepath.Abs(*rootFlag)
	if err != nil {
		return 1, err
	}
	apache, err := preflight(ctx, interop)
	if err != nil {
		return 1, err
	}
	work, err := os.MkdirTemp("", "thriftsec-cross-")
	if err != nil {
		return 1, err
	}
	if *keepFlag {
		fmt.Fprintln(os.Stderr, "crosstest: work directory", work)
	} else {
		defer os.RemoveAll(work)
	}
	e := &env{
		root: root, interop: interop, work: work,
		bin:      filepath.Join(work, "bin"),
		py:       filepath.Join(work, "py"),
		features: filepath.Join(work, "features"),
		keys:     filepath.Join(work, "keys"),
		devkeys:  filepath.Join(work, "devkeys"),
		scripts:  filepath.Join(interop, "py"),
		echoIDL:  filepath.Join(root, "examples", "thrifttest", "idl", "echo.thrift"),
	}
	if err := e.prepare(ctx, apache); err != nil {
		return 1, err
	}
	sockDir = filepath.Join(work, "sock")
	if err := os.MkdirAll(sockDir, 0o700); err != nil {
		return 1, err
	}
	rows := e.matrix()
	covered, failing, err := checkMatrix(rows)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(os.Stderr, "crosstest: acceptance matrix: %d cells with a row, %d that Apache fails against itself (matrix.go)\n", covered, failing)
	if *runFlag != "" {
		re, err := regexp.Compile(*runFlag)
		if err != nil {
			return 2, err
		}
		var sel []*row
		for _, r := range rows {
			if re.MatchString(strings.Join([]string{r.Peer, r.Direction, r.Protocol, r.Transport, r.Security}, " ")) {
				sel = append(sel, r)
			}
		}
		rows = sel
	}
	fmt.Fprintf(os.Stderr, "crosstest: running %d rows, %d at a time\n", len(rows), *jobsFlag)
	t0 := time.Now()
	runAll(ctx, e, rows)
	table := render(rows, time.Since(t0))
	fmt.Print(table)
	if *outFlag != "" {
		if err := os.MkdirAll(filepath.Dir(*outFlag), 0o755); err == nil {
			err = os.WriteFile(*outFlag, []byte(table), 0o644)
		}
		if err != nil {
			return 1, err
		}
		fmt.Fprintln(os.Stderr, "crosstest: table written to", *outFlag)
	}
	failed := 0
	for _, r := range rows {
		if !r.ok {
			failed++
		}
	}
	if failed > 0 {
		return 1, fmt.Errorf("%d of %d rows failed", failed, len(rows))
	}
	return 0, nil
}

// preflight checks every peer is installed and returns Apache's module
// directory. It never installs anything.
func preflight(ctx context.Context, interop string) (string, error) {
	var missing []string
	if _, err := exec.LookPath("thrift"); err != nil {
		missing = append(missing, "the Apache Thrift compiler `thrift` (Debian package thrift-compiler)")
	} else if out, _ := exec.CommandContext(ctx, "thrift", "--version").Output(); !bytes.Contains(out, []byte("0.17")) {
		fmt.Fprintf(os.Stderr, "crosstest: warning: %s is not Apache Thrift 0.17\n", strings.TrimSpace(string(out)))
	}
	if err := exec.CommandContext(ctx, python, "-c", "import thrift.protocol.TBinaryProtocol").Run(); err != nil {
		missing = append(missing, "Apache Thrift's Python library for "+python+" (Debian package python3-thrift)")
	}
	if err := exec.CommandContext(ctx, python, "-c", "import thriftpy").Run(); err != nil {
		missing = append(missing, "thriftpy for "+python+" (Debian package python3-thriftpy)")
	}
	// The module cache only: GOPROXY=off makes this fail rather than
	// download.
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", "github.com/apache/thrift@v0.17.0")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	out, _ := cmd.Output()
	var mod struct{ Dir string }
	_ = json.Unmarshal(out, &mod)
	if mod.Dir == "" {
		missing = append(missing, "github.com/apache/thrift@v0.17.0 in the Go module cache (go mod download github.com/apache/thrift@v0.17.0)")
	} else if _, err := os.Stat(filepath.Join(mod.Dir, "test", "py", "TestClient.py")); err != nil {
		missing = append(missing, "Apache's test suite in "+mod.Dir)
	}
	if _, err := os.Stat(filepath.Join(interop, "gen", "apache", "thrifttest")); err != nil {
		missing = append(missing, "Apache's generated Go code in gen/apache/thrifttest (make gen)")
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("missing peers (`make deps` installs them; nothing is skipped, CI=%q):\n  - %s",
			os.Getenv("CI"), strings.Join(missing, "\n  - "))
	}
	return mod.Dir, nil
}

// prepare builds the programs and lays out Apache's test tree.
func (e *env) prepare(ctx context.Context, apache string) error {
	steps := []struct {
		what string
		dir  string
		argv []string
	}{
		{"build testserver, testclient, echo", e.root, []string{"make", "-s", "-C", "examples/thrifttest", "build", "BIN=" + e.bin}},
		{"build apachepeer", e.interop, []string{"go", "build", "-o", filepath.Join(e.bin, "apachepeer"), "./cmd/apachepeer"}},
	}
	for _, s := range steps {
		if err := sh(ctx, s.dir, s.argv...); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	test := filepath.Join(apache, "test")
	for _, c := range [][2]string{{"py", e.py}, {"keys", e.keys}, {"features", e.features}} {
		if err := copyTree(filepath.Join(test, c[0]), c[1]); err != nil {
			return err
		}
	}
	if err := sh(ctx, e.work, "thrift", "--gen", "py", "-o", e.py, filepath.Join(test, "ThriftTest.thrift")); err != nil {
		return fmt.Errorf("thrift --gen py: %w", err)
	}
	// Apache's feature scripts import the library through
	// features/local_thrift, which looks for a source build of
	// lib/py; point it at the installed library instead.
	shim := "# Written by crosstest: use the installed Apache Thrift library.\nimport thrift  # noqa: F401\n"
	if err := os.WriteFile(filepath.Join(e.features, "local_thrift", "__init__.py"), []byte(shim), 0o644); err != nil {
		return err
	}
	if err := e.checkJWTTestdata(); err != nil {
		return err
	}
	if err := e.prepareJWT(ctx); err != nil {
		return err
	}
	return e.mintDevKeys()
}

// mintDevKeys writes a CA and a server and client certificate it signed,
// laid out like Apache's keys. OpenSSL (so Python) cannot verify Apache's
// keys/client.crt against keys/CA.pem: the client certificate has its
// issuer's name as its own subject and no extensions, so OpenSSL takes it
// for self-signed and stops there (Go verifies it). The Python server that
// requires client certificates uses these instead.
func (e *env) mintDevKeys() error {
	ca, err := devcert.NewCA("thriftsec cross-test CA", time.Hour)
	if err != nil {
		return err
	}
	srv, err := ca.Server("127.0.0.1", "::1", "localhost")
	if err != nil {
		return err
	}
	cli, err := ca.Client("thriftsec cross-test client")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(e.devkeys, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{
		"CA.pem":     ca.CertPEM,
		"server.crt": srv.CertPEM,
		"server.key": srv.KeyPEM,
		"server.pem": append(append([]byte{}, srv.CertPEM...), srv.KeyPEM...),
		"client.crt": cli.CertPEM,
		"client.key": cli.KeyPEM,
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(e.devkeys, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func sh(ctx context.Context, dir string, argv ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, out)
	}
	return nil
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		t := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(t, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(t, b, 0o644)
	})
}

// row is one line of the matrix.
type row struct {
	Peer, Direction, Protocol, Transport, Security string

	server    []string // argv; "{port}" is replaced
	serverDir string
	ours      bool     // our server: it must exit 0 after SIGHUP
	client    []string // argv
	clientDir string
	refused   bool       // the client must fail, its output containing want
	want      []string   // strings the client's output must contain
	count     countFn    // what the Checks column says
	okDetail  string     // or this, when the client passed
	after     [][]string // further clients that must succeed (server still serving)
	unix      bool       // the server listens on the Unix socket "{sock}", not TCP
	// serverWant are strings the server's output must hold once the
	// client is done: why it refused, in its own words.
	serverWant []string

	ok     bool
	detail string
	took   time.Duration
	log    string
}

// protocol is the Protocol column: binary unless the row says otherwise.
func (r *row) protocol() string {
	if r.Protocol == "" {
		return "binary"
	}
	return r.Protocol
}

type countFn func(out string) (string, bool)

// passLines counts "PASS " lines and requires no "FAIL " line.
func passLines(out string) (string, bool) {
	pass := strings.Count("\n"+out, "\nPASS ")
	fail := strings.Count("\n"+out, "\nFAIL ")
	return fmt.Sprintf("%d/%d checks", pass, pass+fail), fail == 0 && pass > 0
}

var ranRE = regexp.MustCompile(`Ran (\d+) tests?`)

// unittest reads Python unittest's summary: all of Apache's TestClient.py
// (22 tests in 0.17) must run and pass.
func unittest(out string) (string, bool) {
	m := ranRE.FindStringSubmatch(out)
	if m == nil {
		return "no test ran", false
	}
	n, _ := strconv.Atoi(m[1])
	okLine := regexp.MustCompile(`(?m)^OK\s*$`).MatchString(out)
	if !okLine {
		return fmt.Sprintf("%d tests, not all OK", n), false
	}
	return fmt.Sprintf("%d/%d tests", n, n), n >= 22
}

func (e *env) matrix() []*row {
	var rows []*row
	ts := filepath.Join(e.bin, "testserver")
	tc := filepath.Join(e.bin, "testclient")
	ap := filepath.Join(e.bin, "apachepeer")
	echo := filepath.Join(e.bin, "echo")
	keys := "--keys=" + e.keys
	sec := func(tls bool) string {
		if tls {
			return "TLS"
		}
		return "plain"
	}
	opt := func(tls bool, s string) []string {
		if tls {
			return []string{s}
		}
		return nil
	}
	cat := func(parts ...[]string) []string {
		var a []string
		for _, p := range parts {
			a = append(a, p...)
		}
		return a
	}
	common := func(tr string) []string {
		return []string{"--port={port}", "--protocol=binary", "--transport=" + tr}
	}
	for _, pr := range []string{"binary", "compact", "json"} {
		common := func(tr string) []string {
			return []string{"--port={port}", "--protocol=" + pr, "--transport=" + tr}
		}
		for _, tr := range []string{"buffered", "framed"} {
			for _, tls := range []bool{false, true} {
				rows = append(rows,
					&row{Peer: "Apache Python 0.17 (TestClient.py)", Direction: "Apache client → thriftsec server", Protocol: pr, Transport: tr, Security: sec(tls),
						server: cat([]string{ts}, common(tr), opt(tls, "--ssl"), []string{keys}), ours: true,
						client:    cat([]string{python, "TestClient.py", "--genpydir=gen-py", "--host=localhost"}, common(tr), opt(tls, "--ssl")),
						clientDir: e.py, count: unittest},
					&row{Peer: "Apache Python 0.17 (TestServer.py)", Direction: "thriftsec client → Apache server", Protocol: pr, Transport: tr, Security: sec(tls),
						server:    cat([]string{python, "TestServer.py", "--genpydir=gen-py"}, common(tr), opt(tls, "--ssl"), []string{"TSimpleServer"}),
						serverDir: e.py,
						client:    cat([]string{tc, "--host=localhost"}, common(tr), opt(tls, "--ssl"), []string{keys}), count: passLines},
					&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "Apache client → thriftsec server", Protocol: pr, Transport: tr, Security: sec(tls),
						server: cat([]string{ts}, common(tr), opt(tls, "--ssl"), []string{keys}), ours: true,
						client: cat([]string{ap, "client", "--host=127.0.0.1"}, common(tr), opt(tls, "--ssl"), []string{keys}), count: passLines},
					&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "thriftsec client → Apache server", Protocol: pr, Transport: tr, Security: sec(tls),
						server: cat([]string{ap, "server", "--host=127.0.0.1"}, common(tr), opt(tls, "--ssl"), []string{keys}),
						client: cat([]string{tc, "--host=127.0.0.1"}, common(tr), opt(tls, "--ssl"), []string{keys}), count: passLines},
				)
			}
		}
	}
	// Pipelined (runtime.WithPipelining): testclient runs three rounds of
	// its checks at once over one connection carrying up to 8 calls, and
	// every reply must reach its own call. This holds only if the server
	// answers a connection's requests in order, reading each from the
	// stream only after answering the one before, which is what these
	// rows prove of Apache's Python and Go TSimpleServer.
	for _, pr := range []string{"binary", "compact", "json"} {
		for _, tr := range []string{"buffered", "framed"} {
			args := []string{"--port={port}", "--protocol=" + pr, "--transport=" + tr, "--ssl"}
			client := cat([]string{tc, "--host=localhost", "--pipeline=8"}, args, []string{keys})
			label := tr + ", pipelined"
			rows = append(rows,
				&row{Peer: "Apache Python 0.17 (TestServer.py)", Direction: "thriftsec client → Apache server", Protocol: pr, Transport: label, Security: "TLS",
					server:    cat([]string{python, "TestServer.py", "--genpydir=gen-py"}, args, []string{"TSimpleServer"}),
					serverDir: e.py, client: client, count: passLines},
				&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "thriftsec client → Apache server", Protocol: pr, Transport: label, Security: "TLS",
					server: cat([]string{ap, "server", "--host=127.0.0.1"}, args, []string{keys}),
					client: cat([]string{tc, "--host=127.0.0.1", "--pipeline=8"}, args, []string{keys}), count: passLines},
			)
		}
	}
	// Not every Apache server can be pipelined to: Python's
	// TNonblockingServer leaves calls sent back to back unanswered (here
	// most of them run into the client's 2 s timeout), as Apache's own
	// clients, which send one call at a time, never find out. The row
	// pins that down, so that WithPipelining's documentation stays true.
	rows = append(rows, &row{Peer: "Apache Python 0.17 (TestServer.py TNonblockingServer)", Direction: "thriftsec client → Apache server", Protocol: "binary", Transport: "framed, pipelined", Security: "plain",
		server:    []string{python, "TestServer.py", "--genpydir=gen-py", "--port={port}", "--protocol=binary", "--transport=framed", "TNonblockingServer"},
		serverDir: e.py,
		client:    []string{tc, "--host=localhost", "--pipeline=8", "--timeout=2s", "--port={port}", "--protocol=binary", "--transport=framed", keys},
		refused:   true, want: []string{"context deadline exceeded"}, okDetail: "calls left unanswered: not pipelinable"})
	// Multiplexed (Apache's TMultiplexedProtocol: ThriftTest and
	// SecondService on one port), against Apache's Python peer and Go
	// library; multih is multiplexed inside THeader (FramedHeader under
	// --transport=framed, see below).
	for _, pr := range []string{"multi", "multic", "multij", "multih"} {
		for _, tr := range []string{"buffered", "framed"} {
			for _, tls := range []bool{false, true} {
				args := cat([]string{"--port={port}", "--protocol=" + pr, "--transport=" + tr}, opt(tls, "--ssl"))
				rows = append(rows,
					&row{Peer: "Apache Python 0.17 (TestClient.py)", Direction: "Apache client → thriftsec server", Protocol: pr, Transport: tr, Security: sec(tls),
						server: cat([]string{ts}, args, []string{keys}), ours: true,
						client:    cat([]string{python, "TestClient.py", "--genpydir=gen-py", "--host=localhost"}, args),
						clientDir: e.py, count: unittest, want: []string{"testMultiplexed"}}, // SecondService ran
					&row{Peer: "Apache Python 0.17 (TestServer.py)", Direction: "thriftsec client → Apache server", Protocol: pr, Transport: tr, Security: sec(tls),
						server:    cat([]string{python, "TestServer.py", "--genpydir=gen-py"}, args, []string{"TSimpleServer"}),
						serverDir: e.py,
						client:    cat([]string{tc, "--host=localhost"}, args, []string{keys}), count: passLines},
					&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "Apache client → thriftsec server", Protocol: pr, Transport: tr, Security: sec(tls),
						server: cat([]string{ts}, args, []string{keys}), ours: true,
						client: cat([]string{ap, "client", "--host=127.0.0.1"}, args, []string{keys}), count: passLines, want: []string{"PASS secondtestString"}},
					&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "thriftsec client → Apache server", Protocol: pr, Transport: tr, Security: sec(tls),
						server: cat([]string{ap, "server", "--host=127.0.0.1"}, args, []string{keys}),
						client: cat([]string{tc, "--host=127.0.0.1"}, args, []string{keys}), count: passLines, want: []string{"PASS secondtestString"}},
				)
			}
		}
	}
	// THeader (Apache's THeaderTransport and THeaderProtocol) against
	// Apache's Python peer and Go library: over a plain socket
	// (--transport=buffered), and inside TFramedTransport
	// (--transport=framed), where Apache's Python and Go both wrap each
	// header frame in a second frame (runtime.FramedHeader).
	for i := range 4 {
		tr, tls := []string{"buffered", "framed"}[i/2], i%2 == 1
		args := cat([]string{"--port={port}", "--protocol=header", "--transport=" + tr}, opt(tls, "--ssl"))
		rows = append(rows,
			&row{Peer: "Apache Python 0.17 (TestClient.py)", Direction: "Apache client → thriftsec server", Protocol: "header", Transport: tr, Security: sec(tls),
				server: cat([]string{ts}, args, []string{keys}), ours: true,
				client:    cat([]string{python, "TestClient.py", "--genpydir=gen-py", "--host=localhost"}, args),
				clientDir: e.py, count: unittest},
			&row{Peer: "Apache Python 0.17 (TestServer.py)", Direction: "thriftsec client → Apache server", Protocol: "header", Transport: tr, Security: sec(tls),
				server:    cat([]string{python, "TestServer.py", "--genpydir=gen-py"}, args, []string{"TSimpleServer"}),
				serverDir: e.py,
				client:    cat([]string{tc, "--host=localhost"}, args, []string{keys}), count: passLines},
			&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "Apache client → thriftsec server", Protocol: "header", Transport: tr, Security: sec(tls),
				server: cat([]string{ts}, args, []string{keys}), ours: true,
				client: cat([]string{ap, "client", "--host=127.0.0.1"}, args, []string{keys}), count: passLines},
			&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "thriftsec client → Apache server", Protocol: "header", Transport: tr, Security: sec(tls),
				server: cat([]string{ap, "server", "--host=127.0.0.1"}, args, []string{keys}),
				client: cat([]string{tc, "--host=127.0.0.1"}, args, []string{keys}), count: passLines},
		)
	}
	// HTTP and HTTPS: see http.go.
	rows = append(rows, e.httpRows()...)

	// IPv6 loopback.
	rows = append(rows, &row{Peer: "Apache Python 0.17 (TestClient.py)", Direction: "Apache client → thriftsec server", Transport: "buffered", Security: "plain, ::1",
		server: cat([]string{ts}, common("buffered"), []string{keys}), ours: true,
		client:    cat([]string{python, "TestClient.py", "--genpydir=gen-py", "--host=::1"}, common("buffered")),
		clientDir: e.py, count: unittest})

	// Mutual TLS.
	pyc := func(tr string) []string {
		return []string{python, filepath.Join(e.scripts, "tls_client.py"), "--genpydir=" + filepath.Join(e.py, "gen-py"),
			"--host=127.0.0.1", "--port={port}", "--transport=" + tr, keys}
	}
	mtlsTests := "--tests=testVoid,testString,testI32,testStruct,testMap"
	for _, tr := range []string{"buffered", "framed"} {
		rows = append(rows,
			&row{Peer: "Apache Python 0.17 (tls_client.py)", Direction: "Apache client → thriftsec server", Transport: tr, Security: "mTLS, client cert",
				server: cat([]string{ts}, common(tr), []string{"--ssl", "--require-client-cert", keys}), ours: true,
				client: cat(pyc(tr), []string{"--client-cert"}), want: []string{"OK: 4 calls"}, okDetail: "served: 4/4 calls"},
			&row{Peer: "Apache Python 0.17 (tls_client.py)", Direction: "Apache client → thriftsec server", Transport: tr, Security: "mTLS, no client cert",
				server: cat([]string{ts}, common(tr), []string{"--ssl", "--require-client-cert", keys}), ours: true,
				client: cat(pyc(tr), []string{"--expect-refused"}), want: []string{"refused as expected", "CERTIFICATE_REQUIRED"},
				count: func(out string) (string, bool) { return "refused: " + refusal(out), true },
				after: [][]string{cat(pyc(tr), []string{"--client-cert"})}},
		)
	}
	pys := []string{python, filepath.Join(e.scripts, "tls_server.py"), "--genpydir=" + filepath.Join(e.py, "gen-py"),
		"--host=127.0.0.1", "--port={port}", "--transport=buffered", "--keys=" + e.devkeys}
	rows = append(rows,
		&row{Peer: "Apache Python 0.17 (tls_server.py, CERT_REQUIRED)", Direction: "thriftsec client → Apache server", Transport: "buffered", Security: "mTLS, client cert",
			server: pys,
			client: []string{tc, "--host=127.0.0.1", "--port={port}", "--transport=buffered", "--ssl", "--client-cert", "--keys=" + e.devkeys, mtlsTests}, count: passLines},
		&row{Peer: "Apache Python 0.17 (tls_server.py, CERT_REQUIRED)", Direction: "thriftsec client → Apache server", Transport: "buffered", Security: "mTLS, no client cert",
			server:  pys,
			client:  []string{tc, "--host=127.0.0.1", "--port={port}", "--transport=buffered", "--ssl", "--keys=" + e.devkeys, mtlsTests},
			refused: true, want: []string{"FAIL", "tls:"},
			after: [][]string{{tc, "--host=127.0.0.1", "--port={port}", "--transport=buffered", "--ssl", "--client-cert", "--keys=" + e.devkeys, "--tests=testVoid"}}},
		&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "Apache client → thriftsec server", Transport: "framed", Security: "mTLS, client cert",
			server: cat([]string{ts}, common("framed"), []string{"--ssl", "--require-client-cert", keys}), ours: true,
			client: cat([]string{ap, "client", "--host=127.0.0.1", "--ssl", "--client-cert", keys}, common("framed")), count: passLines},
		&row{Peer: "Apache Go 0.17 (apachepeer)", Direction: "thriftsec client → Apache server", Transport: "framed", Security: "mTLS, client cert",
			server: cat([]string{ap, "server", "--host=127.0.0.1", "--ssl", "--require-client-cert", keys}, common("framed")),
			client: cat([]string{tc, "--host=127.0.0.1", "--ssl", "--client-cert", keys}, common("framed")), count: passLines},
	)

	// thriftpy, with echo.thrift.
	for _, tr := range []string{"buffered", "framed"} {
		tp := func(mode string) []string {
			return []string{python, filepath.Join(e.scripts, "thriftpy_echo.py"), mode, "--idl=" + e.echoIDL,
				"--host=127.0.0.1", "--port={port}", "--transport=" + tr, keys}
		}
		rows = append(rows,
			&row{Peer: "thriftpy 0.3.9 (Echo)", Direction: "thriftpy client → thriftsec server", Transport: tr, Security: "mTLS, client cert",
				server: []string{echo, "server", "--port={port}", "--transport=" + tr, "--ssl", "--require-client-cert", keys}, ours: true,
				client: tp("client"), count: passLines},
			&row{Peer: "thriftpy 0.3.9 (Echo)", Direction: "thriftsec client → thriftpy server", Transport: tr, Security: "TLS",
				server: tp("server"),
				client: []string{echo, "client", "--host=127.0.0.1", "--port={port}", "--transport=" + tr, "--ssl", keys}, count: passLines},
		)
	}

	// Limits: Apache's feature scripts against a limited testserver, then
	// a further good call on a new connection.
	for _, tr := range []string{"buffered", "framed"} {
		for _, f := range []struct{ script, flag string }{{"string_limit.py", "--string-limit=50"}, {"container_limit.py", "--container-limit=50"}} {
			rows = append(rows, &row{Peer: "Apache Python 0.17 (" + f.script + ")", Direction: "Apache client → thriftsec server", Transport: tr, Security: "plain, " + f.flag[2:],
				server:    []string{ts, "--port={port}", "--protocol=binary", "--transport=" + tr, f.flag},
				ours:      true,
				client:    []string{python, f.script, "--host=127.0.0.1", "--port={port}", "--protocol=binary", "--transport=" + tr, "--limit=50"},
				clientDir: e.features,
				want:      []string{"[OK]: limit - 1", "[OK]: just limit", "[OK]: limit + 1"},
				okDetail:  "49 and 50 accepted, 51 refused",
				after:     [][]string{{tc, "--host=127.0.0.1", "--port={port}", "--transport=" + tr, "--tests=testVoid,testI32,testList"}},
			})
		}
	}
	rows = append(rows, e.jwtRows()...)
	rows = append(rows, e.zlibUnixRows()...)
	rows = append(rows, e.goZlibRows()...)
	return append(rows, e.detectRows()...)
}

func runAll(ctx context.Context, e *env, rows []*row) {
	jobs := make(chan *row)
	var wg sync.WaitGroup
	for range max(*jobsFlag, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				t := time.Now()
				r.run(ctx, e)
				r.took = time.Since(t)
				status := "pass"
				if !r.ok {
					status = "FAIL"
				}
				fmt.Fprintf(os.Stderr, "crosstest: %-4s %s | %s | %s | %s | %s: %s (%s)\n", status, r.Peer, r.Direction, r.protocol(), r.Transport, r.Security, r.detail, r.took.Round(100*time.Millisecond))
				if !r.ok || *verbose {
					fmt.Fprintln(os.Stderr, indent(r.log))
				}
			}
		}()
	}
	for _, r := range rows {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 80 {
		lines = append(lines[:20], append([]string{"    ..."}, lines[len(lines)-60:]...)...)
	}
	return "    " + strings.Join(lines, "\n    ")
}

var portMu sync.Mutex
var usedPorts = map[int]bool{}

// freePort returns a port free on both 127.0.0.1 and ::1 (where IPv6
// works), never the same twice in a run.
func freePort() (int, error) {
	portMu.Lock()
	defer portMu.Unlock()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln6, err6 := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port)))
		ln.Close()
		if err6 == nil {
			ln6.Close()
		} else if !errors.Is(err6, syscall.EADDRNOTAVAIL) && !errors.Is(err6, syscall.EAFNOSUPPORT) {
			continue
		}
		if !usedPorts[port] {
			usedPorts[port] = true
			return port, nil
		}
	}
	return 0, errors.New("no free port")
}

// sockDir holds the rows' Unix sockets ("{sock}" in argv).
var sockDir string

func sockPath(port int) string {
	return filepath.Join(sockDir, "ThriftTest.thrift."+strconv.Itoa(port))
}

func subst(argv []string, port int) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		a = strings.ReplaceAll(a, "{sock}", sockPath(port))
		out[i] = strings.ReplaceAll(a, "{port}", strconv.Itoa(port))
	}
	return out
}

// syncBuffer collects a process's output from its two streams.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func pyEnv() []string {
	return append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONWARNINGS=ignore", "PYTHONUNBUFFERED=1")
}

func (r *row) run(ctx context.Context, e *env) {
	var log strings.Builder
	fail := func(format string, args ...any) {
		r.ok = false
		r.detail = fmt.Sprintf(format, args...)
	}
	defer func() { r.log = log.String() }()

	port, err := freePort()
	if err != nil {
		fail("%v", err)
		return
	}
	// Server.
	srvOut := &syncBuffer{}
	srv := exec.Command(subst(r.server, port)[0], subst(r.server, port)[1:]...)
	srv.Dir = r.serverDir
	srv.Env = pyEnv()
	srv.Stdout, srv.Stderr = srvOut, srvOut
	srv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := srv.Start(); err != nil {
		fail("starting the server: %v", err)
		return
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			syscall.Kill(-srv.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		fmt.Fprintf(&log, "--- server: %s\n%s", strings.Join(subst(r.server, port), " "), srvOut.String())
	}()
	network, addr := "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if r.unix {
		network, addr = "unix", sockPath(port)
	}
	if err := waitListening(ctx, network, addr, exited); err != nil {
		fail("server did not start: %v", err)
		return
	}

	// Client.
	out, err := runClient(ctx, subst(r.client, port), r.clientDir)
	fmt.Fprintf(&log, "--- client: %s\n%s", strings.Join(subst(r.client, port), " "), out)
	var ctxErr error
	if errors.Is(err, context.DeadlineExceeded) {
		ctxErr = err
	}
	var missing, serverMissing []string
	for _, w := range r.want {
		if !strings.Contains(out, w) {
			missing = append(missing, w)
		}
	}
	for _, w := range r.serverWant {
		if !strings.Contains(srvOut.String(), w) {
			serverMissing = append(serverMissing, w)
		}
	}
	switch {
	case ctxErr != nil:
		fail("client timed out")
	case r.refused && err == nil:
		fail("client was served, want refused")
	case r.refused && len(missing) > 0:
		fail("client failed, but not as a refusal (no %q)", missing)
	case len(serverMissing) > 0:
		fail("server output lacks %q", serverMissing)
	case r.refused && r.okDetail != "":
		r.ok, r.detail = true, r.okDetail
	case r.refused:
		r.ok, r.detail = true, "refused: "+refusal(out)
	case err != nil:
		fail("client failed: %v", err)
		if r.count != nil {
			d, _ := r.count(out)
			r.detail += " (" + d + ")"
		}
	case len(missing) > 0:
		fail("output lacks %q", missing)
	default:
		r.ok, r.detail = true, "ok"
		if r.count != nil {
			r.detail, r.ok = r.count(out)
		} else if r.okDetail != "" {
			r.detail = r.okDetail
		}
	}
	// The server must still serve.
	for _, a := range r.after {
		out, err := runClient(ctx, subst(a, port), r.clientDir)
		fmt.Fprintf(&log, "--- then: %s\n%s", strings.Join(subst(a, port), " "), out)
		if err != nil && r.ok {
			fail("server stopped serving: %v", err)
		}
	}
	if r.ok && len(r.after) > 0 {
		r.detail += "; still serving"
	}

	// Stop: SIGHUP, gone within 2 s.
	if err := srv.Process.Signal(syscall.SIGHUP); err != nil {
		fail("server died early: %v", err)
		return
	}
	t := time.Now()
	select {
	case err := <-exited:
		stopped = true
		fmt.Fprintf(&log, "--- server exited %v after SIGHUP in %v\n", err, time.Since(t).Round(time.Millisecond))
		syscall.Kill(-srv.Process.Pid, syscall.SIGKILL) // any children
		if r.ours && err != nil && r.ok {
			fail("server exited with %v after SIGHUP", err)
		}
	case <-time.After(2 * time.Second):
		if r.ok {
			fail("server still running 2s after SIGHUP")
		}
	}
}

// waitListening waits until addr accepts a connection, the server exits,
// or 15 s pass.
func waitListening(ctx context.Context, network, addr string, exited chan error) error {
	end := time.Now().Add(15 * time.Second)
	for time.Now().Before(end) {
		c, err := net.DialTimeout(network, addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("server exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("nothing accepted on %s within 15s", addr)
}

func runClient(ctx context.Context, argv []string, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, clientMax)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = pyEnv()
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.String(), ctx.Err()
	}
	return out.String(), err
}

// refusal picks the reason a refused client gives.
func refusal(out string) string {
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`tlsv13 alert certificate required`),
		regexp.MustCompile(`remote error: tls: [a-z ]+`),
		regexp.MustCompile(`CERTIFICATE_REQUIRED`),
	} {
		if m := re.FindString(out); m != "" {
			return m
		}
	}
	return "connection failed"
}

func render(rows []*row, took time.Duration) string {
	var b strings.Builder
	pass := 0
	for _, r := range rows {
		if r.ok {
			pass++
		}
	}
	fmt.Fprintf(&b, "| Peer | Direction | Protocol | Transport | Security | Result | Checks |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		res := "pass"
		if !r.ok {
			res = "**FAIL**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Peer, r.Direction, r.protocol(), r.Transport, r.Security, res, strings.ReplaceAll(r.detail, "|", `\|`))
	}
	fmt.Fprintf(&b, "\n%d of %d rows pass (Apache Thrift 0.17 from Debian and the Go module proxy, thriftpy 0.3.9; %s on %d rows at a time).\n",
		pass, len(rows), took.Round(time.Second), *jobsFlag)
	return b.String()
}
