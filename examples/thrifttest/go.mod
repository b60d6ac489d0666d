module github.com/thriftsec/thriftsec/examples/thrifttest

go 1.26

require (
	github.com/thriftsec/thriftsec v0.0.0
	github.com/thriftsec/thriftsec/contrib/jwt v0.0.0
)

require github.com/go-jose/go-jose/v4 v4.1.9 // indirect

// The runtime and contrib/jwt are always the checkout this directory sits in.
replace (
	github.com/thriftsec/thriftsec => ../..
	github.com/thriftsec/thriftsec/contrib/jwt => ../../contrib/jwt
)
