package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateBreaking = flag.Bool("update", false, "rewrite testdata/breaking/*/want.txt")

// TestBreaking runs `thriftsec-gen breaking -against old new/api.thrift`
// (and with -strict) on every case under testdata/breaking, one per rule,
// and compares exit status and messages with the case's want.txt (go test
// ./cmd/thriftsec-gen -update rewrites them).
func TestBreaking(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "breaking", "*"))
	if len(dirs) < 10 {
		t.Fatalf("only %d cases", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, _ := filepath.Abs(dir)
			t.Chdir(abs)
			var got string
			for _, strict := range []bool{false, true} {
				args := []string{"breaking", "-against", "old"}
				if strict {
					args = append(args, "-strict")
				}
				args = append(args, filepath.Join("new", "api.thrift"))
				code, stdout, stderr := runCmd(args...)
				got += fmt.Sprintf("$ thriftsec-gen %v\nexit %d\n%s%s", args[1:], code, stdout, stderr)
				if looksGenerated(stderr) {
					t.Errorf("generated code in stderr")
				}
			}
			if *updateBreaking {
				if err := os.WriteFile("want.txt", []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile("want.txt")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestBreakingUsage(t *testing.T) {
	if code, _, stderr := runCmd("breaking", "new.thrift"); code != exitUsage || stderr == "" {
		t.Errorf("no -against: exit %d, stderr %q", code, stderr)
	}
}

// TestBreakingOtherFileName compares one old file with one new file of
// another name (a copy saved as old.thrift), and refuses a directory that
// holds no file of the new files' names instead of comparing nothing.
func TestBreakingOtherFileName(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := write("old.thrift", "enum Stuff { ONE = 1, TWO = 2 }\n")
	api := write("api.thrift", "enum Stuff { ONE = 1, TWO = 5 }\n")
	code, _, stderr := runCmd("breaking", "-against", old, api)
	if code != exitFailure || !strings.Contains(stderr, "enum value Stuff.TWO renumbered from 2 to 5") {
		t.Errorf("old.thrift against api.thrift: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCmd("breaking", "-against", old, old); code != exitOK || stderr != "" {
		t.Errorf("a file against itself: exit %d, stderr %q", code, stderr)
	}
	empty := t.TempDir()
	write2 := filepath.Join(empty, "other.thrift")
	if err := os.WriteFile(write2, []byte("enum Stuff { ONE = 1 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd("breaking", "-against", empty, api)
	if code != exitFailure || !strings.Contains(stderr, "holds none of the new files' names") {
		t.Errorf("directory without api.thrift: exit %d, stderr %q", code, stderr)
	}
}
