/** A calculator service with every kind of function. */
namespace go svc.calc

include "base.thrift"

enum Operation { ADD = 1, SUBTRACT = 2, MULTIPLY = 3, DIVIDE = 4 }

struct Work {
  1: i32 num1 = 0
  2: i32 num2
  3: Operation op
  4: optional string comment
}

exception InvalidOperation {
  1: i32 what_op
  2: string why
}

exception Overflow {
  1: i64 limit
}

/**
 * Calculator computes on the server, keeping the work of every call so that it can be listed later.
 * Long doc lines are wrapped like the generated docs; these stay as written:
 *   calc.add(1, 2) == 3
 * - an item of a list that is long enough to pass the eighty columns of a doc line
 */
service Calculator extends base.Base {
  /** Adds two numbers and returns their sum, or fails with an overflow when the sum does not fit. */
  i32 add(1: i32 num1, 2: i32 num2),
  i32 calculate(1: i32 logid, 2: Work w) throws (1: InvalidOperation ouch, 2: Overflow over),
  oneway void zip(1: string note),
  void reset() throws (1: InvalidOperation ouch),
  list<i64> history(1: optional i32 limit = 10),
  map<string, Work> saved(),
  binary dump(),
  Work last_work(),
  /** Go keywords and locals as names. */
  i32 type(1: i32 func, 2: i32 ctx, 3: i32 err, 4: string result),
  void get_x(),
  void getX(),
}

service Empty {}
