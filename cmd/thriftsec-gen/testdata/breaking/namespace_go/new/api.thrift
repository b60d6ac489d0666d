namespace go app.v2
struct User { 1: i64 id }
