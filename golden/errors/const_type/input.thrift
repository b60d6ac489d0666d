const i32 X = "text"
const list<string> L = [1, 2]
