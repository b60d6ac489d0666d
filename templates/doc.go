// Package templates holds the shapes of the Go code thriftsec-gen emits.
//
// Each file builds one construct (enum, typedef, const, struct, codec,
// service) as jennifer code: small functions that take the checked parser
// model plus the names the generator planned for it, and return jen.Code.
// Every emitter carries a sketch of its output in its doc comment so that a
// reader can see what comes out without running the generator.
//
// The package never decides names or packages: that is the generator's job,
// handed over in a *Names. It never ranges over a map, so the output depends
// only on the order of the model, which the parser keeps in source order.
package templates
