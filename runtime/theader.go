package runtime

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"io"
	"sort"
)

// The Header transport is Apache's THeaderTransport (with THeaderProtocol):
// every message travels in a header frame that names its protocol (binary
// or compact), the transforms applied to it (zlib) and string "info"
// headers, which is how per-call metadata such as tracing or credentials
// rides along. The layout, all big-endian:
//
//	i32 length | u16 0x0fff | u16 flags | i32 sequence id | u16 header words
//	header: varint protocol id, varint transform count, varint ids...,
//	        info blocks (varint type 1, varint count, count × (varint-length key, value)),
//	        zero padding to a multiple of 4
//	payload: the message in that protocol, after the transforms
//
// A server replies in the protocol, and with the transforms, of the
// request; a client writes Server.Protocol's choice (Binary or Compact).
// As Apache's header server does, a server on this transport also serves
// clients that send plain framed binary or compact messages, replying in
// kind.
//
// Everything is bounded: the frame by MaxMessageSize, the header by its
// own length, at most maxHeaderTransforms transforms and maxInfoHeaders
// info headers, and a zlib payload inflates to MaxMessageSize at most (a
// zip bomb is an error, not an allocation).
const (
	headerMagic         = 0x0fff
	headerProtoBinary   = 0
	headerProtoCompact  = 2
	headerTransformZlib = 1
	headerInfoKeyValue  = 1
	maxHeaderTransforms = 4
	maxInfoHeaders      = 1024
)

// headerWire is the Header transport's state on one connection.
type headerWire struct {
	compact *protoWire // lazily, for compact payloads

	// Of the last message read: its form, so that a reply matches it.
	plain      bool   // a plain framed message, not a header frame
	proto      uint64 // headerProtoBinary or headerProtoCompact
	seq        uint32
	flags      uint16
	zlib       bool
	recvd      map[string]string // its info headers
	send       map[string]string // info headers for the next message written
	writeProto uint64            // the protocol a client writes in
	// outer: the last message read came inside a second frame
	// (FramedHeader); writeOuter: a client writes its requests so.
	outer, writeOuter bool
}

// readHeaderMessage reads one header frame (or plain framed message) and
// leaves its binary form in w.dec.
func (w *wire) readHeaderMessage() error {
	h := w.hdr
	f, err := w.readFrame()
	if err != nil {
		return err
	}
	h.recvd, h.send, h.plain, h.zlib = nil, nil, false, false
	f, h.outer = unwrapHeaderFrame(f)
	if len(f) < 2 || binary.BigEndian.Uint16(f) != headerMagic {
		// Apache's fallback: a plain framed binary or compact message.
		h.plain = true
		switch {
		case len(f) >= 2 && f[0] == 0x80 && f[1] == 0x01:
			h.proto = headerProtoBinary
		case len(f) >= 2 && f[0] == compactProtocolID:
			h.proto = headerProtoCompact
		default:
			return protoErr(KindInvalidData, "frame is neither a header frame nor a binary or compact message", nil)
		}
		return w.headerPayload(f)
	}
	if len(f) < 10 {
		return protoErr(KindInvalidData, "header frame cut short", nil)
	}
	h.flags = binary.BigEndian.Uint16(f[2:])
	h.seq = binary.BigEndian.Uint32(f[4:])
	hlen := int(binary.BigEndian.Uint16(f[8:])) * 4
	rest := f[10:]
	if hlen > len(rest) {
		return protoErr(KindSizeLimit, "header of "+itoa(hlen)+" bytes is larger than its frame", nil)
	}
	hd := headerReader{b: rest[:hlen]}
	payload := rest[hlen:]
	h.proto = hd.varint()
	if h.proto != headerProtoBinary && h.proto != headerProtoCompact {
		return protoErr(KindNotImplemented, "header protocol id "+itoa(int(h.proto))+" is not binary (0) or compact (2)", nil)
	}
	n := hd.varint()
	if n > maxHeaderTransforms {
		return protoErr(KindSizeLimit, "more than "+itoa(maxHeaderTransforms)+" header transforms", nil)
	}
	for range n {
		switch id := hd.varint(); id {
		case headerTransformZlib:
			h.zlib = true
		default:
			return NewApplicationError(ExceptionInvalidTransform, "unknown header transform %d", id)
		}
	}
	for hd.err == nil && len(hd.b) > 0 {
		if hd.varint() != headerInfoKeyValue {
			break // padding, or an info type nobody uses: ignored, as Apache does
		}
		count := hd.varint()
		if count > maxInfoHeaders || (h.recvd != nil && len(h.recvd)+int(count) > maxInfoHeaders) {
			return protoErr(KindSizeLimit, "more than "+itoa(maxInfoHeaders)+" info headers", nil)
		}
		if h.recvd == nil {
			h.recvd = make(map[string]string, count)
		}
		for range count {
			k, v := hd.str(), hd.str()
			if hd.err != nil {
				break
			}
			h.recvd[k] = v
		}
	}
	if hd.err != nil {
		return hd.err
	}
	inflated := 0
	if h.zlib {
		if payload, err = w.inflate(payload); err != nil {
			return err
		}
		inflated = len(payload)
	}
	err = w.headerPayload(payload)
	// A server charges what was inflated to its memory budget, as it does
	// the binary form of a compact payload (see chargeTranscoded).
	w.transcoded += inflated
	return err
}

// headerPayload decodes a message payload of protocol h.proto.
func (w *wire) headerPayload(p []byte) error {
	h := w.hdr
	if h.proto == headerProtoBinary {
		w.dec.Reset(p)
		w.transcoded = 0
		return nil
	}
	pw := w.headerCompact()
	pw.src.Reset(p)
	return pw.toBinary(w)
}

func (w *wire) headerCompact() *protoWire {
	if w.hdr.compact == nil {
		w.hdr.compact = &protoWire{p: Compact, src: NewDecoder(nil, w.lim)}
	}
	return w.hdr.compact
}

// inflate undoes the zlib transform, refusing output past MaxMessageSize.
func (w *wire) inflate(p []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(p))
	if err != nil {
		return nil, protoErr(KindInvalidData, "zlib transform: "+err.Error(), nil)
	}
	defer zr.Close()
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, int64(w.lim.MaxMessageSize)+1))
	if err != nil {
		return nil, protoErr(KindInvalidData, "zlib transform: "+err.Error(), nil)
	}
	if n > int64(w.lim.MaxMessageSize) {
		return nil, protoErr(KindSizeLimit, "zlib payload inflates past the message size limit of "+itoa(w.lim.MaxMessageSize)+" bytes", nil)
	}
	return out.Bytes(), nil
}

// headerFrame wraps msg, a binary message, in the frame of the Header
// transport: the protocol, transforms and info headers of the last message
// read (a reply), or the client's choice.
func (w *wire) headerFrame(msg []byte, reply bool) ([]byte, error) {
	h := w.hdr
	proto := h.writeProto
	if reply {
		proto = h.proto
	}
	payload := msg
	if proto == headerProtoCompact {
		pw := w.headerCompact()
		out, err := transcodeFromBinary(Compact, pw.out[:0], msg, true)
		if err != nil {
			return nil, err
		}
		pw.out = out
		payload = out
	}
	return w.headerFrameOf(payload, reply)
}

// headerFrameOf wraps payload, a message already in the protocol the
// frame names (see headerFrame), in the frame of the Header transport.
func (w *wire) headerFrameOf(payload []byte, reply bool) ([]byte, error) {
	h := w.hdr
	proto, zl, plain, outer := h.writeProto, false, false, h.writeOuter
	if reply {
		proto, zl, plain, outer = h.proto, h.zlib, h.plain, h.outer
	}
	if zl {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write(payload)
		zw.Close()
		payload = b.Bytes()
	}
	var hd []byte
	if !plain {
		hd = binary.AppendUvarint(hd, proto)
		if zl {
			hd = binary.AppendUvarint(hd, 1)
			hd = binary.AppendUvarint(hd, headerTransformZlib)
		} else {
			hd = binary.AppendUvarint(hd, 0)
		}
		if len(h.send) > 0 {
			keys := make([]string, 0, len(h.send))
			for k := range h.send {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			hd = binary.AppendUvarint(hd, headerInfoKeyValue)
			hd = binary.AppendUvarint(hd, uint64(len(keys)))
			for _, k := range keys {
				hd = binary.AppendUvarint(hd, uint64(len(k)))
				hd = append(hd, k...)
				hd = binary.AppendUvarint(hd, uint64(len(h.send[k])))
				hd = append(hd, h.send[k]...)
			}
		}
		for len(hd)%4 != 0 {
			hd = append(hd, 0)
		}
		if len(hd)/4 > 0xffff {
			return nil, protoErr(KindSizeLimit, "info headers too large for a header frame", nil)
		}
	}
	size := len(payload)
	if !plain {
		size += 10 + len(hd)
	}
	if wire := outerSize(size, outer); wire > w.lim.MaxMessageSize {
		return nil, protoErr(KindSizeLimit, "header frame of "+itoa(wire)+" bytes exceeds the limit of "+itoa(w.lim.MaxMessageSize)+" bytes", nil)
	}
	out := appendOuterFrame(w.hdrOut[:0], size, outer)
	out = binary.BigEndian.AppendUint32(out, uint32(size))
	if !plain {
		out = binary.BigEndian.AppendUint16(out, headerMagic)
		out = binary.BigEndian.AppendUint16(out, h.flags)
		out = binary.BigEndian.AppendUint32(out, h.seq)
		out = binary.BigEndian.AppendUint16(out, uint16(len(hd)/4))
		out = append(out, hd...)
	}
	out = append(out, payload...)
	if cap(out) <= maxKeptWriteBuf {
		w.hdrOut = out
	} else {
		w.hdrOut = nil
	}
	return out, nil
}

// headerReader reads the varints and strings of a header, remembering the
// first error.
type headerReader struct {
	b   []byte
	err error
}

func (r *headerReader) varint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || n > 5 || v > 1<<31 {
		r.err = protoErr(KindInvalidData, "bad varint in header", nil)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *headerReader) str() string {
	n := r.varint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = protoErr(KindInvalidData, "header string runs past the header", nil)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// Info headers in a context: what a client sends with a call, what a
// handler received and sends back.

type headersKey struct{}

// callHeaders are a call's info headers on either side.
type callHeaders struct {
	send     map[string]string  // client: to send; server: to send back
	received map[string]string  // server: what the request carried
	sink     *map[string]string // client: where the reply's go
	client   bool               // set by WithHeaders, not by a server
}

// WithHeaders returns a context whose calls (over the Header transport)
// carry h as info headers. If received is not nil, the reply's info
// headers are stored there when the call returns.
func WithHeaders(ctx context.Context, h map[string]string, received *map[string]string) context.Context {
	return context.WithValue(ctx, headersKey{}, &callHeaders{send: h, sink: received, client: true})
}

// OutgoingHeaders returns what the nearest WithHeaders put in ctx: the
// info headers a call made with ctx sends and where its reply's headers
// go (nil, nil when there is none, and in a handler's context). It lets a
// client interceptor add a header, such as a trace context, without
// dropping the caller's: copy h, add to the copy, and call WithHeaders
// with the copy and received. h must not be modified.
func OutgoingHeaders(ctx context.Context) (h map[string]string, received *map[string]string) {
	if c, ok := ctx.Value(headersKey{}).(*callHeaders); ok && c.client {
		return c.send, c.sink
	}
	return nil, nil
}

// RequestHeaders returns the info headers the call being handled carried
// (nil when there were none, or on other transports). The map must not be
// modified.
func RequestHeaders(ctx context.Context) map[string]string {
	if h, ok := ctx.Value(headersKey{}).(*callHeaders); ok {
		return h.received
	}
	return nil
}

// SetResponseHeader adds an info header to the reply of the call being
// handled (Header transport only). Handlers call it before returning.
func SetResponseHeader(ctx context.Context, key, value string) {
	if h, ok := ctx.Value(headersKey{}).(*callHeaders); ok && h.sink == nil {
		if h.send == nil {
			h.send = map[string]string{}
		}
		h.send[key] = value
	}
}

func headersFrom(ctx context.Context) *callHeaders {
	h, _ := ctx.Value(headersKey{}).(*callHeaders)
	return h
}
