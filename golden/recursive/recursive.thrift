namespace go recursive

/** Tree is a recursive struct. */
struct Tree {
  1: string label
  2: list<Tree> children
  3: optional Tree parent_copy
}

/** Ping and Pong refer to each other. */
struct Ping {
  1: optional Pong pong
  2: i32 depth
}

struct Pong {
  1: optional Ping ping
  2: map<string, Ping> pings
}
