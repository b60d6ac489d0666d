service Users {
  void ping()
}
