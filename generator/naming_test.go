package generator

import "testing"

// TestGoName pins Apache Thrift 0.17's Go names (each checked with
// `thrift --gen go`), and thriftsec's deliberate differences.
func TestGoName(t *testing.T) {
	cases := map[string]string{
		"user_id":              "UserID",
		"userId":               "UserId",
		"http_url":             "HTTPURL",
		"TYPE_ORDER":           "TYPE_ORDER",
		"IEEE_754_TOTAL_ORDER": "IEEE_754_TOTAL_ORDER",
		"user_ID":              "User_ID",
		"a__b":                 "A_B",
		"new_value":            "NewValue_",
		"Newton":               "Newton_",
		"my_args":              "MyArgs_",
		"fooResult":            "FooResult_",
		"Id":                   "ID",
		"id_x":                 "IDX",
		"json_rpc_url2":        "JSONRPCUrl2",
		"i32_thing":            "I32Thing",
		"x_":                   "X_",
		"max_items":            "MaxItems",
		"MAX_ITEMS":            "MAX_ITEMS",
		"my_service":           "MyService",
		"do_thing":             "DoThing",
		"type":                 "Type",
		// Deliberate: Apache writes _private (unexported).
		"_private": "Private",
		"2fast":    "X2fast",
		"_":        "X",
	}
	for in, want := range cases {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[[2]string]string{
		{"my_service", "do_thing_args"}:    "MyServiceDoThingArgs",
		{"my_service", "new_thing_result"}: "MyServiceNewThingResult_",
	} {
		if got := argsResultName(in[0], in[1]); got != want {
			t.Errorf("argsResultName(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

func TestParamName(t *testing.T) {
	cases := map[string]string{
		"user_id": "user_id", // Apache keeps argument names as written
		"ID":      "ID",
		"type":    "type_a1",
		"Error":   "error_a1",
		"func":    "func_a1",
		"package": "package_a1", // Apache keeps it, which does not compile
		"ctx":     "ctx_",
		"err":     "err_",
		"string":  "string_",
		"fmt":     "fmt_",
		"num1":    "num1",
	}
	for in, want := range cases {
		if got := ParamName(in); got != want {
			t.Errorf("ParamName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPackageName(t *testing.T) {
	cases := map[string]string{
		"ThriftTest": "thrifttest",
		"type":       "type_",
		"my-api":     "my_api",
		"2x":         "x2x",
		"v1":         "v1",
	}
	for in, want := range cases {
		if got := PackageName(in); got != want {
			t.Errorf("PackageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScopeClaimAppendsUnderscore(t *testing.T) {
	s := scope{}
	for _, want := range []string{"Foo", "Foo_", "Foo__"} {
		if got := s.claim("Foo"); got != want {
			t.Errorf("claim = %q, want %q", got, want)
		}
	}
}

func TestModulePath(t *testing.T) {
	cases := map[string]string{
		"module example.com/x\n":            "example.com/x",
		"// c\nmodule \"example.com/q\"\n":  "example.com/q",
		"module example.com/y // comment\n": "example.com/y",
		"go 1.26\n":                         "",
	}
	for in, want := range cases {
		if got := modulePath([]byte(in)); got != want {
			t.Errorf("modulePath(%q) = %q, want %q", in, got, want)
		}
	}
}
