include "a/shared.thrift"
include "b/shared.thrift"

struct S {
  1: shared.P p
}
