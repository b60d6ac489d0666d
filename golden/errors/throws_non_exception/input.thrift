struct NotAnError {
  1: string msg
}

service S {
  void f() throws (1: NotAnError e)
}
