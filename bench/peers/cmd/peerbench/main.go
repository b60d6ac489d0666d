// Command peerbench measures thriftsec next to its peers in one run and
// prints two tables (`make bench-peers` at the repository root):
//
//   - codec: encode and decode of four values (small, medium, a 1,000-item
//     list<struct>, a tracing-span batch) with thriftsec, Apache Thrift Go
//     0.17, Kitex's fast codec and frugal; ns/op and allocs/op, and each
//     peer's time ÷ thriftsec's;
//   - RPC: a 1 KiB echo over loopback with thriftsec (TLS and plain), raw
//     crypto/tls and TCP ping-pong floors, Apache Go over TLS, gRPC-Go over
//     TLS and Kitex: calls/s at several caller counts (one connection per
//     caller everywhere), p50/p99 latency, CPU and allocations per call,
//     client and server apart (each server runs in its own process).
//
// Every figure is the median of -passes interleaved passes, so that a
// slow moment of the machine hits every library alike.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func main() {
	serve := flag.String("serve", "", "internal: run the named system's server and report its stats on stdin requests")
	certDir := flag.String("certs", "", "internal: directory with the server certificate")
	passes := flag.Int("passes", 5, "interleaved passes of the RPC table; each figure is their median")
	codecPasses := flag.Int("codec-passes", 5, "interleaved passes of the codec table (its benchmarks are short and swing with the collector, so it takes more)")
	benchtime := flag.Duration("benchtime", time.Second, "measured time of each RPC cell in each pass; each codec benchmark runs a third of it")
	callerList := flag.String("callers", "1,16,64,256", "caller counts of the RPC table")
	only := flag.String("only", "", "codec or rpc: print one table")
	systemList := flag.String("systems", "", "comma-separated RPC systems to run (default all; raw crypto/tls always runs, as the ratios' base)")
	cpuProfile := flag.String("cpuprofile", "", "write CPU profiles: this process's to FILE.client, each server's to FILE.<n>")
	testing.Init()
	flag.Parse()
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile, *serve)
		if err != nil {
			fmt.Fprintln(os.Stderr, "peerbench:", err)
			os.Exit(1)
		}
		defer stop()
		profilePrefix = *cpuProfile
	}
	if *serve != "" {
		if err := serverMain(*serve, *certDir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	var callers []int
	for _, f := range strings.Split(*callerList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "peerbench: bad caller count %q\n", f)
			os.Exit(2)
		}
		callers = append(callers, n)
	}
	*passes, *codecPasses = max(*passes, 1), max(*codecPasses, 1)
	if *only != "rpc" {
		if err := runCodec(*codecPasses, *benchtime/3); err != nil {
			fmt.Fprintln(os.Stderr, "peerbench:", err)
			os.Exit(1)
		}
	}
	if *only != "codec" {
		if err := runRPC(*passes, *benchtime, callers, *systemList); err != nil {
			fmt.Fprintln(os.Stderr, "peerbench:", err)
			os.Exit(1)
		}
	}
}

// profilePrefix is -cpuprofile, handed on to the server processes.
var profilePrefix string

func startCPUProfile(prefix, server string) (func(), error) {
	name := prefix + ".client"
	if server != "" {
		name = prefix + "." + strings.NewReplacer(" ", "-", "/", "-").Replace(server)
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func runCodec(passes int, benchtime time.Duration) error {
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		return err
	}
	cells, err := codecBenches()
	if err != nil {
		return err
	}
	// A group is one case and op: thriftsec's cell and its peers'.
	type key struct{ caseName, op string }
	type group struct {
		ours  int
		peers []int
	}
	groups := map[key]*group{}
	var order []key
	for i, c := range cells {
		k := key{c.caseName, c.op}
		g := groups[k]
		if g == nil {
			g = &group{ours: -1}
			groups[k] = g
			order = append(order, k)
		}
		if c.lib == codecLibs[0] {
			g.ours = i
		} else {
			g.peers = append(g.peers, i)
		}
	}
	ns := make([][]float64, len(cells))
	allocs := make([][]float64, len(cells))
	// ratios[i] holds peer cell i's time ÷ thriftsec's, one per pass.
	ratios := make([][]float64, len(cells))
	run := func(i int) (float64, error) {
		c := cells[i]
		r := testing.Benchmark(c.run)
		if r.N == 0 {
			return 0, fmt.Errorf("codec %s %s %s failed", c.caseName, c.op, c.lib)
		}
		t := float64(r.T.Nanoseconds()) / float64(r.N)
		ns[i] = append(ns[i], t)
		allocs[i] = append(allocs[i], float64(r.MemAllocs)/float64(r.N))
		return t, nil
	}
	for p := range passes {
		fmt.Fprintf(os.Stderr, "codec pass %d/%d\n", p+1, passes)
		for _, k := range order {
			// thriftsec runs before and after each peer, and the peer's
			// ratio is to the mean of the two: the machine's speed drifts
			// over seconds here, and bracketing each peer's run takes the
			// drift out of its ratio (running the four cells in a row, a
			// peer's run and thriftsec's were up to three cells apart).
			g := groups[k]
			before, err := run(g.ours)
			if err != nil {
				return err
			}
			for _, peer := range g.peers {
				t, err := run(peer)
				if err != nil {
					return err
				}
				after, err := run(g.ours)
				if err != nil {
					return err
				}
				ratios[peer] = append(ratios[peer], t/((before+after)/2))
				before = after
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].op > order[j].op })
	fmt.Printf("\nCodec, binary protocol: ns/op, allocs/op (medians of %d interleaved passes; ratio = peer time ÷ thriftsec's, the mean of its runs just before and just after the peer's, in each pass; their median; > 1 means thriftsec is faster)\n\n", passes)
	fmt.Printf("| op | value | %s |\n", strings.Join(codecLibs, " | "))
	fmt.Printf("|---|---|%s\n", strings.Repeat("---|", len(codecLibs)))
	for _, k := range order {
		g := groups[k]
		cols := []string{fmt.Sprintf("%s ns, %s", fmtNs(median(ns[g.ours])), fmtAllocs(median(allocs[g.ours])))}
		for _, peer := range g.peers {
			cols = append(cols, fmt.Sprintf("%s ns, %s (%.2f×)", fmtNs(median(ns[peer])), fmtAllocs(median(allocs[peer])), median(ratios[peer])))
		}
		fmt.Printf("| %s | %s | %s |\n", k.op, k.caseName, strings.Join(cols, " | "))
	}
	return nil
}

func fmtNs(ns float64) string {
	if ns >= 10_000 {
		return strconv.FormatFloat(ns/1000, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(ns, 'f', 0, 64)
}

func fmtAllocs(a float64) string {
	return strconv.FormatFloat(a, 'f', 0, 64) + " allocs"
}
