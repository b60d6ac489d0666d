namespace go app.v1
struct User { 1: i64 id }
