// Package golden holds thriftsec-gen's golden cases and the tests that
// compare them with fresh output.
//
// Every directory below golden/ that holds .thrift files at its top is a
// case: those files are generated with -out set to the case directory (and
// -I set to its "inc" directory, when there is one), and the *.thrift.go
// files found there must equal the fresh output byte for byte. The checked-in
// output is a real package of this module, so `go build ./...` proves it
// compiles and the round-trip tests here run it. Cases under golden/errors/
// must fail instead: the command's exit status must be 1 and its standard
// error must equal the case's stderr.txt.
//
// `go test ./golden -update` rewrites the expected files.
package golden
