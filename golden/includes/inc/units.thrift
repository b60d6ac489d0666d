include "shared/geo.thrift"

typedef geo.Meters Distance
typedef geo.Point Location
