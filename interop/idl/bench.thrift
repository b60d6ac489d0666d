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

/** One element of the 1,000-item list benchmark. */
struct Item {
  1: i64 id
  2: string name
  3: double score
  4: i32 flags
  5: bool active
}

/** The 1,000-item list<struct> benchmark (issue 10). */
struct ItemList {
  1: list<Item> items
}

/** A tracing-span batch shaped like Jaeger's agent.thrift (fields kept default-requiredness). */
struct Tag {
  1: string key
  2: i32 vType
  3: string vStr
  4: i64 vLong
}

struct Span {
  1: i64 traceIdLow
  2: i64 traceIdHigh
  3: i64 spanId
  4: i64 parentSpanId
  5: string operationName
  6: i32 flags
  7: i64 startTime
  8: i64 duration
  9: list<Tag> tags
}

struct Process {
  1: string serviceName
  2: list<Tag> tags
}

struct SpanBatch {
  1: Process process
  2: list<Span> spans
}
