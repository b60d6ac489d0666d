namespace go svc.base

exception BaseError {
  1: string reason
}

/** Base is extended by a service in another Go package. */
service Base {
  /** ping checks liveness. */
  void ping(),
  string version() throws (1: BaseError err),
}
