// Command benchratio reads `go test -bench` output on stdin and prints a
// markdown table that sets each thriftsec benchmark beside its Apache
// counterpart: benchmarks named .../thriftsec[-variant] and
// .../apache[-variant] under the same parent are paired, and the ratio
// apache ns/op ÷ thriftsec ns/op says how many times faster thriftsec is.
// With -count > 1 the runs of one benchmark are averaged. Lines that are
// not benchmark results pass through to stderr untouched, so failures stay
// visible; the exit status is 1 when no pair was found.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// result accumulates the runs of one benchmark.
type result struct {
	runs              int
	ns, mbs, allocs   float64
	hasMBs, hasAllocs bool
}

func (r *result) mean(v float64) float64 { return v / float64(r.runs) }

var (
	benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)
	procs     = regexp.MustCompile(`-\d+$`)
)

// parse reads benchmark results keyed by name without the Benchmark prefix
// and the -GOMAXPROCS suffix, in first-seen order.
func parse(r io.Reader, passthrough io.Writer) (map[string]*result, []string, error) {
	results := map[string]*result{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			fmt.Fprintln(passthrough, line)
			continue
		}
		name := procs.ReplaceAllString(m[1], "")
		fields := strings.Fields(m[2])
		res := results[name]
		if res == nil {
			res = &result{}
			results[name] = res
			order = append(order, name)
		}
		res.runs++
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				res.ns += v
			case "MB/s":
				res.mbs += v
				res.hasMBs = true
			case "allocs/op":
				res.allocs += v
				res.hasAllocs = true
			}
		}
	}
	return results, order, sc.Err()
}

// table renders the pairs; it returns the number of pairs found.
func table(w io.Writer, results map[string]*result, order []string) int {
	fmt.Fprintln(w, "| benchmark | thriftsec ns/op | apache ns/op | thriftsec MB/s | apache MB/s | thriftsec allocs/op | apache allocs/op | speed ratio (apache ns ÷ thriftsec ns) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	pairs := 0
	for _, name := range order {
		i := strings.LastIndex(name, "/")
		if i < 0 {
			continue
		}
		parent, leaf := name[:i], name[i+1:]
		variant, ok := strings.CutPrefix(leaf, "thriftsec")
		if !ok {
			continue
		}
		ours := results[name]
		theirs := results[parent+"/apache"+variant]
		if theirs == nil {
			continue
		}
		pairs++
		label := parent
		if variant != "" {
			label += " (" + strings.TrimPrefix(variant, "-") + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %.2f× |\n", label,
			num(ours.mean(ours.ns)), num(theirs.mean(theirs.ns)),
			opt(ours.hasMBs, ours.mean(ours.mbs)), opt(theirs.hasMBs, theirs.mean(theirs.mbs)),
			opt(ours.hasAllocs, ours.mean(ours.allocs)), opt(theirs.hasAllocs, theirs.mean(theirs.allocs)),
			theirs.mean(theirs.ns)/ours.mean(ours.ns))
	}
	return pairs
}

func num(v float64) string {
	if v >= 100 || v == float64(int64(v)) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func opt(ok bool, v float64) string {
	if !ok {
		return "–"
	}
	return num(v)
}

func main() {
	results, order, err := parse(os.Stdin, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	if table(os.Stdout, results, order) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no thriftsec/apache benchmark pairs in the input")
		os.Exit(1)
	}
}
