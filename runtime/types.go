package runtime

import "strconv"

// Type is a Thrift wire type id, as written before every field and in every
// container header.
type Type byte

// The wire type ids of the binary protocol. The numbers are part of the wire
// format and must never change.
const (
	TypeStop   Type = 0  // ends the fields of a struct
	TypeVoid   Type = 1  // never on the wire in a valid value
	TypeBool   Type = 2  // one byte, 1 for true
	TypeI8     Type = 3  // "byte" in IDL
	TypeDouble Type = 4  // IEEE 754, big-endian
	TypeI16    Type = 6  // big-endian
	TypeI32    Type = 8  // big-endian
	TypeI64    Type = 10 // big-endian
	TypeString Type = 11 // string and binary: i32 length, then the bytes
	TypeStruct Type = 12 // fields, then TypeStop
	TypeMap    Type = 13 // key type, value type, i32 count, then pairs
	TypeSet    Type = 14 // element type, i32 count, then elements
	TypeList   Type = 15 // element type, i32 count, then elements
	TypeUUID   Type = 16 // 16 raw bytes, Thrift 0.19+
)

var typeNames = [...]string{
	TypeStop:   "stop",
	TypeVoid:   "void",
	TypeBool:   "bool",
	TypeI8:     "i8",
	TypeDouble: "double",
	TypeI16:    "i16",
	TypeI32:    "i32",
	TypeI64:    "i64",
	TypeString: "string",
	TypeStruct: "struct",
	TypeMap:    "map",
	TypeSet:    "set",
	TypeList:   "list",
	TypeUUID:   "uuid",
}

// String returns the IDL name of t ("i32", "list", ...), or "Type(N)" for an
// id the protocol does not define, so that error messages show the raw byte.
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// minSizes holds the fewest bytes one value of each type takes on the wire.
// Zero marks a type that cannot appear as a value (stop, void, unknown ids).
// The Decoder multiplies a declared container count by these to reject counts
// the rest of the message cannot possibly hold.
var minSizes = [256]uint8{
	TypeBool:   1,
	TypeI8:     1,
	TypeDouble: 8,
	TypeI16:    2,
	TypeI32:    4,
	TypeI64:    8,
	TypeString: 4, // the length prefix of an empty string
	TypeStruct: 1, // a lone TypeStop
	TypeMap:    6, // key type, value type, i32 count 0
	TypeSet:    5, // element type, i32 count 0
	TypeList:   5,
	TypeUUID:   16,
}

// fixedSizes holds the exact encoded size of the types whose values all have
// the same size; Skip steps over containers of these in one move.
var fixedSizes = [256]uint8{
	TypeBool:   1,
	TypeI8:     1,
	TypeDouble: 8,
	TypeI16:    2,
	TypeI32:    4,
	TypeI64:    8,
	TypeUUID:   16,
}

// MessageType is the kind of a Thrift message, written in the low byte of the
// version word of a message header.
type MessageType byte

// The message types of the Thrift protocol.
const (
	MessageCall      MessageType = 1 // a request that expects a reply
	MessageReply     MessageType = 2 // a normal reply, possibly carrying an IDL exception
	MessageException MessageType = 3 // a reply carrying a TApplicationException
	MessageOneway    MessageType = 4 // a request that gets no reply
)

// String returns "call", "reply", "exception" or "oneway", or
// "MessageType(N)" for any other value.
func (t MessageType) String() string {
	switch t {
	case MessageCall:
		return "call"
	case MessageReply:
		return "reply"
	case MessageException:
		return "exception"
	case MessageOneway:
		return "oneway"
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// Pair is one key/value of a map whose key type Go cannot use as a map key
// (list, set, map, struct or binary keys). Such maps are generated as
// []Pair[K, V], kept in wire order, so that decoding and re-encoding one
// gives back the same bytes.
type Pair[K, V any] struct {
	Key   K
	Value V
}
