struct P { 1: i32 x }
