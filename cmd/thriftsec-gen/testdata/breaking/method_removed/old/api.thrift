service Users {
  void ping()
  string get(1: i64 id)
}
