/**
 * Definitions used across an include by types.thrift: enums, typedefs, a
 * struct and an exception that land in another Go package.
 */
namespace go interop.shared

/** Sparse and negative values, out of declaration order. */
enum Level {
  LOW = -100
  ZERO = 0
  HIGH = 100
  HIGHER = 0x7fffffff
  LOWEST = -2147483648
  MID = 7
}

/** Values assigned implicitly (0, 1, then 10, 11). */
enum Shape {
  CIRCLE
  SQUARE
  TRIANGLE = 10
  HEXAGON
}

typedef i64 Timestamp
typedef string Name
typedef binary Blob
typedef list<Name> Names
typedef map<string, Timestamp> Clock
typedef Level Severity

struct Location {
  1: double lat
  2: double lon
  3: optional Name label
}

exception SharedError {
  1: string message
  2: Severity severity = Level.HIGH
}
