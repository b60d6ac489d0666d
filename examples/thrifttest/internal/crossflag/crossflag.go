// Package crossflag parses the command line Apache Thrift's cross-language
// test runner (test/crossrunner) gives test servers and clients:
//
//	--port=N --protocol=binary|compact|json|header|multi|multic|multij --transport=buffered|framed|http|zlib
//	[--ssl] [--host=H] [--http=PATH] [--zlib] [--domain-socket=PATH]
//
// plus the options of this project (--keys=DIR and others). The runner, and
// the test descriptions of other languages, pass options a program may not
// know; Parse reports those on stderr and ignores them, except the ones
// that would change what goes on the wire (named pipes, abstract socket names),
// which are refused with exit status 2 so that a test never passes by
// speaking something other than what was asked.
package crossflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/thriftsec/thriftsec/runtime"
)

// unsupported are options of Apache's test programs that change the
// protocol or the socket: a program that ignored them would test the wrong
// thing.
var unsupported = map[string]string{
	"abstract-namespace": "abstract Unix socket names are not supported (use --domain-socket=PATH)",
	"pipe":               "named pipes are not supported",
	"named-pipe":         "named pipes are not supported",
	"anon-pipes":         "anonymous pipes are not supported",
}

// Common holds the options every cross-test program takes.
type Common struct {
	Host      string
	Port      int
	Protocol  string
	Transport string
	SSL       bool
	Keys      string
	Verbose   bool
	// HTTPPath is the URL path of --http=PATH (Apache's TestClient.py
	// option), which also chooses --transport=http.
	HTTPPath string
	// Zlib is --zlib (or --transport=zlib, as Apache's runner passes it).
	Zlib bool
	// DomainSocket is --domain-socket=PATH: a Unix socket instead of TCP.
	DomainSocket string
}

// Register defines the common options on fs with Apache's defaults
// (port 9090, binary, buffered); defaultHost is the host's default.
func (c *Common) Register(fs *flag.FlagSet, defaultHost string) {
	fs.StringVar(&c.Host, "host", defaultHost, "host to connect to or listen on")
	fs.IntVar(&c.Port, "port", 9090, "TCP port")
	fs.StringVar(&c.Protocol, "protocol", "binary", "protocol: binary, compact or json; multi, multic, multij: the same, multiplexed (ThriftTest and SecondService)")
	fs.StringVar(&c.Transport, "transport", "buffered", "transport: buffered, framed, http (with --ssl, https) or zlib (buffered with --zlib)")
	fs.StringVar(&c.HTTPPath, "http", "", "use the HTTP transport with this URL path (implies --transport=http)")
	fs.BoolVar(&c.SSL, "ssl", false, "use TLS")
	fs.StringVar(&c.Keys, "keys", "keys", "directory laid out like Apache's test/keys: server.crt, server.key, CA.pem, client.crt, client.key")
	fs.BoolVar(&c.Verbose, "verbose", false, "log more")
	fs.BoolVar(&c.Zlib, "zlib", false, "wrap the transport in Apache's zlib transport (TZlibTransport)")
	fs.StringVar(&c.DomainSocket, "domain-socket", "", "use the Unix domain socket PATH instead of TCP (with --ssl: TLS over it)")
}

// UseZlib reports whether the zlib transport was asked for: --zlib, or
// --transport=zlib, which is how Apache's runner names it (it passes
// both; Apache's Python then speaks zlib over a plain socket).
func (c *Common) UseZlib() bool { return c.Zlib || c.Transport == "zlib" }

// Address is the runtime address to listen on or dial for host: the Unix
// socket of --domain-socket, else host:--port.
func (c *Common) Address(host string) string {
	if c.DomainSocket != "" {
		return runtime.UnixScheme + c.DomainSocket
	}
	return net.JoinHostPort(host, strconv.Itoa(c.Port))
}

// Check validates the options that must have one of a few values.
func (c *Common) Check() error {
	if _, err := c.RuntimeProtocol(); err != nil {
		return err
	}
	if c.HTTPPath != "" {
		c.Transport = "http"
	}
	if !c.HTTP() {
		if _, err := c.RuntimeTransport(); err != nil {
			return err
		}
	} else if c.UseZlib() || c.DomainSocket != "" {
		return errors.New("--zlib and --domain-socket do not combine with the HTTP transport here")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("--port=%d is out of range", c.Port)
	}
	return nil
}

// RuntimeTransport maps --transport to the runtime's framing.
//
// --protocol=header (Apache's THeaderProtocol) is the runtime's Header
// transport carrying binary: over --transport=buffered (a plain socket),
// as Apache's Python and Go peers agree on. Over --transport=framed,
// Apache's Python wraps each header frame in a second frame and Apache's Go
// does not, so that combination is refused rather than guessed.
func (c *Common) RuntimeTransport() (runtime.Transport, error) {
	if c.Protocol == "header" {
		if c.Transport == "framed" {
			return 0, fmt.Errorf("--protocol=header --transport=framed is not supported: Apache's own libraries frame it differently (use --transport=buffered)")
		}
		return runtime.Header, nil
	}
	switch c.Transport {
	case "buffered", "", "zlib":
		return runtime.Buffered, nil
	case "framed":
		return runtime.Framed, nil
	}
	return 0, fmt.Errorf("--transport=%s is not supported: use buffered or framed", c.Transport)
}

// HTTP reports whether calls travel as HTTP POSTs (--transport=http or
// --http=PATH), served by runtime.HTTPHandler and sent by
// runtime.HTTPClient; the HTTP body delimits each message, so
// RuntimeTransport does not apply, except that --protocol=header (THeader
// frames as HTTP bodies, as Apache's Python peers speak it) is still the
// runtime's Header transport.
func (c *Common) HTTP() bool { return c.Transport == "http" || c.HTTPPath != "" }

// URLPath is the path of the HTTP transport's URL: --http's, or "/".
func (c *Common) URLPath() string {
	if strings.HasPrefix(c.HTTPPath, "/") {
		return c.HTTPPath
	}
	return "/" + c.HTTPPath
}

// RuntimeProtocol maps --protocol to the runtime's protocol.
func (c *Common) RuntimeProtocol() (runtime.Protocol, error) {
	if c.Protocol == "" {
		return runtime.Binary, nil
	}
	name := c.Protocol
	switch name {
	case "multi":
		name = "binary"
	case "multic":
		name = "compact"
	case "multij":
		name = "json"
	case "header":
		name = "binary" // inside the Header transport
	}
	p, err := runtime.ParseProtocol(name)
	if err != nil {
		return 0, fmt.Errorf("--protocol=%s is not supported: use binary, compact, json, header, multi, multic or multij", c.Protocol)
	}
	return p, nil
}

// Multiplexed reports whether --protocol names a multiplexed protocol
// (Apache's TMultiplexedProtocol over binary, compact or JSON).
func (c *Common) Multiplexed() bool {
	return c.Protocol == "multi" || c.Protocol == "multic" || c.Protocol == "multij"
}

// Key returns the path of a file in the keys directory.
func (c *Common) Key(name string) string { return filepath.Join(c.Keys, name) }

// Parse parses args (without the program name) into fs. Options fs does not
// define are reported on stderr and skipped, as are positional arguments
// (Apache's Python TestServer.py takes the server type as one); options in
// the unsupported list are an error. Values of unknown options must be
// attached with '=' to be skipped with them.
func Parse(fs *flag.FlagSet, args []string) error {
	return parse(fs, args, os.Stderr)
}

func parse(fs *flag.FlagSet, args []string, warn io.Writer) error {
	var kept []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			for _, p := range args[i+1:] {
				fmt.Fprintf(warn, "%s: ignoring argument %q\n", fs.Name(), p)
			}
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			fmt.Fprintf(warn, "%s: ignoring argument %q\n", fs.Name(), a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if why, ok := unsupported[name]; ok {
			return fmt.Errorf("%s (--%s)", why, name)
		}
		f := fs.Lookup(name)
		if f == nil {
			if name == "h" || name == "help" {
				kept = append(kept, a)
				continue
			}
			fmt.Fprintf(warn, "%s: ignoring unknown option %q\n", fs.Name(), a)
			continue
		}
		kept = append(kept, a)
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && bf.IsBoolFlag()) && i+1 < len(args) {
			i++
			kept = append(kept, args[i])
		}
	}
	err := fs.Parse(kept)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	return err
}
