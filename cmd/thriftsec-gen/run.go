package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/thriftsec/thriftsec/generator"
	"github.com/thriftsec/thriftsec/parser"
)

// version is the tool's version, printed by -version.
const version = "0.1.0"

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// stringList collects a repeatable flag (-I a -I b).
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// run is the whole command, kept apart from main so tests can call it.
func run(args []string, stdout, stderr io.Writer) (code int) {
	// Bad input is reported as errors; a panic can only be a bug in the
	// tool. Say so in one line instead of dumping a stack on the user.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "thriftsec-gen: internal error: %v (please report this with the IDL that caused it)\n", r)
			code = exitFailure
		}
	}()
	if len(args) > 0 && args[0] == "certs" {
		return runCerts(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "breaking" {
		return runBreaking(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("thriftsec-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		out          = fs.String("out", ".", "directory to write Go packages `dir` below")
		importPrefix = fs.String("import-prefix", "", "Go import `path` of the -out directory (default: derived from the enclosing go.mod)")
		showVersion  = fs.Bool("version", false, "print the version and exit")
		includes     stringList
	)
	fs.Var(&includes, "I", "add `dir` to the include search path (repeatable; searched after the including file's directory)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: thriftsec-gen [-out DIR] [-I DIR]... [-import-prefix PATH] FILE.thrift...\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *showVersion {
		fmt.Fprintln(stdout, "thriftsec-gen", version)
		return exitOK
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "thriftsec-gen: no .thrift files given")
		fs.Usage()
		return exitUsage
	}

	tuneGC(fs.Args())
	prog, err := parser.Load(fs.Args(), parser.Options{IncludeDirs: includes})
	if prog != nil {
		for _, w := range prog.Warnings {
			fmt.Fprintf(stderr, "thriftsec-gen: warning: %s\n", w)
		}
	}
	if err != nil {
		return fail(stderr, err)
	}
	tuneGC(programFiles(prog))
	err = generator.GenerateEach(prog, generator.Options{OutDir: *out, ImportPrefix: *importPrefix}, func(path string, parts [][]byte) error {
		return writeFile(filepath.Join(*out, filepath.FromSlash(path)), parts)
	})
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

// sameBytes reports whether b is the concatenation of parts.
func sameBytes(b []byte, parts [][]byte) bool {
	for _, p := range parts {
		if len(p) > len(b) || string(b[:len(p)]) != string(p) {
			return false
		}
		b = b[len(p):]
	}
	return len(b) == 0
}

// fail prints every error (one line per IDL problem) and returns the
// failure status.
func fail(stderr io.Writer, err error) int {
	var list parser.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintf(stderr, "thriftsec-gen: %s\n", e)
		}
		return exitFailure
	}
	fmt.Fprintf(stderr, "thriftsec-gen: %s\n", err)
	return exitFailure
}

// writeFile replaces path with parts, one after another, through a temporary file and a
// rename, so a build never sees a half-written file; an unchanged file is
// left alone so its modification time (and build caches) stay valid.
func writeFile(path string, parts [][]byte) error {
	if old, err := os.ReadFile(path); err == nil && sameBytes(old, parts) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".thriftsec-gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	for _, p := range parts {
		if _, err := tmp.Write(p); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
