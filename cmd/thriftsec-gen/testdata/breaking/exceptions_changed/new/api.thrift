exception NotFound {}
exception Denied {}
service Users {
  string get(1: i64 id) throws (1: Denied nf)
  void put(1: i64 id) throws (1: NotFound nf, 3: Denied d)
}
