package runtime

import (
	"context"
	"testing"
)

// TestOutgoingHeaders: what WithHeaders put in a context is read back
// (headers and sink), and a handler's context, whose headers are the
// request's, gives nothing, so an interceptor never resends a request's
// headers as its own.
func TestOutgoingHeaders(t *testing.T) {
	if h, r := OutgoingHeaders(context.Background()); h != nil || r != nil {
		t.Fatalf("empty context gave %v, %v", h, r)
	}
	var sink map[string]string
	ctx := WithHeaders(context.Background(), map[string]string{"a": "1"}, &sink)
	h, r := OutgoingHeaders(ctx)
	if h["a"] != "1" || len(h) != 1 || r != &sink {
		t.Fatalf("got %v, %p; want the map and sink %p", h, r, &sink)
	}
	srv := context.WithValue(context.Background(), headersKey{}, &callHeaders{received: map[string]string{"b": "2"}})
	if h, r := OutgoingHeaders(srv); h != nil || r != nil {
		t.Fatalf("handler context gave %v, %v", h, r)
	}
}
