module github.com/thriftsec/thriftsec/examples/thrifttest

go 1.26

require github.com/thriftsec/thriftsec v0.0.0

// The runtime is always the checkout this directory sits in.
replace github.com/thriftsec/thriftsec => ../..
