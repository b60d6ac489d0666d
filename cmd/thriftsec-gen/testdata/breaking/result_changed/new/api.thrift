service Users {
  i64 get(1: i64 id)
}
