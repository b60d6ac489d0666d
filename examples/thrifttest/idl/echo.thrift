// A small service for the thriftpy peer: thriftpy 0.3.9 cannot parse
// Apache's ThriftTest.thrift, so the cross tests with thriftpy use this.
namespace go echo
namespace py echo

struct Message {
  1: string text,
  2: i64 seq,
  3: list<string> tags,
  4: map<string, i32> counts,
  5: binary blob,
}

exception EchoError {
  1: i32 code,
  2: string reason,
}

service Echo {
  // ping returns "pong".
  string ping(),
  // echo returns msg unchanged; a text of "fail" throws EchoError{code 7, reason "fail"}.
  Message echo(1: Message msg) throws (1: EchoError err),
  // add returns a + b.
  i64 add(1: i32 a, 2: i64 b),
}
