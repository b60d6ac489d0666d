package calculator

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/thriftsec/thriftsec/generator"
	"github.com/thriftsec/thriftsec/parser"
)

// TestGeneratedCodeIsFresh fails when gen/ is not what the go:generate line
// in doc.go would write today: run `go generate ./examples/calculator`.
func TestGeneratedCodeIsFresh(t *testing.T) {
	prog, err := parser.Load([]string{"idl/calculator.thrift"}, parser.Options{IncludeDirs: []string{"idl"}})
	if err != nil {
		t.Fatal(err)
	}
	files, err := generator.Generate(prog, generator.Options{OutDir: "gen"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Errorf("generated %d files, want 2", len(files))
	}
	for _, f := range files {
		path := filepath.Join("gen", filepath.FromSlash(f.Path))
		onDisk, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run go generate ./examples/calculator)", path, err)
			continue
		}
		if diff := cmp.Diff(string(onDisk), string(f.Content)); diff != "" {
			t.Errorf("%s is stale; run go generate ./examples/calculator (-disk +fresh):\n%s", path, diff)
		}
	}
}
