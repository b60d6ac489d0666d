struct S {
  1: i32 a
}

enum S {
  A = 1
}
