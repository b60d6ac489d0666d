package generator

import "testing"

func TestCamelCase(t *testing.T) {
	cases := map[string]string{
		"user_id":       "UserID",
		"userId":        "UserId",
		"ID":            "ID",
		"Id":            "ID",
		"api_key":       "APIKey",
		"_private":      "Private",
		"a__b":          "AB",
		"http_url":      "HTTPURL",
		"json_rpc_url2": "JSONRPCUrl2",
		"i32_thing":     "I32Thing",
		"my_struct":     "MyStruct",
		"2fast":         "X2fast",
		"_":             "X",
		"type":          "Type",
	}
	for in, want := range cases {
		if got := CamelCase(in); got != want {
			t.Errorf("CamelCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLowerCamel(t *testing.T) {
	cases := map[string]string{
		"user_id":  "userID",
		"ID":       "id",
		"URLPath":  "urlPath",
		"type":     "type_",
		"func":     "func_",
		"ctx":      "ctx_",
		"err":      "err_",
		"num1":     "num1",
		"WhatOp":   "whatOp",
		"http_url": "httpurl",
	}
	for in, want := range cases {
		if got := LowerCamel(in); got != want {
			t.Errorf("LowerCamel(%q) = %q, want %q", in, got, want)
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
