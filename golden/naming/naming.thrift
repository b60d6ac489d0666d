/** Identifiers that collide with Go keywords, generated methods and each other. */
namespace go naming.type

struct func {
  1: i32 type
  3: i32 encode
  4: i32 decode
  5: i32 x
  6: i32 get_x
  7: i32 user_id
  8: i32 userId
  9: i32 http_url
  10: i32 _private
  11: i32 is_set_x
  12: i32 range
}

exception error {
  1: string error
  2: string message
}

enum interface {
  chan = 1,
  select = 2
}

struct my_struct {
  1: interface kind
  2: optional func fn
}

const i32 var = 1
const i32 go = 2
