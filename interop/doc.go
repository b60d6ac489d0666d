// Package interop checks that the code thriftsec-gen generates speaks the
// Thrift binary protocol byte for byte as Apache Thrift 0.17's Go library
// does, and benchmarks the two side by side. Everything it tests lives in
// its _test.go files and in the packages `make gen` writes below gen/.
package interop
