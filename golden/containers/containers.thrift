namespace go containers

struct Point {
  1: i32 x
  2: i32 y
}

/** Nested containers to any depth, including containers as map keys and set elements. */
struct Containers {
  1: list<i64> longs
  2: set<string> names
  3: map<string, string> labels
  4: list<list<i32>> matrix
  5: map<string, list<map<i32, set<string>>>> deep
  6: list<Point> points
  7: map<i32, Point> by_id
  8: map<list<i32>, string> list_keys
  9: set<list<string>> set_of_lists
  10: map<Point, string> struct_keys
  11: map<set<i32>, map<string, i32>> set_keys
  12: map<binary, i32> binary_keys
  13: list<binary> blobs
  14: set<uuid> ids
  15: optional list<double> maybe
  16: list<map<list<i32>, list<Point>>> nested_pairs
  17: map<bool, i8> bools
  18: required list<string> must
}
