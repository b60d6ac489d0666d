module github.com/thriftsec/thriftsec/contrib/jwt

go 1.26

require github.com/thriftsec/thriftsec v0.0.0

require github.com/go-jose/go-jose/v4 v4.1.9

// The runtime is always the checkout this directory sits in.
replace github.com/thriftsec/thriftsec => ../..
