package runtime

import (
	"bufio"
	"compress/flate"
	"errors"
	"io"
	"sync"
)

// The zlib transport is Apache's TZlibTransport: one zlib stream (RFC 1950)
// in each direction for the life of the connection, with a sync flush
// (Z_SYNC_FLUSH: an empty stored block, 00 00 ff ff) after every message,
// so that each message can be inflated as soon as it has arrived. Apache's
// Python and Go libraries both write it that way and never end the stream
// before closing the connection.
//
// Where it sits is Apache's too: TZlibTransport wraps whatever transport
// is under it. Over a plain socket (Buffered, and what Apache's cross-test
// calls --transport=zlib) the messages follow each other unframed inside
// the stream. Over Framed it is TZlibTransport(TFramedTransport(socket)),
// as Apache's Python client builds it for --transport=framed --zlib: each
// flush of the zlib stream goes out as one frame, and the messages inside
// the inflated stream are unframed. The Header transport's header frames
// travel inside the zlib stream (THeaderProtocol over TZlibTransport).
//
// Bounds: inflating happens only as the message decoder asks for bytes, and
// that decoder bounds each message by Limits.MaxMessageSize (the stream
// decoder's count for unframed messages, the frame length for header
// frames; over Framed each frame of compressed bytes is bounded too), so a
// zip bomb inflates at most one message's limit before it is refused; on a
// server the inflated bytes, not the compressed ones, are what
// MaxInflightBytes is charged for. Each connection keeps one inflater
// (about 45 KB: the 32 KB window the peer may refer back to, and 4 KB of
// compressed bytes read ahead). Deflate state is large (about 1 MB per
// compressor in Go), so the writing side keeps none between messages:
// every message is compressed by a compressor taken from a shared pool,
// then sync-flushed. That is a valid continuation of the stream: the sync
// flush leaves it at a byte-aligned block boundary, and a fresh compressor
// never refers back to bytes it did not write (the cost: no back
// references across messages).

// zlibLevel is the compression level of what thriftsec writes. Any level
// is wire compatible (Apache's test programs use 9). BestSpeed because a
// compressor is reset for every message (see above), and resetting the
// hash chains of the higher levels costs ~100 µs a message, where a
// 240-byte message takes ~7 µs in all at BestSpeed (BenchmarkZlibWrite,
// on the 2-core test machine).
const zlibLevel = flate.BestSpeed

// zlibHeader is the two-byte zlib header for deflate with a 32 KB window
// at the fastest level: CMF 0x78, FLG 0x01 (0x7801 is a multiple of 31,
// no preset dictionary).
var zlibHeader = [2]byte{0x78, 0x01}

// WithZlib makes the client speak Apache's zlib transport (TZlibTransport)
// over its transport; the server must set Server.Zlib.
func WithZlib() ClientOption {
	return func(o *clientOptions) { o.zlib = true }
}

// zlibLayer wraps a connection's reader and writer in the zlib transport
// for the transport t, and returns the transport the messages inside use:
// Framed becomes Buffered over frames of compressed bytes (see above).
func zlibLayer(t Transport, r io.Reader, w io.Writer, lim Limits) (Transport, io.Reader, io.Writer) {
	if t == Framed {
		lim = lim.withDefaults()
		r = &frameReader{r: r, max: lim.MaxMessageSize}
		w = frameWriter{w: w}
		t = Buffered
	}
	return t, &zlibReader{src: eofReader{r: r}}, &zlibWriter{w: w}
}

// zlibReader inflates the zlib stream a peer writes. The header is read
// on the first Read, so setting up a connection reads nothing.
type zlibReader struct {
	src eofReader
	br  *bufio.Reader // compressed bytes read ahead; nil until the first Read
	fr  io.ReadCloser
	err error
}

// eofReader remembers that its reader ended cleanly, so that the end of the
// connection between two messages is io.EOF, as for the other transports,
// and not the inflater's io.ErrUnexpectedEOF.
type eofReader struct {
	r   io.Reader
	eof bool
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.eof = true
	}
	return n, err
}

func (z *zlibReader) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	if z.fr == nil {
		// The inflater reads byte by byte: a small buffer of compressed
		// bytes in front saves a system call per byte.
		z.br = bufio.NewReaderSize(&z.src, readBufSize)
		var h [2]byte
		if _, err := io.ReadFull(z.br, h[:]); err != nil {
			if err == io.ErrUnexpectedEOF {
				err = protoErr(KindInvalidData, "zlib header cut short", io.ErrUnexpectedEOF)
			}
			z.err = err
			return 0, err
		}
		if err := checkZlibHeader(h); err != nil {
			z.err = err
			return 0, err
		}
		z.fr = flate.NewReader(z.br)
	}
	n, err := z.fr.Read(p)
	switch {
	case err == nil:
	case errors.Is(err, io.ErrUnexpectedEOF) && z.src.eof:
		// The connection ended; whether inside a message is for the
		// message decoder to tell.
		err = io.EOF
	case err == io.EOF:
		// The peer ended the zlib stream (Apache's Go TZlibTransport
		// does on Close): nothing more can follow.
	default:
		var ce flate.CorruptInputError
		if errors.As(err, &ce) {
			err = protoErr(KindInvalidData, "zlib stream: "+err.Error(), nil)
		}
	}
	if err != nil {
		z.err = err
	}
	return n, err
}

// checkZlibHeader accepts what RFC 1950 allows a stream without a preset
// dictionary to start with: deflate, a window of at most 32 KB, a valid
// check value.
func checkZlibHeader(h [2]byte) error {
	switch {
	case h[0]&0x0f != 8 || h[0]>>4 > 7:
		return protoErr(KindInvalidData, "not a zlib stream (header "+itoa(int(h[0]))+" "+itoa(int(h[1]))+")", nil)
	case (uint16(h[0])<<8|uint16(h[1]))%31 != 0:
		return protoErr(KindInvalidData, "zlib header check failed", nil)
	case h[1]&0x20 != 0:
		return protoErr(KindInvalidData, "zlib stream needs a preset dictionary", nil)
	}
	return nil
}

// zlibWriter compresses each Write (the wire writes one whole message per
// Write) and sync-flushes it, starting the stream with its header.
type zlibWriter struct {
	w       io.Writer
	started bool
	out     sinkBuf
}

// deflaters are compressors shared by every zlib connection (see above).
var deflaters sync.Pool

// sinkBuf collects what a pooled compressor writes.
type sinkBuf []byte

func (s *sinkBuf) Write(p []byte) (int, error) {
	*s = append(*s, p...)
	return len(p), nil
}

func (z *zlibWriter) Write(p []byte) (int, error) {
	z.out = z.out[:0]
	if !z.started {
		z.out = append(z.out, zlibHeader[:]...)
	}
	fw, _ := deflaters.Get().(*flate.Writer)
	if fw == nil {
		fw, _ = flate.NewWriter(&z.out, zlibLevel)
	} else {
		fw.Reset(&z.out)
	}
	fw.Write(p) // a sinkBuf never fails
	fw.Flush()
	fw.Reset(nil)
	deflaters.Put(fw)
	_, err := z.w.Write(z.out)
	if cap(z.out) > maxKeptWriteBuf {
		z.out = nil
	}
	if err != nil {
		return 0, err
	}
	z.started = true
	return len(p), nil
}

// frameReader reads the payloads of frames as one stream (what a zlib
// stream over the Framed transport arrives in), each frame bounded by max.
type frameReader struct {
	r    io.Reader
	max  int
	buf  []byte
	rest []byte
}

func (f *frameReader) Read(p []byte) (int, error) {
	for len(f.rest) == 0 {
		b, err := ReadFrame(f.r, f.buf, f.max)
		if cap(b) <= maxKeptStreamBuf {
			f.buf = b[:0]
		} else {
			f.buf = nil
		}
		if err != nil {
			return 0, err
		}
		f.rest = b
	}
	n := copy(p, f.rest)
	f.rest = f.rest[n:]
	return n, nil
}

// frameWriter sends each Write as one frame.
type frameWriter struct{ w io.Writer }

func (f frameWriter) Write(p []byte) (int, error) {
	if err := WriteFrame(f.w, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
