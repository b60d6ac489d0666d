namespace go typedefs

typedef i32 Count
typedef Count Total
typedef string Name
typedef binary Blob
typedef uuid ID
typedef list<Name> Names
typedef map<Name, Total> Tally
typedef set<Count> CountSet
typedef Record RecordAlias

enum Status { OK = 0, BAD = 1 }
typedef Status Outcome

struct Record {
  1: Count count = 3
  2: Total total
  3: Name name = "anon"
  4: Blob data
  5: ID id
  6: Names names
  7: Tally tally
  8: CountSet counts
  9: optional RecordAlias following
  10: Outcome outcome = Status.BAD
  11: optional Total maybe_total
  12: list<Total> totals
  13: map<Outcome, list<Name>> by_outcome
}

const Total TEN = 10
const Names PEOPLE = ["ann", "bob"]
