module github.com/thriftsec/thriftsec/examples/thrifttest

go 1.26

require (
	github.com/prometheus/client_golang v1.23.2
	github.com/thriftsec/thriftsec v0.0.0
	github.com/thriftsec/thriftsec/contrib/etcd v0.0.0
	github.com/thriftsec/thriftsec/contrib/jwt v0.0.0
	github.com/thriftsec/thriftsec/contrib/metrics v0.0.0
	go.etcd.io/etcd/client/v3 v3.6.5
	go.uber.org/zap v1.27.0
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/coreos/go-semver v0.3.1 // indirect
	github.com/coreos/go-systemd/v22 v22.5.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/grpc-ecosystem/grpc-gateway/v2 v2.26.3 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_model v0.6.2 // indirect
	github.com/prometheus/common v0.66.1 // indirect
	github.com/prometheus/procfs v0.16.1 // indirect
	go.etcd.io/etcd/api/v3 v3.6.5 // indirect
	go.etcd.io/etcd/client/pkg/v3 v3.6.5 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	golang.org/x/net v0.43.0 // indirect
	golang.org/x/sys v0.35.0 // indirect
	golang.org/x/text v0.28.0 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20250303144028-a0af3efb3deb // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20250303144028-a0af3efb3deb // indirect
	google.golang.org/grpc v1.71.1 // indirect
	google.golang.org/protobuf v1.36.8 // indirect
)

// The runtime is always the checkout this directory sits in.
replace github.com/thriftsec/thriftsec => ../..

// So are the contrib modules (etcd registration, JWT verification, Prometheus metrics).
replace (
	github.com/thriftsec/thriftsec/contrib/etcd => ../../contrib/etcd
	github.com/thriftsec/thriftsec/contrib/jwt => ../../contrib/jwt
	github.com/thriftsec/thriftsec/contrib/metrics => ../../contrib/metrics
)
