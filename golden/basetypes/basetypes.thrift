/**
 * Every base type of Thrift, in every requiredness, with defaults.
 */
namespace go basetypes

/** Scalars holds one field of each base type. */
struct Scalars {
  /** A flag. */
  1: bool flag
  2: byte b
  3: i8 tiny
  4: i16 small
  5: i32 medium
  6: i64 large
  7: double ratio
  8: string text
  9: binary blob
  10: uuid id
}

/** Optionals holds the same types as optional fields. */
struct Optionals {
  1: optional bool flag
  2: optional byte b
  3: optional i16 small
  4: optional i32 medium
  5: optional i64 large
  6: optional double ratio
  7: optional string text
  8: optional binary blob
  9: optional uuid id
}

/** Requireds holds the same types as required fields. */
struct Requireds {
  1: required bool flag
  2: required i8 tiny
  3: required i16 small
  4: required i32 medium
  5: required i64 large
  6: required double ratio
  7: required string text
  8: required binary blob
  9: required uuid id
  10: required Scalars nested
}

/** Defaults gives every field a default value. */
struct Defaults {
  1: bool flag = true
  2: i8 tiny = -8
  3: i16 small = 1600
  4: i32 medium = -32
  5: i64 large = 9223372036854775807
  6: double ratio = 1.5e3
  7: double negative = -2E-2
  8: string text = "line\n\t\"quoted\" \\ back"
  9: binary blob = "raw"
  10: uuid id = "00112233-4455-6677-8899-aabbccddeeff"
  11: optional i32 opt_medium = 7
  12: optional string opt_text = "maybe"
  13: list<i32> numbers = [1, 2, 3]
  14: map<string, i64> counts = {"a": 1, "b": 2}
  15: double whole = 3
}
