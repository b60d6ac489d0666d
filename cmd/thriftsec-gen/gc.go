package main

import (
	"os"
	"runtime/debug"

	"github.com/thriftsec/thriftsec/parser"
)

// tuneGC paces the garbage collector for one generation run. Generating
// allocates mostly short-lived jennifer trees; at the default pace
// (GOGC=100) collecting them is about a sixth of the run. A run's live
// heap is about a hundred times the IDL it reads (142 MB for 1.4 MB of
// IDL), so the collector may let the heap grow four times its live size
// (GOGC=400) but never past a soft limit of 64 MiB plus 192 bytes per IDL
// byte: on the 50,000-line benchmark that is 328 MiB (340 MB of RSS, under
// the 400 MB the generator is held to; 160 bytes per IDL byte, 284 MiB,
// cost 10-20% more time in collections), and it grows with the input so
// that a bigger IDL is never held to a limit below its live heap. GOGC or
// GOMEMLIMIT in the environment win over both.
//
// It runs twice: before parsing, sized by the files named on the command
// line (the parse of a big IDL collected at the default pace as often as
// it ran), and after, sized by every file the program includes.
func tuneGC(paths []string) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	var size int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			size += st.Size()
		}
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(64<<20 + 192*size)
}

// programFiles are the paths of every file prog read.
func programFiles(prog *parser.Program) []string {
	paths := make([]string, len(prog.Files))
	for i, f := range prog.Files {
		paths[i] = f.AbsPath
	}
	return paths
}
