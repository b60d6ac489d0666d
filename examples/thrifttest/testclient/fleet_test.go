package main

import (
	"testing"

	"github.com/thriftsec/thriftsec/contrib/etcd"
	"github.com/thriftsec/thriftsec/fleet"
)

// TestResolverSpec: --resolve's forms map to the right resolver and bad
// ones are refused with a message.
func TestResolverSpec(t *testing.T) {
	r, release, err := resolver("etcd://127.0.0.1:2379,127.0.0.1:22379/services/tt/")
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := r.(*etcd.Resolver); !ok || e.Prefix != "/services/tt/" {
		t.Errorf("etcd spec gave %#v", r)
	}
	release()
	type dns struct {
		target string
		srv    bool
	}
	for spec, want := range map[string]dns{
		"dns:///calc.example:9090":          {"calc.example:9090", false},
		"dns:///_thrift._tcp.calc.example.": {"_thrift._tcp.calc.example.", true},
	} {
		r, _, err := resolver(spec)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if d, ok := r.(*fleet.DNS); !ok || d.Target != want.target || d.SRV != want.srv {
			t.Errorf("%s gave %#v", spec, r)
		}
	}
	for _, bad := range []string{"etcd://127.0.0.1:2379", "etcd:///prefix", "dns://8.8.8.8/calc:9090", "dns:///", "http://x/y", "::"} {
		if _, _, err := resolver(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestLoadLine: the summary line's exact format, addresses sorted.
func TestLoadLine(t *testing.T) {
	s := served{n: map[string]int64{"127.0.0.3:9090": 7, "127.0.0.2:9090": 5}}
	if got, want := s.line(13, 1), "load: calls=13 errors=1 endpoints=127.0.0.2:9090=5,127.0.0.3:9090=7"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (&served{n: map[string]int64{}}).line(0, 0), "load: calls=0 errors=0 endpoints="; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
