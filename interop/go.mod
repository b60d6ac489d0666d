module github.com/thriftsec/thriftsec/interop

go 1.26

require (
	github.com/apache/thrift v0.17.0
	github.com/google/go-cmp v0.7.0
	github.com/thriftsec/thriftsec v0.0.0
)

// The module under test is always the checkout this directory sits in.
replace github.com/thriftsec/thriftsec => ../
