package generator

import (
	"bytes"
	"fmt"
	"path"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
	"github.com/thriftsec/thriftsec/templates"
)

// Options configure Generate.
type Options struct {
	// OutDir is the directory the Go packages are written below. Generate
	// only reads it to find the enclosing go.mod.
	OutDir string
	// ImportPrefix is the Go import path of OutDir. Empty means: derive it
	// from the nearest go.mod at or above OutDir.
	ImportPrefix string
}

// OutputFile is one generated Go file.
type OutputFile struct {
	Path    string // relative to OutDir, slash-separated: "shared/shared.thrift.go"
	Content []byte // gofmt'd
}

// goPackage is one Go package of the output: every .thrift file with the
// same Go namespace lands in it.
type goPackage struct {
	dir        string // relative to OutDir, slash-separated
	name       string
	importPath string
	files      []*parser.File
	scope      scope // package-level identifiers already taken
}

// plan is everything decided before emitting.
type plan struct {
	names    *templates.Names
	shapes   *shapeCache  // gofmt's output per declaration shape, see shapecache.go
	packages []*goPackage // in order of first appearance in Program.Files
	// compactCopies counts the structs whose compact methods were copied
	// from the binary ones (for tests).
	compactCopies atomic.Int64
	pkgOf         map[*parser.File]*goPackage
}

// Generate plans and renders Go code for every file of prog (included files
// too: the generated packages import each other). The output is a pure
// function of prog and opts.
func Generate(prog *parser.Program, opts Options) ([]OutputFile, error) {
	var out []OutputFile
	err := GenerateEach(prog, opts, func(path string, parts [][]byte) error {
		out = append(out, OutputFile{Path: path, Content: bytes.Join(parts, nil)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GenerateEach is Generate handing each file, in Generate's order, to
// write as the pieces it is made of (their concatenation is the file's
// Content), so that a big file is never copied into one slice: the
// command writes them straight to disk, and a file's pieces are let go
// once write returns. write is called only once every file has been
// generated without error; write's error ends GenerateEach with it.
func GenerateEach(prog *parser.Program, opts Options, write func(path string, parts [][]byte) error) error {
	prefix := opts.ImportPrefix
	var noModule error
	if prefix == "" {
		var err error
		if prefix, err = importPathOf(opts.OutDir); err != nil {
			// Without a module the output's import path is unknown;
			// that matters only when one generated package imports
			// another (checked once the packages are planned).
			noModule, prefix = err, "thriftsec.invalid"
		}
	}
	p, err := newPlan(prog, strings.TrimSuffix(prefix, "/"))
	if err != nil {
		return err
	}
	if noModule != nil {
		if inc := p.crossPackageInclude(prog); inc != nil {
			return &parser.Error{Pos: inc.Pos, Msg: fmt.Sprintf("include %q puts its definitions in another Go package (%s), which needs the output's Go import path: %v", inc.Path, p.pkgOf[inc.File].dir, noModule)}
		}
	}
	// Plan every file's definitions, then render and format all chunks
	// of all files on every core, then assemble the files in order.
	var jobs []*fileJob
	type task struct {
		job   *fileJob
		chunk int
		names map[string]importLine
	}
	var tasks []task
	for _, pkg := range p.packages {
		names := p.importNames(pkg)
		for i, f := range pkg.files {
			job := p.newFileJob(pkg, f, i == 0)
			jobs = append(jobs, job)
			for c := range job.chunks {
				tasks = append(tasks, task{job, c, names})
			}
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(goruntime.GOMAXPROCS(0), len(tasks)) {
		wg.Go(func() {
			var sc scratch
			for {
				i := int(next.Add(1)) - 1
				if i >= len(tasks) {
					return
				}
				t := tasks[i]
				p.renderChunk(&sc, t.job, t.chunk, t.names)
			}
		})
	}
	wg.Wait()
	if testHookPlan != nil {
		testHookPlan(p)
	}
	for _, job := range jobs {
		for _, err := range job.errs {
			if err != nil {
				return err
			}
		}
	}
	for _, job := range jobs {
		if err := write(path.Join(job.pkg.dir, outputName(job.file)), job.assemble()); err != nil {
			return err
		}
	}
	return nil
}

// outputName is the Go file generated for a .thrift file: its name plus
// ".thrift.go", which no Go build-constraint suffix or "_test" can end in.
func outputName(f *parser.File) string {
	return strings.TrimLeft(f.Name, "_.") + ".thrift.go"
}

// packageDir maps a file to its package directory and name: `namespace go
// a.b.c` gives a/b/c and package c; without one the file name gives both.
func packageDir(f *parser.File) (dir, name string) {
	ns := f.Namespace("go")
	if ns == "" {
		name = PackageName(f.Name)
		return name, name
	}
	parts := strings.FieldsFunc(ns, func(r rune) bool { return r == '.' || r == '/' })
	for i, part := range parts {
		parts[i] = PackageName(part)
	}
	if len(parts) == 0 {
		name = PackageName(f.Name)
		return name, name
	}
	return strings.Join(parts, "/"), parts[len(parts)-1]
}

func newPlan(prog *parser.Program, prefix string) (*plan, error) {
	p := &plan{names: templates.NewNames(), shapes: newShapeCache(), pkgOf: map[*parser.File]*goPackage{}}
	p.names.CompactFromBinary = !noCompactFromBinary
	byDir := map[string]*goPackage{}
	outputs := map[string]*parser.File{}
	for _, f := range prog.Files {
		dir, name := packageDir(f)
		pkg := byDir[dir]
		if pkg == nil {
			pkg = &goPackage{dir: dir, name: name, importPath: prefix + "/" + dir, scope: scope{}}
			byDir[dir] = pkg
			p.packages = append(p.packages, pkg)
		}
		out := path.Join(dir, outputName(f))
		if prev := outputs[out]; prev != nil {
			return nil, &parser.Error{Pos: parser.Pos{File: f.Path}, Msg: fmt.Sprintf("%s and %s would both generate %s: give them different file names or Go namespaces", prev.Path, f.Path, out)}
		}
		outputs[out] = f
		pkg.files = append(pkg.files, f)
		p.pkgOf[f] = pkg
	}
	if err := p.checkImportCycles(prog); err != nil {
		return nil, err
	}
	for _, f := range prog.Files {
		p.nameFile(f)
	}
	return p, nil
}

// crossPackageInclude is the first include, in file order, whose file is
// generated into another Go package than the including file, or nil.
func (p *plan) crossPackageInclude(prog *parser.Program) *parser.Include {
	for _, f := range prog.Files {
		for _, inc := range f.Includes {
			if p.pkgOf[inc.File] != p.pkgOf[f] {
				return inc
			}
		}
	}
	return nil
}

// checkImportCycles refuses includes that would make Go packages import each
// other: Thrift allows a.thrift and b.thrift in different namespaces to form
// a cycle through a third file's namespace, Go does not.
func (p *plan) checkImportCycles(prog *parser.Program) error {
	edges := map[*goPackage][]*parser.Include{}
	for _, f := range prog.Files {
		from := p.pkgOf[f]
		for _, inc := range f.Includes {
			if p.pkgOf[inc.File] != from {
				edges[from] = append(edges[from], inc)
			}
		}
	}
	const (
		unvisited = iota
		active
		done
	)
	state := map[*goPackage]int{}
	var visit func(pkg *goPackage) error
	visit = func(pkg *goPackage) error {
		state[pkg] = active
		for _, inc := range edges[pkg] {
			to := p.pkgOf[inc.File]
			switch state[to] {
			case active:
				return &parser.Error{Pos: inc.Pos, Msg: fmt.Sprintf("include %q makes Go package %q import itself through %q: Go forbids import cycles", inc.Path, pkg.importPath, to.importPath)}
			case unvisited:
				if err := visit(to); err != nil {
					return err
				}
			}
		}
		state[pkg] = done
		return nil
	}
	for _, pkg := range p.packages {
		if state[pkg] == unvisited {
			if err := visit(pkg); err != nil {
				return err
			}
		}
	}
	return nil
}

// nameFile plans the Go names of one file's definitions, in the order the
// file is rendered.
func (p *plan) nameFile(f *parser.File) {
	pkg := p.pkgOf[f]
	id := func(name string) templates.Ident {
		return templates.Ident{ImportPath: pkg.importPath, Name: pkg.scope.claim(name)}
	}
	for _, e := range f.Enums {
		eid := id(GoName(e.Name))
		p.names.SetIdent(e, eid)
		pkg.scope.claim(eid.Name + "FromString")
		for _, v := range e.Values {
			p.names.SetIdent(v, id(eid.Name+"_"+v.Name))
		}
	}
	for _, t := range f.Typedefs {
		p.names.SetIdent(t, id(GoName(t.Name)))
	}
	for _, c := range f.Constants {
		p.names.SetIdent(c, id(GoName(c.Name)))
	}
	for _, s := range f.Structs {
		sid := id(GoName(s.Name))
		p.names.SetIdent(s, sid)
		p.names.SetConstructor(s, id("New"+sid.Name))
		p.nameFields(s)
	}
	for _, s := range f.Services {
		p.nameService(s)
	}
}

// nameService plans a service's names after those of the services it
// extends (Go embeds the parent's interface and client, so a method name
// must be unique across the whole chain).
func (p *plan) nameService(s *parser.Service) *templates.ServiceNames {
	if sn := p.names.ServiceNames(s); sn != nil {
		return sn
	}
	methods := scope{}
	if s.Extends != nil {
		parent := p.nameService(s.Extends)
		for _, m := range parent.Methods {
			methods[m.Method] = true
		}
		for anc := s.Extends.Extends; anc != nil; anc = anc.Extends {
			for _, m := range p.names.ServiceNames(anc).Methods {
				methods[m.Method] = true
			}
		}
	}
	pkg := p.pkgOf[s.File]
	id := func(name string) templates.Ident {
		return templates.Ident{ImportPath: pkg.importPath, Name: pkg.scope.claim(name)}
	}
	base := GoName(s.Name)
	sn := &templates.ServiceNames{
		Interface: id(base),
		Client:    id(base + "Client"),
		NewClient: id("New" + base + "Client"),
		Processor: id("New" + base + "Processor"),
		Register:  id("Register" + base + "Methods"),
		Methods:   map[*parser.Function]*templates.MethodNames{},
	}
	for _, f := range s.Functions {
		m := &templates.MethodNames{Method: methods.claim(GoName(f.Name))}
		m.Args = &parser.Struct{Name: f.Name + "_args", Kind: parser.StructKindStruct, Fields: f.Args, File: s.File, Pos: f.Pos}
		p.nameWireStruct(m.Args, id(argsResultName(s.Name, f.Name+"_args")), id,
			fmt.Sprintf("holds the arguments of %s.%s on the wire.", s.Name, f.Name))
		if !f.Oneway {
			var fields []*parser.Field
			if f.Result != nil {
				fields = append(fields, &parser.Field{ID: 0, ExplicitID: true, Name: "success", Type: f.Result,
					Requiredness: parser.RequirednessOptional, Pos: f.Pos})
			}
			// Every member of a result is optional: exactly one of them
			// (the success value or one exception) travels back.
			for _, ex := range f.Throws {
				opt := *ex
				opt.Requiredness = parser.RequirednessOptional
				fields = append(fields, &opt)
			}
			m.Result = &parser.Struct{Name: f.Name + "_result", Kind: parser.StructKindStruct,
				Fields: fields, File: s.File, Pos: f.Pos}
			p.nameWireStruct(m.Result, id(argsResultName(s.Name, f.Name+"_result")), id,
				fmt.Sprintf("holds the reply of %s.%s on the wire: its result or a declared exception.", s.Name, f.Name))
		}
		sn.Methods[f] = m
	}
	p.names.SetService(s, sn)
	return sn
}

// nameWireStruct plans a struct the generator makes up for a function.
func (p *plan) nameWireStruct(s *parser.Struct, sid templates.Ident, id func(string) templates.Ident, doc string) {
	p.names.SetIdent(s, sid)
	p.names.SetConstructor(s, id("New"+sid.Name))
	p.names.SetDoc(s, sid.Name+" "+doc)
	p.nameFields(s)
}

// nameFields plans field and accessor names. The struct's own methods are
// claimed first; then each field, in source order, takes its GoName
// unless it or its accessors are taken, in which case "_" is appended.
func (p *plan) nameFields(s *parser.Struct) {
	members := scope{"Encode": true, "Decode": true, "EncodeCompact": true, "DecodeCompact": true, "String": true}
	if s.Kind == parser.StructKindException {
		members["Error"] = true
	}
	params := scope{}
	for _, f := range s.Fields {
		name := GoName(f.Name)
		for members[name] || members["Get"+name] || members["IsSet"+name] {
			name += "_"
		}
		fn := templates.FieldNames{
			Name:   members.claim(name),
			Getter: members.claim("Get" + name),
			IsSet:  members.claim("IsSet" + name),
			Param:  params.claim(ParamName(f.Name)),
		}
		p.names.SetField(f, fn)
	}
}

// chunkSize is how many top-level definitions are rendered and formatted
// together. Formatting small pieces keeps the syntax trees small (memory,
// garbage collection) and lets the pieces run on every core.
const chunkSize = 8

// fileJob is one output file being rendered: its definitions in emission
// order, split into chunks that are rendered independently.
type fileJob struct {
	pkg    *goPackage
	file   *parser.File
	first  bool
	chunks [][]definition // run by the worker that renders the chunk
	// results, one per chunk
	bodies  [][]byte
	imports [][]importLine
	errs    []error
}

// importLine is one import of a rendered chunk.
type importLine struct{ alias, path string }

// definition is one top-level definition to render: its emitter, and the
// structs whose compact methods it leaves for templates' DeriveCompact.
type definition struct {
	emit     func() jen.Code
	deferred []*parser.Struct
}

// newFileJob plans the definitions of one output file, in the order the
// emitters run: the runtime version check, enums, typedefs, constants,
// structs, services.
func (p *plan) newFileJob(pkg *goPackage, f *parser.File, first bool) *fileJob {
	n := p.names
	var decls []definition
	decls = append(decls, definition{emit: func() jen.Code {
		return jen.Comment("Fails to compile when the runtime package is older than this generated code.").Line().
			Const().Id("_").Op("=").Qual(templates.RuntimePath, "SupportPackageIsVersion1")
	}})
	for _, e := range f.Enums {
		decls = append(decls, definition{emit: func() jen.Code { return n.Enum(e) }})
	}
	for _, t := range f.Typedefs {
		decls = append(decls, definition{emit: func() jen.Code { return n.Typedef(t) }})
	}
	for _, c := range f.Constants {
		decls = append(decls, definition{emit: func() jen.Code { return n.Const(c) }})
	}
	for _, s := range f.Structs {
		decls = append(decls, definition{emit: func() jen.Code { return n.Struct(s) }, deferred: n.CompactDeferred(s)})
	}
	for _, s := range f.Services {
		decls = append(decls, definition{emit: func() jen.Code { return n.Service(s) }, deferred: n.CompactDeferred(s)})
	}
	job := &fileJob{pkg: pkg, file: f, first: first}
	for len(decls) > 0 {
		k := min(chunkSize, len(decls))
		job.chunks = append(job.chunks, decls[:k])
		decls = decls[k:]
	}
	job.bodies = make([][]byte, len(job.chunks))
	job.imports = make([][]importLine, len(job.chunks))
	job.errs = make([]error, len(job.chunks))
	return job
}

// importNames pins the name of every package a file may import, so that
// every chunk of the file names them alike: a generated package keeps its
// own name unless an earlier one (in plan order), the file's own package
// or a package generated code uses took it; then it gets the first free
// name+N as an alias.
func (p *plan) importNames(pkg *goPackage) map[string]importLine {
	taken := map[string]bool{pkg.name: true}
	for _, std := range []string{"context", "errors", "fmt", "strconv", "runtime"} {
		taken[std] = true
	}
	names := map[string]importLine{}
	for _, other := range p.packages {
		if other == pkg {
			continue
		}
		name, alias := other.name, ""
		for i := 1; taken[name]; i++ {
			name = fmt.Sprintf("%s%d", other.name, i)
			alias = name
		}
		taken[name] = true
		names[other.importPath] = importLine{alias: alias, path: other.importPath}
	}
	return names
}

// renderChunk renders and formats one chunk: the declarations, formatted
// as gofmt would inside the file, and the imports they use.
func (p *plan) renderChunk(sc *scratch, job *fileJob, i int, names map[string]importLine) {
	pkg := job.pkg
	jf := jen.NewFilePathName(pkg.importPath, pkg.name)
	// jennifer would run go/format itself and, when that fails, put the
	// whole unformatted file into its error: format here instead, and
	// never quote generated code in an error.
	jf.NoFormat = true
	jf.ImportName(templates.RuntimePath, "runtime")
	for path, l := range names {
		if l.alias != "" {
			jf.ImportAlias(path, l.alias)
		} else {
			jf.ImportName(path, path[strings.LastIndexByte(path, '/')+1:])
		}
	}
	var deferred []*parser.Struct
	for _, d := range job.chunks[i] {
		jf.Add(d.emit())
		deferred = append(deferred, d.deferred...)
	}
	buf := &sc.raw
	buf.Reset()
	if err := jf.Render(buf); err != nil {
		job.errs[i] = fmt.Errorf("%s: rendering Go code: %v", job.file.Path, firstLine(err))
		return
	}
	src := buf.Bytes()
	// src is "package x\n\n", then the imports, then the declarations.
	clause := "package " + pkg.name + "\n\n"
	rest := bytes.TrimPrefix(src, []byte(clause))
	var imports []importLine
	if bytes.HasPrefix(rest, []byte("import (\n")) {
		end := bytes.Index(rest, []byte("\n)\n"))
		for _, line := range strings.Split(string(rest[len("import (\n"):end]), "\n") {
			imports = append(imports, parseImport(line))
		}
		rest = rest[end+len("\n)\n"):]
	} else if bytes.HasPrefix(rest, []byte("import ")) {
		end := bytes.IndexByte(rest, '\n')
		imports = append(imports, parseImport(string(rest[len("import "):end])))
		rest = rest[end+1:]
	}
	var out []byte
	var err error
	if noShapeCache {
		out, err = formatWhole(rest)
	} else {
		out, err = p.shapes.formatDecls(sc, rest)
	}
	if err != nil {
		job.errs[i] = fmt.Errorf("%s: generated Go code does not parse (a bug in thriftsec-gen; please report it with this IDL): %v", job.file.Path, firstLine(err))
		return
	}
	if len(deferred) > 0 {
		if out, err = p.names.DeriveCompact(out, deferred); err != nil {
			job.errs[i] = fmt.Errorf("%s: copying the compact methods (a bug in thriftsec-gen; please report it with this IDL): %v", job.file.Path, err)
			return
		}
		p.compactCopies.Add(int64(len(deferred)))
	}
	job.bodies[i] = out
	job.imports[i] = imports
}

// parseImport reads `"path"` or `alias "path"`.
func parseImport(line string) importLine {
	line = strings.TrimSpace(line)
	q := strings.IndexByte(line, '"')
	return importLine{alias: strings.TrimSpace(line[:q]), path: strings.Trim(line[q:], `"`)}
}

// assemble puts a file's formatted chunks, each after a blank line, under
// one header, package clause and import block (standard library first,
// then the rest, each sorted, as goimports writes them), and returns the
// pieces; the job lets go of them.
func (job *fileJob) assemble() [][]byte {
	pkg := job.pkg
	var b bytes.Buffer
	b.WriteString("// Code generated by thriftsec-gen. DO NOT EDIT.\n")
	b.WriteString("// source: " + templates.SourceName(job.file) + "\n\n")
	if job.first {
		sources := make([]string, len(pkg.files))
		for i, pf := range pkg.files {
			sources[i] = templates.SourceName(pf)
		}
		for _, l := range wrapped(fmt.Sprintf("Package %s holds the Go types generated from %s.", pkg.name, strings.Join(sources, ", "))) {
			b.WriteString("// " + l + "\n")
		}
	}
	b.WriteString("package " + pkg.name + "\n\n")
	seen := map[string]importLine{}
	for _, imps := range job.imports {
		for _, l := range imps {
			seen[l.path] = l
		}
	}
	var std, other []string
	for path, l := range seen {
		line := strconv.Quote(path)
		if l.alias != "" {
			line = l.alias + " " + line
		}
		first, _, _ := strings.Cut(path, "/")
		if strings.Contains(first, ".") {
			other = append(other, path+"\x00"+line)
		} else {
			std = append(std, path+"\x00"+line)
		}
	}
	sort.Strings(std)
	sort.Strings(other)
	strip := func(xs []string) []string {
		for i, x := range xs {
			_, xs[i], _ = strings.Cut(x, "\x00")
		}
		return xs
	}
	std, other = strip(std), strip(other)
	switch all := len(std) + len(other); {
	case all == 1:
		b.WriteString("import " + append(std, other...)[0] + "\n\n")
	case all > 1:
		b.WriteString("import (\n")
		for _, l := range std {
			b.WriteString("\t" + l + "\n")
		}
		if len(std) > 0 && len(other) > 0 {
			b.WriteString("\n")
		}
		for _, l := range other {
			b.WriteString("\t" + l + "\n")
		}
		b.WriteString(")\n\n")
	}
	// The header ends in a blank line already; the chunks are separated
	// by one.
	parts := make([][]byte, 0, 2*len(job.bodies))
	parts = append(parts, b.Bytes())
	for i, body := range job.bodies {
		if i > 0 {
			parts = append(parts, blankLine)
		}
		parts = append(parts, body)
	}
	job.bodies = nil
	return parts
}

var blankLine = []byte("\n")

// wrapped splits a generated sentence into comment lines.
func wrapped(text string) []string {
	return strings.Split(strings.TrimPrefix(templates.WrapComment(text), "// "), "\n// ")
}

// firstLine is the first line of err's message, so that an error never
// carries generated code along.
func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}
