/** routes uses types from two included files in other Go packages. */
namespace go app.routes.v1

include "units.thrift"
include "shared/geo.thrift"

typedef units.Distance Length

struct Route {
  1: list<geo.Point> stops
  2: units.Location start = geo.ORIGIN
  3: Length total
  4: map<geo.Unit, Length> by_unit
  5: optional units.Distance detour
  6: units.Location finish
}

const Length MARATHON = 42195
