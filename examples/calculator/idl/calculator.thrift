/**
 * The calculator of Apache Thrift's tutorial, served over mutual TLS.
 */
namespace go calculator
namespace py calculator

include "shared.thrift"

/** Operation is what Calculate does with its two numbers. */
enum Operation {
  ADD = 1,
  SUBTRACT = 2,
  MULTIPLY = 3,
  DIVIDE = 4
}

/** Work is one calculation. */
struct Work {
  1: i32 num1 = 0
  2: i32 num2
  3: Operation op
  4: optional string comment
}

/** InvalidOperation is thrown for work the calculator cannot do. */
exception InvalidOperation {
  1: i32 whatOp
  2: string why
}

/** Calculator adds, calculates, and remembers results as shared structs. */
service Calculator extends shared.SharedService {
  /** ping checks that the server is alive. */
  void ping(),

  /** add returns num1 + num2. */
  i32 add(1: i32 num1, 2: i32 num2),

  /** calculate performs w and logs the result under logid. */
  i32 calculate(1: i32 logid, 2: Work w) throws (1: InvalidOperation ouch),

  /** whoami returns the identity the server verified for the caller. */
  string whoami(),

  /** zip is fire-and-forget: the server sends nothing back. */
  oneway void zip()
}
