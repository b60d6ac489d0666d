/**
 * Everything Apache Thrift 0.17's Go generator can express, for the
 * wire-compatibility suite: every base type, nested containers, enums with
 * negative and sparse values, typedefs (also across an include),
 * required/optional/default fields, unions, exceptions, recursion.
 * (No uuid and no non-scalar map keys: Apache 0.17 Go cannot do them.)
 */
namespace go interop.types

include "shared.thrift"

enum Color {
  RED = 1
  GREEN = 2
  BLUE = 4
  BLACK = -1
}

typedef i32 Count
typedef Color Paint
typedef list<i16> Shorts

/** Every base type, default requiredness. */
struct Scalars {
  1: bool flag
  2: byte b
  3: i8 tiny
  4: i16 small
  5: i32 medium
  6: i64 large
  7: double ratio
  8: string text
  9: binary blob
}

/** Every base type, optional without a default. */
struct Optionals {
  1: optional bool flag
  2: optional byte b
  3: optional i8 tiny
  4: optional i16 small
  5: optional i32 medium
  6: optional i64 large
  7: optional double ratio
  8: optional string text
  9: optional binary blob
  10: optional Color color
  11: optional Scalars nested
  12: optional list<i32> ints
  13: optional set<string> strs
  14: optional map<i32, string> dict
}

/** Every base type, required. */
struct Requireds {
  1: required bool flag
  2: required byte b
  3: required i8 tiny
  4: required i16 small
  5: required i32 medium
  6: required i64 large
  7: required double ratio
  8: required string text
  9: required binary blob
  10: required Color color
  11: required Scalars nested
  12: required list<string> names
  13: required map<string, i64> counts
}

/** Defaults in every requiredness; Apache keeps optional defaults non-pointer. */
struct Defaults {
  1: bool flag = true
  2: byte b = -2
  3: i16 small = 1600
  4: i32 medium = -32
  5: i64 large = 9223372036854775807
  6: double ratio = 1.5e3
  7: string text = "line\n\t\"quoted\""
  8: binary blob = "raw"
  9: Color color = Color.BLUE
  10: list<i32> numbers = [1, 2, 3]
  11: map<string, i64> counts = {"a": 1, "b": 2}
  12: set<string> tags = ["x", "y"]
  20: optional bool opt_flag = true
  21: optional byte opt_b = 3
  22: optional i16 opt_small = -7
  23: optional i32 opt_medium = 7
  24: optional i64 opt_large = -1
  25: optional double opt_ratio = 0.25
  26: optional string opt_text = "maybe"
  27: optional binary opt_blob = "bin"
  28: optional Color opt_color = Color.GREEN
  29: optional list<i32> opt_numbers = [4]
  30: optional map<string, string> opt_labels = {"k": "v"}
  40: required i32 req_medium = 42
  41: required string req_text = "req"
  42: required Color req_color = Color.RED
}

/** Lists, sets and maps nested several levels. */
struct Containers {
  1: list<bool> bools
  2: list<byte> bytes
  3: list<i16> shorts
  4: list<i64> longs
  5: list<double> doubles
  6: list<string> strings
  7: list<binary> blobs
  8: set<i32> int_set
  9: set<string> string_set
  10: set<binary> blob_set
  11: map<bool, i8> bool_map
  12: map<i8, i16> byte_map
  13: map<i16, i32> short_map
  14: map<i64, double> long_map
  15: map<double, string> double_map
  16: map<string, binary> string_map
  17: map<binary, i32> binary_keys
  18: map<Color, list<Color>> enum_map
  19: list<list<list<i32>>> cube
  20: map<string, list<map<i32, set<string>>>> deep
  21: list<map<string, map<i64, list<binary>>>> deeper
  22: set<list<i32>> set_of_lists
  23: list<set<Color>> list_of_sets
  24: map<i32, Scalars> struct_values
  25: list<Scalars> struct_list
  26: set<Scalars> struct_set
  27: map<string, map<string, map<string, i64>>> three_maps
  28: list<Color> colors
}

/** Typedefs, local and across the include. */
struct Typedefs {
  1: Count count
  2: Paint paint
  3: Shorts shorts
  4: shared.Timestamp at
  5: shared.Name name
  6: shared.Blob blob
  7: shared.Names names
  8: shared.Clock clock
  9: shared.Severity severity
  10: shared.Level level
  11: shared.Shape shape
  12: shared.Location place
  13: list<shared.Location> locations
  14: map<shared.Name, shared.Location> places
  15: optional shared.Timestamp maybe_at
  16: optional shared.Severity maybe_severity
  17: map<shared.Level, shared.Timestamp> by_level
}

union Value {
  1: bool b
  2: i32 i
  3: i64 l
  4: double d
  5: string s
  6: binary raw
  7: Color color
  8: list<Value> items
  9: map<string, Value> fields
  10: Scalars scalars
}

union Tiny {
  1: i32 number
  2: string text
}

struct Holder {
  1: Value value
  2: optional Value other
  3: list<Tiny> tinies
  4: map<string, Tiny> named
}

exception NotFound {
  1: string key
  2: i32 code = 404
}

exception Failure {
  1: string message
  2: optional NotFound cause
  3: shared.Severity severity
  4: list<string> trace
}

/** Recursion through optional fields, lists and maps. */
struct Tree {
  1: string label
  2: list<Tree> children
  3: optional Tree left
  4: optional Tree right
  5: map<string, Tree> named
}

struct Node {
  1: i64 value
  2: optional Node next_node
}

struct Sparse {
  1: i32 one
  100: string hundred
  32767: i64 max_id
  7: bool seven
}

struct Empty {}

struct UsesShared {
  1: shared.Location location
  2: optional shared.SharedError error
  3: list<shared.Level> levels
  4: set<shared.Shape> shapes
  5: required shared.Location place
}

service Lookup {
  Value get(1: string key, 2: Paint paint) throws (1: NotFound nf, 2: Failure failure)
  void put(1: string key, 2: Value value, 3: i32 ttl)
  oneway void ping()
}
