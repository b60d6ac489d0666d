include "shared.thrift"

namespace go example.main
namespace py example_main (x = "y")

/** Seconds since the epoch,
 *   in UTC.
 */
typedef shared.Timestamp Time (doc.kind = "alias")

typedef list<Time> Times;

/** Status of a job. */
enum Status {
  /** Not started. */
  PENDING = 1 (label = "pending")
  RUNNING
  DONE = 0x10,
} (strict)

// Not a doc comment.
const double RATE = 1.5e3
const double SMALL = -2E-2
const string GREETING = "hi\t\"you\"\n"
const uuid ID = "00112233-4455-6677-8899-aabbccddeeff"
const map<string, list<i16>> TABLE = {"a": [1, 2], "b": []}
const set<Status> ACTIVE = [Status.RUNNING, 1]
const shared.Point ORIGIN = {"y": 2, "x": 1}
const Time EPOCH = 0
const i64 EPOCH2 = EPOCH
const bool YES = true
const binary RAW = 'b\'s'
const shared.Color C = shared.Color.BLUE

/** A job. */
struct Job {
  /** The id. */
  1: required i64 id
  2: optional string name = "x" (go.tag = "json:\"name\"")
  3: Status status = Status.PENDING
  4: map<string, shared.Point> (cpp.template = "std::map") points
  5: Times times
  -1: bool flag
}

union Choice {
  1: i32 n
  2: string s
}

exception NotFound {
  1: string what
}

service Base {
  void ping()
}

/** Jobs. */
service Jobs extends Base {
  /** Gets a job. */
  Job get(1: i64 id, 2: bool deep = false) throws (1: NotFound nf) (http.method = "GET")
  oneway void fire(1: Job j)
} (svc = "1")
