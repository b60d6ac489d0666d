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
	st, err := os.Stat(*against)
	isDir := err == nil && st.IsDir()
	if isDir {
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
	if !isDir && fs.NArg() == 1 {
		// One old file against one new file: they are two versions of
		// one file whatever their names (old.thrift from `git show`).
		if of, nf := rootFile(oldProg, *against), rootFile(newProg, fs.Arg(0)); of != nil && nf != nil {
			of.Name = nf.Name
		}
	}
	if !sharesFileName(oldProg, newProg) {
		// Files are compared by name: none in common would compare
		// nothing and pass whatever changed.
		fmt.Fprintf(stderr, "thriftsec-gen: %s holds none of the new files' names: nothing to compare\n", *against)
		return exitFailure
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

// rootFile is the file of prog loaded from path, or nil.
func rootFile(prog *parser.Program, path string) *parser.File {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	for _, f := range prog.Files {
		if f.AbsPath == filepath.Clean(abs) {
			return f
		}
	}
	return nil
}

// sharesFileName reports whether a file of new has the name of a file of
// old, the pairs breaking.Compare compares.
func sharesFileName(old, new *parser.Program) bool {
	names := map[string]bool{}
	for _, f := range old.Files {
		names[f.Name] = true
	}
	for _, f := range new.Files {
		if names[f.Name] {
			return true
		}
	}
	return false
}
