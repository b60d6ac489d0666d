struct User {
  1: i64 id
  2: required string name
  3: required i32 age
}
