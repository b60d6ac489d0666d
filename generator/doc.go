// Package generator plans the Go output for a checked Thrift program and
// renders it.
//
// Planning decides, before any code is emitted: which Go package each
// .thrift file belongs to (its `namespace go`, else its file name), the
// package's import path (from the enclosing go.mod unless an import prefix
// is given), the output file, and the Go name of every definition, field
// and enum value, with collisions resolved one fixed way (append "_").
// Rendering then calls the emitters of package templates in a fixed order:
// enums, typedefs, constants, structs, services, each in source order.
// Nothing ranges over a map unsorted, so two runs give identical bytes.
package generator
