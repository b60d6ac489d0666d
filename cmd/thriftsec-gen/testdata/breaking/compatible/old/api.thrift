struct User {
  1: i64 id
}
service Users { User get(1: i64 id) }
