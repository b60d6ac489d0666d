service S extends Nothing {
  void f()
}
