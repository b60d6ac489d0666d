package runtime

// Skip reads and discards one value of type t, recursively, without
// allocating: generated code calls it for fields it does not know (or that
// arrive with an unexpected type), which keeps old code compatible with
// newer peers.
//
// It enforces the same limits as the Read methods: nesting beyond MaxDepth
// gives ErrDepthLimit, and every container count is checked against the bytes
// left in the message, so a hostile count cannot make it loop without
// consuming input. A type id the protocol does not define (including stop
// and void) gives ErrInvalidData.
func (d *Decoder) Skip(t Type) error {
	switch t {
	case TypeBool, TypeI8, TypeI16, TypeI32, TypeI64, TypeDouble, TypeUUID:
		return d.skipBytes(int(fixedSizes[t]), t.String())
	case TypeString:
		n, err := d.ReadI32()
		if err != nil {
			return err
		}
		if err := d.checkLen("string", int(n), d.lim.MaxStringLength); err != nil {
			return err
		}
		return d.skipBytes(int(n), "string")
	case TypeStruct:
		if err := d.ReadStructBegin(); err != nil {
			return err
		}
		for {
			ft, _, err := d.ReadFieldBegin()
			if err != nil {
				return err
			}
			if ft == TypeStop {
				break
			}
			if err := d.Skip(ft); err != nil {
				return err
			}
		}
		d.ReadStructEnd()
		return nil
	case TypeList, TypeSet:
		elem, n, err := d.readSeqBegin(t.String())
		if err != nil {
			return err
		}
		if err := d.skipElems(elem, TypeStop, n); err != nil {
			return err
		}
		d.depth--
		return nil
	case TypeMap:
		k, v, n, err := d.ReadMapBegin()
		if err != nil {
			return err
		}
		if err := d.skipElems(k, v, n); err != nil {
			return err
		}
		d.depth--
		return nil
	}
	return protoErr(KindInvalidData, "cannot skip a value of type "+t.String()+" at offset "+itoa(d.offset()), nil)
}

// skipElems skips n elements of type k, or n pairs k, v when v is not
// TypeStop. Containers of fixed-size types are stepped over in one move;
// the count was already checked against the message budget.
func (d *Decoder) skipElems(k, v Type, n int) error {
	if n == 0 {
		return nil
	}
	ks, vs := int(fixedSizes[k]), int(fixedSizes[v])
	if ks != 0 && (v == TypeStop || vs != 0) {
		return d.skipBytes(n*(ks+vs), "container")
	}
	for range n {
		if err := d.Skip(k); err != nil {
			return err
		}
		if v != TypeStop {
			if err := d.Skip(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// skipBytes discards n bytes. In stream mode they are read through the
// buffer without growing it, so skipping a large value costs no memory.
func (d *Decoder) skipBytes(n int, what string) error {
	if n <= len(d.buf)-d.pos {
		d.pos += n
		return nil
	}
	if d.r == nil || d.pos+n > d.end {
		return d.need(n, what) // reports truncation or the size limit
	}
	for {
		avail := len(d.buf) - d.pos
		if n <= avail {
			d.pos += n
			return nil
		}
		d.pos += avail
		n -= avail
		if err := d.need(1, what); err != nil {
			return err
		}
	}
}
