include "b.thrift"

struct A {
  1: b.B b
}
