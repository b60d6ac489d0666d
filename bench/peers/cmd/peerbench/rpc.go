package main

import (
	"bufio"
	"fmt"
	"io"
	"math/bits"
	"os"
	"os/exec"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// selfStats is this process's CPU time (user + system, all threads) and
// the number of heap allocations so far.
func selfStats() (time.Duration, uint64) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return cpu, ms.Mallocs
}

// serverProc is one system's server process.
type serverProc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	addr string
}

func startServer(name, certDir string) (*serverProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-serve", name, "-certs", certDir}
	if profilePrefix != "" {
		args = append(args, "-cpuprofile", profilePrefix)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sp := &serverProc{cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	line, err := sp.out.ReadString('\n')
	if err != nil {
		sp.stop()
		return nil, fmt.Errorf("%s server: %w", name, err)
	}
	sp.addr = strings.TrimSpace(line)
	return sp, nil
}

// stats asks the server process for its CPU time and allocation count.
func (sp *serverProc) stats() (time.Duration, uint64, error) {
	if _, err := io.WriteString(sp.in, "stats\n"); err != nil {
		return 0, 0, err
	}
	line, err := sp.out.ReadString('\n')
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(line)
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("bad stats line %q", line)
	}
	cpu, err1 := strconv.ParseInt(f[0], 10, 64)
	mallocs, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("bad stats line %q", line)
	}
	return time.Duration(cpu), mallocs, nil
}

// stop closes the server's stdin, which ends it; a server that does not
// go within a few seconds is killed.
func (sp *serverProc) stop() {
	sp.in.Close()
	done := make(chan struct{})
	go func() { sp.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		sp.cmd.Process.Kill()
		<-done
	}
}

// hist is a log-linear latency histogram (16 buckets per power of two,
// about 6% wide), so recording a call allocates nothing.
type hist [1024]uint32

func bucket(ns int64) int {
	v := uint64(max(ns, 0))
	if v < 32 {
		return int(v)
	}
	shift := bits.Len64(v) - 5
	return min(shift*16+int(v>>shift), len(hist{})-1)
}

func bucketValue(i int) time.Duration {
	if i < 32 {
		return time.Duration(i)
	}
	shift := i/16 - 1
	return time.Duration(uint64(i-shift*16) << shift)
}

// quantile of the merged histograms.
func quantile(h *hist, total uint64, q float64) time.Duration {
	want := uint64(q * float64(total))
	var seen uint64
	for i, n := range h {
		seen += uint64(n)
		if seen > want {
			return bucketValue(i)
		}
	}
	return 0
}

type rpcResult struct {
	callsPerSec  float64
	p50, p99     time.Duration
	clientCPU    time.Duration // per call
	serverCPU    time.Duration
	clientAllocs float64 // per call
	serverAllocs float64
}

// runCell measures one system at one caller count: dial, warm every
// connection up, then let the callers run for d.
func runCell(s system, sp *serverProc, c *certs, callers int, d time.Duration) (rpcResult, error) {
	calls, closeClient, err := s.dial(c, sp.addr, callers)
	if err != nil {
		return rpcResult{}, err
	}
	defer closeClient()
	var stop atomic.Bool
	var wg sync.WaitGroup
	counts := make([]uint64, callers)
	hists := make([]hist, callers)
	errs := make([]error, callers)
	warm := make(chan struct{})
	start := make(chan struct{})
	var warmed sync.WaitGroup
	warmed.Add(callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call := calls[i]
			// Warm-up: every caller's connection is open and has carried
			// calls before the clock starts.
			for range 20 {
				if err := call(); err != nil {
					errs[i] = err
					break
				}
			}
			warmed.Done()
			<-warm
			<-start
			if errs[i] != nil {
				return
			}
			h := &hists[i]
			var n uint64
			for !stop.Load() {
				t0 := time.Now()
				if err := call(); err != nil {
					errs[i] = err
					return
				}
				h[bucket(int64(time.Since(t0)))]++
				n++
			}
			counts[i] = n
		}()
	}
	warmed.Wait()
	close(warm)
	for _, err := range errs {
		if err != nil {
			stop.Store(true)
			close(start)
			wg.Wait()
			return rpcResult{}, err
		}
	}
	sCPU0, sMallocs0, err := sp.stats()
	if err != nil {
		return rpcResult{}, err
	}
	cCPU0, cMallocs0 := selfStats()
	t0 := time.Now()
	close(start)
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(t0)
	cCPU1, cMallocs1 := selfStats()
	sCPU1, sMallocs1, err := sp.stats()
	if err != nil {
		return rpcResult{}, err
	}
	for _, err := range errs {
		if err != nil {
			return rpcResult{}, err
		}
	}
	var total uint64
	var merged hist
	for i := range callers {
		total += counts[i]
		for j, n := range hists[i] {
			merged[j] += n
		}
	}
	if total == 0 {
		return rpcResult{}, fmt.Errorf("no call finished")
	}
	ft := float64(total)
	return rpcResult{
		callsPerSec:  ft / elapsed.Seconds(),
		p50:          quantile(&merged, total, 0.50),
		p99:          quantile(&merged, total, 0.99),
		clientCPU:    time.Duration(float64(cCPU1-cCPU0) / ft),
		serverCPU:    time.Duration(float64(sCPU1-sCPU0) / ft),
		clientAllocs: float64(cMallocs1-cMallocs0) / ft,
		serverAllocs: float64(sMallocs1-sMallocs0) / ft,
	}, nil
}

func runRPC(passes int, d time.Duration, callers []int, only string) error {
	dir, err := os.MkdirTemp("", "peerbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := makeCerts(dir); err != nil {
		return err
	}
	c, err := loadCerts(dir)
	if err != nil {
		return err
	}
	sys := systems()
	if only != "" {
		keep := map[string]bool{"raw crypto/tls": true}
		for _, name := range strings.Split(only, ",") {
			keep[strings.TrimSpace(name)] = true
		}
		var chosen []system
		for _, s := range sys {
			if keep[s.name] {
				chosen = append(chosen, s)
			}
		}
		if len(chosen) != len(keep) {
			return fmt.Errorf("-systems %q: names are %s", only, systemNames())
		}
		sys = chosen
	}
	procs := make([]*serverProc, len(sys))
	defer func() {
		for _, sp := range procs {
			if sp != nil {
				sp.stop()
			}
		}
	}()
	for i, s := range sys {
		if procs[i], err = startServer(s.name, dir); err != nil {
			return err
		}
	}
	// results[system][callers] per pass
	results := make([][][]rpcResult, len(sys))
	for i := range results {
		results[i] = make([][]rpcResult, len(callers))
	}
	for p := range passes {
		fmt.Fprintf(os.Stderr, "rpc pass %d/%d\n", p+1, passes)
		for ci, n := range callers {
			for si, s := range sys {
				r, err := runCell(s, procs[si], c, n, d)
				if err != nil {
					return fmt.Errorf("%s, %d callers: %w", s.name, n, err)
				}
				results[si][ci] = append(results[si][ci], r)
			}
		}
	}
	fmt.Printf("\nRPC, 1 KiB echo over loopback, one connection per caller (the pipelined rows: one per %d callers, each carrying up to %d calls at once): calls/s, p50/p99 latency, CPU µs and allocations per call as client+server (median of %d interleaved passes of %v; ratio = calls/s ÷ raw crypto/tls's in the same pass, their median)\n\n", pipelineDepth, pipelineDepth, passes, d)
	fmt.Printf("| system | callers | calls/s | ÷ raw TLS | p50 | p99 | CPU µs/call c+s | allocs/call c+s |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|\n")
	rawTLS := -1
	for si, s := range sys {
		if s.name == "raw crypto/tls" {
			rawTLS = si
		}
	}
	for ci, n := range callers {
		floor := results[rawTLS][ci]
		for si, s := range sys {
			rs := results[si][ci]
			cps := medianOf(rs, func(r rpcResult) float64 { return r.callsPerSec })
			// As in the codec table: the median of the passes' own
			// ratios, each pass's cells measured seconds apart, so that
			// the machine's drift between passes cancels out.
			ratios := make([]float64, len(rs))
			for p := range rs {
				ratios[p] = rs[p].callsPerSec / floor[p].callsPerSec
			}
			fmt.Printf("| %s | %d | %.0fk | %.2f | %s | %s | %.1f+%.1f | %.1f+%.1f |\n", s.name, n, cps/1000, median(ratios),
				fmtDur(medianOf(rs, func(r rpcResult) float64 { return float64(r.p50) })),
				fmtDur(medianOf(rs, func(r rpcResult) float64 { return float64(r.p99) })),
				medianOf(rs, func(r rpcResult) float64 { return float64(r.clientCPU) })/1000,
				medianOf(rs, func(r rpcResult) float64 { return float64(r.serverCPU) })/1000,
				medianOf(rs, func(r rpcResult) float64 { return r.clientAllocs }),
				medianOf(rs, func(r rpcResult) float64 { return r.serverAllocs }))
		}
	}
	return nil
}

func systemNames() string {
	var names []string
	for _, s := range systems() {
		names = append(names, strconv.Quote(s.name))
	}
	return strings.Join(names, ", ")
}

func medianOf(rs []rpcResult, f func(rpcResult) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	return median(v)
}

func fmtDur(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Millisecond:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + " ms"
	default:
		return strconv.FormatFloat(ns/1e3, 'f', 0, 64) + " µs"
	}
}
