/**
 * The peers benchmark: the codec cases of interop/idl/bench.thrift (Small,
 * Medium) plus a 1,000-item list of structs and a tracing-span batch, and
 * the 1 KiB echo service the RPC table calls on every library.
 */
include "bench.thrift"

namespace go peers

struct Item {
  1: i64 id
  2: string name
  3: double price
  4: i32 quantity
  5: bool active
}

struct ItemList {
  1: list<Item> items
}

struct Tag {
  1: string key
  2: string value
}

struct Span {
  1: i64 trace_id_low
  2: i64 trace_id_high
  3: i64 span_id
  4: i64 parent_span_id
  5: string operation_name
  6: i64 start_time
  7: i64 duration
  8: i32 flags
  9: list<Tag> tags
}

struct SpanBatch {
  1: string service_name
  2: list<Span> spans
}

/** The cases together, so one generated package holds every type. */
struct Cases {
  1: bench.Small small
  2: bench.Medium medium
  3: ItemList items
  4: SpanBatch spans
}

service Echo {
  binary echo(1: binary payload)
}
