/**
 * Shared definitions.
 */

namespace go example.shared
namespace * shared

/** A point. */
struct Point {
  1: required i32 x
  2: optional i32 y = 0
}

typedef i64 Timestamp

enum Color { RED, GREEN = 5, BLUE }

const Color DEFAULT_COLOR = Color.GREEN
