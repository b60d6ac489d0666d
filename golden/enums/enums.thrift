namespace go enums

/** Color has negative and sparse values. */
enum Color {
  /** The default. */
  RED,
  GREEN = 5,
  BLUE,
  DARK = -3,
  LIGHT = 2147483647
}

enum Empty {}

struct Palette {
  1: Color primary = Color.GREEN
  2: optional Color accent
  3: list<Color> all = [Color.RED, Color.BLUE]
  4: map<Color, string> names
  5: required Color must
}

const Color FAVORITE = Color.DARK
const list<Color> WARM = [Color.RED, Color.GREEN]
