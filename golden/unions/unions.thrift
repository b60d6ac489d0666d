namespace go unions

/** Value holds exactly one of its members. */
union Value {
  1: i32 number
  2: string text
  3: list<Value> items
  4: Inner inner
  5: binary raw
}

struct Inner {
  1: string note
}

/** NotFound is thrown when a key is missing. */
exception NotFound {
  1: string key
  2: i32 code = 404
}

/** Failure carries a message, as Thrift exceptions usually do. */
exception Failure {
  1: string message
  2: optional NotFound cause
}

struct Holder {
  1: Value value
  2: optional Value other
}
