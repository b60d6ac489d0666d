/**
 * Definitions shared by several services.
 */
namespace go shared
namespace py shared

/** SharedStruct is a key/value pair kept by the server. */
struct SharedStruct {
  1: i32 key
  2: string value
}

/** SharedService is the parent of Calculator, in another Go package. */
service SharedService {
  /** getStruct returns the pair logged under key. */
  SharedStruct getStruct(1: i32 key)
}
