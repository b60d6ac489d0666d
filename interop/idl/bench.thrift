/** The structs the codec benchmarks encode and decode with both libraries. */
namespace go interop.bench

struct Small {
  1: i32 id
  2: i64 stamp
  3: i16 kind
  4: string name
}

struct Inner {
  1: i32 a
  2: i64 b
  3: string c
}

struct Medium {
  1: i32 id
  2: i32 version
  3: i64 created
  4: i64 updated
  5: string title
  6: binary payload
  7: list<i64> samples
  8: map<string, string> labels
  9: Inner inner
}
