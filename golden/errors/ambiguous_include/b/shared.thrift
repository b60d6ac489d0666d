struct Q { 1: i32 y }
