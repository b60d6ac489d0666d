enum E {
  A = 1
}

struct S {
  1: E e = E.B
}
