service Users {
  string get(1: i64 id)
}
