namespace go shared.geo

typedef i64 Meters

struct Point {
  1: Meters x
  2: Meters y
}

enum Unit { METER = 1, FOOT = 2 }

const Point ORIGIN = {"x": 0, "y": 0}
