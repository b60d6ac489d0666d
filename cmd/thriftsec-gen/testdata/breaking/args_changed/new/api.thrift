service Users {
  string get(1: i32 id, 3: string region, 4: bool fresh)
}
