package parser

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Options configure Load.
type Options struct {
	// IncludeDirs are searched, in order, after the including file's own
	// directory (Apache Thrift's rule for "include").
	IncludeDirs []string
}

// loader holds the state of one Load.
type loader struct {
	opts  Options
	cwd   string
	files map[string]*loadedFile // by absolute path
	errs  ErrorList
	warns ErrorList
}

// loadedFile is a file with its syntax tree, before checking.
type loadedFile struct {
	file  *File
	ast   *astFile
	state int // 0 new, 1 loading (on the include stack), 2 done
	// incFiles parallels ast.includes: the loaded file each names (nil
	// when it could not be found).
	incFiles []*loadedFile
	syms     map[string]any // definitions by name
}

// Load parses the files at paths and everything they include, resolves
// every name and checks the result. On problems in the IDL it returns a nil
// Program and an ErrorList sorted by position, holding every problem found
// (after a syntax error in a file, that file's later problems are not
// looked for).
func Load(paths []string, opts Options) (*Program, error) {
	cwd, _ := os.Getwd()
	l := &loader{opts: opts, cwd: cwd, files: map[string]*loadedFile{}}
	var roots []*loadedFile
	seen := map[*loadedFile]bool{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			l.errs = append(l.errs, &Error{Pos{File: p}, err.Error()})
			continue
		}
		lf := l.load(abs, nil, nil)
		if lf != nil && !seen[lf] {
			seen[lf] = true
			roots = append(roots, lf)
		}
	}
	order := l.order(roots)
	if len(l.errs) == 0 {
		c := &checker{loader: l}
		c.check(order)
	}
	if len(l.errs) > 0 {
		sortErrors(l.errs)
		return nil, l.errs
	}
	prog := &Program{Warnings: dedupe(l.warns)}
	for _, lf := range order {
		prog.Files = append(prog.Files, lf.file)
	}
	for _, lf := range roots {
		prog.Roots = append(prog.Roots, lf.file)
	}
	return prog, nil
}

// displayPath is how a file appears in messages: relative to the working
// directory when it is below it, absolute otherwise.
func (l *loader) displayPath(abs string) string {
	if l.cwd != "" {
		if rel, err := filepath.Rel(l.cwd, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return rel
		}
	}
	return abs
}

// load reads and parses the file at abs and, recursively, its includes.
// stack is the chain of files being loaded (to name an include cycle) and
// from the include that led here (nil for a root).
func (l *loader) load(abs string, stack []*loadedFile, from *astInclude) *loadedFile {
	if lf, ok := l.files[abs]; ok {
		if lf.state == 1 {
			var names []string
			start := 0
			for i, s := range stack {
				if s == lf {
					start = i
				}
			}
			for _, s := range stack[start:] {
				names = append(names, s.file.Path)
			}
			names = append(names, lf.file.Path)
			l.errs = append(l.errs, &Error{from.pos, "include cycle: " + strings.Join(names, " -> ")})
			return nil
		}
		return lf
	}
	path := l.displayPath(abs)
	src, err := os.ReadFile(abs)
	if err != nil {
		pos := Pos{File: path}
		if from != nil {
			pos = from.pos
		}
		msg := err.Error()
		if pe, ok := err.(*os.PathError); ok {
			msg = fmt.Sprintf("cannot read %s: %v", path, pe.Err)
		}
		l.errs = append(l.errs, &Error{pos, msg})
		return nil
	}
	name := strings.TrimSuffix(filepath.Base(abs), ".thrift")
	lf := &loadedFile{file: &File{Path: path, AbsPath: abs, Name: name}, state: 1}
	l.files[abs] = lf
	ast, errs, warns := parseSourceSafe(path, string(src))
	l.errs = append(l.errs, errs...)
	l.warns = append(l.warns, warns...)
	if ast == nil {
		lf.state = 2
		return lf
	}
	lf.ast = ast
	lf.file.Doc = ast.doc
	lf.file.Namespaces = ast.namespaces
	stack = append(stack, lf)
	dir := filepath.Dir(abs)
	for _, inc := range ast.includes {
		target, searched := l.find(inc.path, dir)
		var incFile *loadedFile
		if target == "" {
			l.errs = append(l.errs, &Error{inc.pos, fmt.Sprintf("include %q not found (searched: %s)", inc.path, strings.Join(searched, ", "))})
		} else {
			incFile = l.load(target, stack, inc)
		}
		lf.incFiles = append(lf.incFiles, incFile)
		mi := &Include{Path: inc.path, Pos: inc.pos}
		if incFile != nil {
			mi.File = incFile.file
		}
		if mi.File != nil {
			for _, prev := range lf.file.Includes {
				// Definitions of an included file are named by its base
				// name ("shared.Point"), so two different files with one
				// name would hide one another.
				if prev.File != nil && prev.File != mi.File && prev.File.Name == mi.File.Name {
					l.errs = append(l.errs, &Error{inc.pos, fmt.Sprintf("include %q and include %q (at %s) are both named %q: their definitions would be ambiguous",
						inc.path, prev.Path, prev.Pos, mi.File.Name)})
				}
			}
		}
		lf.file.Includes = append(lf.file.Includes, mi)
	}
	lf.state = 2
	return lf
}

// parseSourceSafe is parseSource with a last line of defence: whatever
// goes wrong inside becomes an error at the file, never a panic.
func parseSourceSafe(path, src string) (f *astFile, errs, warns []*Error) {
	defer func() {
		if r := recover(); r != nil {
			f, errs, warns = nil, []*Error{{Pos{File: path}, fmt.Sprintf("internal error: %v", r)}}, nil
		}
	}()
	return parseSource(path, src)
}

// find locates an included file: an absolute path as is, else in the
// including file's directory, then in each include directory in order.
// It returns the absolute path, or "" and the directories searched.
func (l *loader) find(inc, dir string) (string, []string) {
	if filepath.IsAbs(inc) {
		if isFile(inc) {
			return filepath.Clean(inc), nil
		}
		return "", []string{filepath.Dir(inc)}
	}
	dirs := append([]string{dir}, l.opts.IncludeDirs...)
	var searched []string
	for _, d := range dirs {
		abs, err := filepath.Abs(filepath.Join(d, inc))
		if err == nil && isFile(abs) {
			return abs, nil
		}
		ad, _ := filepath.Abs(d)
		searched = append(searched, l.displayDir(ad))
	}
	return "", searched
}

func (l *loader) displayDir(abs string) string {
	p := l.displayPath(abs)
	if p == "" {
		return "."
	}
	return p
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// order lists every loaded file reachable from roots, includes before
// includers, ties broken by path: repeatedly take, among the files whose
// includes are all taken, the one with the smallest path.
func (l *loader) order(roots []*loadedFile) []*loadedFile {
	var all []*loadedFile
	seen := map[*loadedFile]bool{}
	var walk func(*loadedFile)
	walk = func(lf *loadedFile) {
		if lf == nil || seen[lf] {
			return
		}
		seen[lf] = true
		all = append(all, lf)
		for _, inc := range lf.incFiles {
			walk(inc)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].file.Path < all[j].file.Path })
	done := map[*loadedFile]bool{}
	var out []*loadedFile
	for len(out) < len(all) {
		progress := false
		for _, lf := range all {
			if done[lf] {
				continue
			}
			ready := true
			for _, inc := range lf.incFiles {
				if inc != nil && !done[inc] && inc != lf {
					ready = false
					break
				}
			}
			if ready {
				done[lf] = true
				out = append(out, lf)
				progress = true
				break
			}
		}
		if !progress { // a cycle, already reported: take the rest by path
			for _, lf := range all {
				if !done[lf] {
					done[lf] = true
					out = append(out, lf)
				}
			}
		}
	}
	return out
}

// sortErrors sorts by file, line, column, then message, so that the order
// never depends on the order of checking.
func sortErrors(l ErrorList) {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return l[i].Msg < l[j].Msg
	})
}

// dedupe sorts a list and drops repeats: a constant referred to twice is
// checked twice, and its warnings must show once.
func dedupe(l ErrorList) ErrorList {
	sortErrors(l)
	var out ErrorList
	for i, e := range l {
		if i > 0 && *e == *l[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}
