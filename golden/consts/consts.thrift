namespace go consts

enum Kind { A = 1, B = 2 }

struct Item {
  1: string name
  2: i32 count = 1
  3: optional double price
  4: list<string> tags
  5: Kind kind = Kind.A
}

const bool ENABLED = true
const byte SMALL = -1
const i16 MEDIUM = 300
const i32 LIMIT = 1000
const i64 BIG = -9223372036854775808
const double PI = 3.14159
const double AVOGADRO = 6.022e23
const string GREETING = "hello\tworld"
const binary MAGIC = "bin\n"
const uuid NIL_ID = "00000000-0000-0000-0000-000000000000"
const Kind DEFAULT_KIND = Kind.B
const list<i32> PRIMES = [2, 3, 5, 7]
const set<string> WORDS = ["a", "b"]
const map<string, i32> SCORES = {"x": 1, "y": -2}
const map<i32, list<string>> GROUPS = {1: ["a"], 2: []}
const Item DEFAULT_ITEM = {"name": "widget", "price": 9.5, "tags": ["new"]}
const list<Item> CATALOG = [{"name": "a"}, {"name": "b", "count": 3}]
const map<string, Item> BY_NAME = {"w": {"name": "w", "kind": Kind.B}}
const i32 LIMIT_COPY = LIMIT
const map<list<i32>, string> LIST_KEYS = {[1, 2]: "one-two"}
