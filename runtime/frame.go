package runtime

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
)

// BeginFrame reserves the 4-byte header of a framed-transport frame at the
// end of the buffer. Encode the message, call EndFrame, and write e.Bytes()
// with a single Write: header and payload then leave in one system call (and
// one TLS record) without the copy that WriteFrame makes.
//
// Frames do not nest: a second BeginFrame before EndFrame replaces the first.
func (e *Encoder) BeginFrame() {
	e.frame = len(e.buf) + 1
	e.buf = append(e.buf, 0, 0, 0, 0)
}

// EndFrame fills in the header reserved by BeginFrame with the number of
// bytes written since. It panics if BeginFrame was not called, as that would
// silently send an unframed message to a framed peer.
func (e *Encoder) EndFrame() {
	if e.frame == 0 {
		panic("thriftsec/runtime: EndFrame without BeginFrame")
	}
	if e.tripped {
		// The size bound dropped the frame's bytes; Err reports it.
		e.frame = 0
		return
	}
	at := e.frame - 1
	binary.BigEndian.PutUint32(e.buf[at:], checkLen(len(e.buf)-at-4))
	e.frame = 0
}

// framePool holds the scratch buffers WriteFrame joins header and payload
// in, so that steady-state framing does not allocate.
var framePool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledFrame is the largest scratch buffer WriteFrame returns to its
// pool; larger ones are left to the garbage collector rather than kept.
const maxPooledFrame = 1 << 20

// WriteFrame writes payload to w as one frame of the framed transport: a
// 4-byte big-endian length, then payload. Header and payload go out in one
// Write call, which costs a copy into a pooled buffer; encoders that can,
// should use Encoder.BeginFrame and EndFrame instead.
func WriteFrame(w io.Writer, payload []byte) error {
	n := checkLen(len(payload))
	bp := framePool.Get().(*[]byte)
	b := binary.BigEndian.AppendUint32((*bp)[:0], n)
	b = append(b, payload...)
	_, err := w.Write(b)
	if cap(b) <= maxPooledFrame {
		*bp = b
		framePool.Put(bp)
	}
	return err
}

// frameChunk is how much ReadFrame lets its buffer grow ahead of the bytes
// that have arrived, so a declared size costs memory only once it is sent.
const frameChunk = 64 << 10

// ReadFrame reads one frame of the framed transport from r and returns its
// payload, reusing buf's capacity. A size that is negative or above maxSize
// (DefaultMaxMessageSize if maxSize <= 0) is refused before anything is
// read or allocated for it, and the buffer grows only as payload bytes
// arrive, so a peer that declares a large frame and stalls costs little.
//
// A clean end of r before the first header byte returns io.EOF, so a server
// can tell a peer's orderly close; an end inside the frame returns an error
// wrapping io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader, buf []byte, maxSize int) ([]byte, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxMessageSize
	}
	if cap(buf) < 4 {
		// The header is read into buf, so that no separate scratch array
		// escapes to the heap on every call.
		buf = make([]byte, 0, 512)
	}
	h := buf[:4]
	if _, err := io.ReadFull(r, h); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return buf[:0], protoErr(KindUnknown, "frame header cut short", io.ErrUnexpectedEOF)
		}
		return buf[:0], err
	}
	size := int(int32(binary.BigEndian.Uint32(h)))
	switch {
	case size < 0:
		return buf[:0], protoErr(KindNegativeSize, "frame size "+itoa(size)+" is negative", nil)
	case size > maxSize:
		return buf[:0], protoErr(KindSizeLimit, "frame of "+itoa(size)+" bytes exceeds the limit of "+itoa(maxSize), nil)
	}
	b := buf[:0]
	for len(b) < size {
		if len(b) == cap(b) {
			// Grow by doubling, but never more than frameChunk past the
			// bytes already received, and never past size.
			nc := min(max(2*cap(b), 512), len(b)+frameChunk, size)
			nb := make([]byte, len(b), nc)
			copy(nb, b)
			b = nb
		}
		end := min(cap(b), size)
		n, err := io.ReadFull(r, b[len(b):end])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return b[:0], protoErr(KindUnknown, "frame of "+itoa(size)+" bytes cut short after "+itoa(len(b)), io.ErrUnexpectedEOF)
			}
			return b[:0], err
		}
	}
	return b, nil
}
