/** Users. */
struct User {
  1: i64 id
  2: optional string name
}
service Users {
  User get(1: i64 id)
  void ping()
}
