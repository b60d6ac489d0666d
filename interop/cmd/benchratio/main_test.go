package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkEncode/small/thriftsec-2         	33490267	        10.00 ns/op	4016.12 MB/s	       0 B/op	       0 allocs/op
BenchmarkEncode/small/apache-2            	 3382208	       100.0 ns/op	 428.40 MB/s	       0 B/op	       0 allocs/op
BenchmarkEncode/small/thriftsec-2         	33490267	        30.00 ns/op	4000.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkDecode/medium/thriftsec-stream-2 	  151827	      2000 ns/op	 999.44 MB/s	    3024 B/op	      30 allocs/op
BenchmarkDecode/medium/apache-stream-2    	   48639	      8000 ns/op	 285.09 MB/s	    5656 B/op	      34 allocs/op
BenchmarkDecode/medium/apache-2           	   48639	      8000 ns/op
PASS
`

func TestTable(t *testing.T) {
	var pass bytes.Buffer
	res, order, err := parse(strings.NewReader(sample), &pass)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if n := table(&out, res, order); n != 2 {
		t.Fatalf("%d pairs, want 2:\n%s", n, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"| Encode/small | 20 | 100 | 4008 | 428 | 0 | 0 |", // two runs averaged
		"5.00× |",
		"| Decode/medium (stream) | 2000 | 8000 | 999 | 285 | 30 | 34 | 4.00× |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(pass.String(), "goos: linux") || !strings.Contains(pass.String(), "PASS") {
		t.Errorf("non-benchmark lines not passed through: %q", pass.String())
	}
}
