// Identifiers written the ways real IDL writes them, to compare the Go
// names of Apache's generator and ours (names_test.go).
namespace go interop.names

enum SORT_ORDER { TYPE_ORDER = 1, IEEE_754_TOTAL_ORDER = 2, lower_case = 3 }

const i32 max_items = 10
const i32 MAX_ITEMS = 20
const string default_Name = "x"

struct column_order {
  1: SORT_ORDER TYPE_ORDER
  2: optional i32 IEEE_754_TOTAL_ORDER
  3: i64 user_ID
  4: i64 user_id
  5: string new_value
  6: list<string> my_args
  7: i32 a__b
  8: bool json_rpc_url2
  9: i32 Id
  10: i32 x_
}

exception bad_request_error { 1: string reason_phrase }

union one_of { 1: i32 int_value, 2: string string_value }

service metastore_service {
  column_order get_column_order(1: i32 user_id, 2: string type, 3: SORT_ORDER Error, 4: i64 ID) throws (1: bad_request_error bad_req)
  void new_thing(1: one_of which)
  oneway void fire_and_forget(1: i32 counter)
}
