struct S {
  40000: i32 a
}
