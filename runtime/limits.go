package runtime

// Limits bounds what a Decoder accepts from its input. A zero (or negative)
// field means "use the default"; DefaultLimits shows them.
//
// MaxMessageSize is the budget everything else is checked against: before a
// Decoder allocates for a string, binary or container it verifies that the
// declared length fits in the bytes the message can still hold, so the
// memory one message can make a Decoder allocate is bounded by a small
// multiple of MaxMessageSize whatever the other limits say.
type Limits struct {
	// MaxMessageSize is the most bytes one message may take, counted from
	// its first byte (from ReadMessageBegin, or from NewDecoder, Reset or
	// ResetStream for a bare struct). Default 16 MiB.
	MaxMessageSize int
	// MaxStringLength is the most bytes in one string or binary.
	// Default 16 MiB, so in practice MaxMessageSize bounds it.
	MaxStringLength int
	// MaxContainerLength is the most elements in one list or set, or pairs
	// in one map. Default 1<<20. The byte budget already bounds containers
	// of large elements; this bounds those of 1-byte elements (bools, i8,
	// empty structs) whose Go representation can be many times larger than
	// their wire form.
	MaxContainerLength int
	// MaxDepth is the deepest nesting of structs and containers, counting
	// the outermost struct as 1. Default 64.
	MaxDepth int
}

// The defaults that DefaultLimits returns and that zero fields of Limits
// stand for.
const (
	DefaultMaxMessageSize     = 16 << 20
	DefaultMaxStringLength    = 16 << 20
	DefaultMaxContainerLength = 1 << 20
	DefaultMaxDepth           = 64
)

// maxLimit caps every limit so that position + limit cannot overflow an int,
// even on 32-bit platforms.
const maxLimit = int(^uint(0)>>1) / 4

// DefaultLimits returns the limits a Decoder uses when given a zero Limits.
func DefaultLimits() Limits {
	return Limits{}.withDefaults()
}

// withDefaults returns l with every zero or negative field replaced by its
// default and every field capped at maxLimit.
func (l Limits) withDefaults() Limits {
	l.MaxMessageSize = orDefault(l.MaxMessageSize, DefaultMaxMessageSize)
	l.MaxStringLength = orDefault(l.MaxStringLength, DefaultMaxStringLength)
	l.MaxContainerLength = orDefault(l.MaxContainerLength, DefaultMaxContainerLength)
	l.MaxDepth = orDefault(l.MaxDepth, DefaultMaxDepth)
	return l
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return min(v, maxLimit)
}
