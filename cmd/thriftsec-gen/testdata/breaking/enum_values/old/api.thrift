enum Color {
  RED = 1
  GREEN = 2
  BLUE = 3
}
