struct User {
  1: i32 id
  2: binary name
}
