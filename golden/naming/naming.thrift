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
  13: i32 encode_compact
  14: i32 DecodeCompact
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

/** Names kept the way Apache's Go generator writes them. */
struct apache_names {
  1: i32 TYPE_ORDER
  2: i32 IEEE_754_TOTAL_ORDER
  3: i32 user_ID
  4: i32 new_value
  5: i32 my_args
  6: i32 a__b
}

enum SORT_ORDER { TYPE_ORDER = 1, IEEE_754_TOTAL_ORDER = 2 }

const i32 max_items = 10

service my_service {
  void do_thing(1: i32 user_id, 2: i32 type, 3: i32 Error, 4: string ctx, 5: i32 len)
  void new_thing()
}
