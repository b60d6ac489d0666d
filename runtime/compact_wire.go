package runtime

// Compact on a connection without transcoding on the way out.
//
// A wire of protocol Compact (framed or buffered), or a Header wire whose
// message goes out as compact, used to encode every message in binary and
// transcode it (transcodeFromBinary) at the message boundary. When the body
// struct has generated EncodeCompact (every generated struct has), the
// message is now written in compact directly: header, then EncodeCompact,
// into the wire's encode buffer, under the same MaxMessageSize bound the
// binary Encoder has (see CompactEncoder.setMaxSize). Structs without it
// (hand-written ones) still go through binary and the transcoder.

// writesCompact reports whether the message encodeMessage writes next goes
// out in compact: the wire's protocol, or on a Header wire the protocol of
// the request a reply answers (or the client's choice).
func (w *wire) writesCompact(reply bool) bool {
	if w.hdr != nil {
		proto := w.hdr.writeProto
		if reply {
			proto = w.hdr.proto
		}
		return proto == headerProtoCompact
	}
	return w.pw != nil && w.pw.p == Compact
}

// encodeCompactMessage is encodeMessage for a compact wire and a struct
// with EncodeCompact. The bytes end up in w.enc's buffer (so that what a
// server charges to its memory budget, w.enc.Len(), is what it holds), and
// w.direct tells encoded where the message is.
func (w *wire) encodeCompactMessage(name string, typ MessageType, seq int32, s CompactStruct) error {
	reply := typ == MessageReply || typ == MessageException
	if reply {
		name = replyName(name) // see multiplex.go
	}
	framed := w.hdr == nil && w.transport == Framed
	ce := &w.cenc
	if cap(w.enc.buf) > maxKeptWriteBuf {
		w.enc.buf = nil
	}
	ce.buf = w.enc.buf[:0]
	w.enc.buf = nil
	ce.Reset()
	ce.setMaxSize(w.lim.MaxMessageSize + 4)
	if framed {
		ce.buf = append(ce.buf, 0, 0, 0, 0)
	}
	ce.buf = append(ce.buf, compactProtocolID, byte(typ&0x07)<<5|compactVersion)
	ce.buf = appendUvarint(ce.buf, uint64(uint32(seq)))
	ce.WriteString(name)
	err := s.EncodeCompact(ce)
	if err == nil {
		err = ce.err()
	}
	// The buffer goes back to w.enc either way, for the next message.
	out := ce.buf
	w.enc.buf, ce.buf = out, nil
	w.direct = err == nil
	if err != nil {
		return err
	}
	if framed {
		n := checkLen(len(out) - 4)
		out[0], out[1], out[2], out[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		out = out[4:]
	}
	if len(out) > w.lim.MaxMessageSize {
		w.direct = false
		return protoErr(KindSizeLimit, "encoded message of "+itoa(len(out))+" bytes exceeds the limit of "+itoa(w.lim.MaxMessageSize)+" bytes", nil)
	}
	if w.hdr != nil {
		if !reply {
			w.hdr.seq, w.hdr.flags = uint32(seq), 0
		}
		_, err := w.headerFrameOf(out, reply)
		return err
	}
	return nil
}
