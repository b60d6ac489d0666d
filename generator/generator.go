package generator

import (
	"bytes"
	"fmt"
	"go/format"
	"path"
	"strings"

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
	packages []*goPackage // in order of first appearance in Program.Files
	pkgOf    map[*parser.File]*goPackage
}

// Generate plans and renders Go code for every file of prog (included files
// too: the generated packages import each other). The output is a pure
// function of prog and opts.
func Generate(prog *parser.Program, opts Options) ([]OutputFile, error) {
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
		return nil, err
	}
	if noModule != nil {
		if inc := p.crossPackageInclude(prog); inc != nil {
			return nil, &parser.Error{Pos: inc.Pos, Msg: fmt.Sprintf("include %q puts its definitions in another Go package (%s), which needs the output's Go import path: %v", inc.Path, p.pkgOf[inc.File].dir, noModule)}
		}
	}
	var out []OutputFile
	for _, pkg := range p.packages {
		for i, f := range pkg.files {
			content, err := p.render(pkg, f, i == 0)
			if err != nil {
				return nil, err
			}
			out = append(out, OutputFile{Path: path.Join(pkg.dir, outputName(f)), Content: content})
		}
	}
	return out, nil
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
	p := &plan{names: templates.NewNames(), pkgOf: map[*parser.File]*goPackage{}}
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
	members := scope{"Encode": true, "Decode": true, "String": true}
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

// render builds one Go file.
func (p *plan) render(pkg *goPackage, f *parser.File, first bool) ([]byte, error) {
	jf := jen.NewFilePathName(pkg.importPath, pkg.name)
	jf.HeaderComment("Code generated by thriftsec-gen. DO NOT EDIT.")
	jf.HeaderComment("source: " + templates.SourceName(f))
	if first {
		sources := make([]string, len(pkg.files))
		for i, pf := range pkg.files {
			sources[i] = templates.SourceName(pf)
		}
		jf.PackageComment(templates.WrapComment(fmt.Sprintf("Package %s holds the Go types generated from %s.", pkg.name, strings.Join(sources, ", "))))
	}
	jf.ImportName(templates.RuntimePath, "runtime")
	// Name every generated package, so that an import needs an alias
	// only when two of them share a name.
	for _, other := range p.packages {
		if other != pkg {
			jf.ImportName(other.importPath, other.name)
		}
	}
	jf.Comment("Fails to compile when the runtime package is older than this generated code.")
	jf.Const().Id("_").Op("=").Qual(templates.RuntimePath, "SupportPackageIsVersion1")

	n := p.names
	for _, e := range f.Enums {
		jf.Add(n.Enum(e))
	}
	for _, t := range f.Typedefs {
		jf.Add(n.Typedef(t))
	}
	for _, c := range f.Constants {
		jf.Add(n.Const(c))
	}
	for _, s := range f.Structs {
		jf.Add(n.Struct(s))
	}
	for _, s := range f.Services {
		jf.Add(n.Service(s))
	}
	// jennifer would run go/format itself and, when that fails, put the
	// whole unformatted file into its error; format once here instead,
	// after grouping the imports, and never quote generated code in an
	// error.
	jf.NoFormat = true
	var buf bytes.Buffer
	if err := jf.Render(&buf); err != nil {
		return nil, fmt.Errorf("%s: rendering Go code: %v", f.Path, firstLine(err))
	}
	out, err := format.Source(groupImports(buf.Bytes()))
	if err != nil {
		return nil, fmt.Errorf("%s: generated Go code does not parse (a bug in thriftsec-gen; please report it with this IDL): %v", f.Path, firstLine(err))
	}
	return out, nil
}

// firstLine is the first line of err's message, so that an error never
// carries generated code along.
func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// groupImports splits jennifer's single import block into the standard
// library and the rest, separated by a blank line, as goimports writes it.
func groupImports(src []byte) []byte {
	start := bytes.Index(src, []byte("\nimport (\n"))
	if start < 0 {
		return src
	}
	start += len("\nimport (\n")
	end := bytes.Index(src[start:], []byte("\n)\n"))
	if end < 0 {
		return src
	}
	end += start
	var std, other [][]byte
	for _, line := range bytes.Split(src[start:end], []byte("\n")) {
		q := bytes.IndexByte(line, '"')
		if q < 0 {
			return src
		}
		first, _, _ := strings.Cut(strings.Trim(string(line[q:]), `"`), "/")
		if strings.Contains(first, ".") {
			other = append(other, line)
		} else {
			std = append(std, line)
		}
	}
	if len(std) == 0 || len(other) == 0 {
		return src
	}
	var b bytes.Buffer
	b.Grow(len(src) + 1)
	b.Write(src[:start])
	b.Write(bytes.Join(std, []byte("\n")))
	b.WriteString("\n\n")
	b.Write(bytes.Join(other, []byte("\n")))
	b.Write(src[end:])
	return b.Bytes()
}
