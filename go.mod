module github.com/thriftsec/thriftsec

go 1.26

require (
	github.com/cloudwego/thriftgo v0.4.5
	github.com/dave/jennifer v1.7.1
	github.com/google/go-cmp v0.7.0
)

require (
	github.com/bytedance/gopkg v0.1.4 // indirect
	github.com/cloudwego/gopkg v0.2.0 // indirect
)
