package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/thriftsec/thriftsec/breaking"
	"github.com/thriftsec/thriftsec/parser"
)

// runBreaking is `thriftsec-gen breaking -against OLD NEW...`: it loads both
// versions and reports every breaking change. Wire-breaking changes fail
// (exit 1); Go-API-only changes are warnings unless -strict.
func runBreaking(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("thriftsec-gen breaking", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		against  = fs.String("against", "", "the old IDL: a .thrift `file`, or a directory holding files of the same names as the new ones")
		strict   = fs.Bool("strict", false, "fail on Go-API-only changes too")
		includes stringList
	)
	fs.Var(&includes, "I", "add `dir` to the include search path of the new IDL (repeatable)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: thriftsec-gen breaking -against OLD_DIR_OR_FILE [-strict] [-I DIR]... NEW.thrift...\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *against == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "thriftsec-gen breaking: -against and at least one new .thrift file are required")
		fs.Usage()
		return exitUsage
	}
	newProg, err := parser.Load(fs.Args(), parser.Options{IncludeDirs: includes})
	if err != nil {
		return fail(stderr, err)
	}
	oldRoots := []string{*against}
	oldIncludes := []string{filepath.Dir(*against)}
	if st, err := os.Stat(*against); err == nil && st.IsDir() {
		oldRoots = nil
		oldIncludes = []string{*against}
		for _, n := range fs.Args() {
			p := filepath.Join(*against, filepath.Base(n))
			if _, err := os.Stat(p); err == nil {
				oldRoots = append(oldRoots, p)
			}
		}
		if len(oldRoots) == 0 {
			fmt.Fprintf(stderr, "thriftsec-gen: %s holds none of the new files' names\n", *against)
			return exitFailure
		}
	}
	oldProg, err := parser.Load(oldRoots, parser.Options{IncludeDirs: append(oldIncludes, includes...)})
	if err != nil {
		fmt.Fprintln(stderr, "thriftsec-gen: the old IDL (-against) does not load:")
		return fail(stderr, err)
	}
	code := exitOK
	for _, c := range breaking.Compare(oldProg, newProg) {
		if c.Kind == breaking.Wire || *strict {
			code = exitFailure
			fmt.Fprintf(stderr, "thriftsec-gen: %s: breaks %s: %s\n", c.Pos, c.Kind, c.Msg)
		} else {
			fmt.Fprintf(stderr, "thriftsec-gen: %s: warning: breaks %s: %s\n", c.Pos, c.Kind, c.Msg)
		}
	}
	return code
}
