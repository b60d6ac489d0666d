include "nowhere.thrift"

struct S {
  1: i32 a
}
