package runtime

import (
	"encoding/json"
	"testing"
)

func TestUUID(t *testing.T) {
	const canon = "123e4567-e89b-12d3-a456-426614174000"
	want := UUID{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}
	for _, s := range []string{
		canon,
		"123E4567-E89B-12D3-A456-426614174000",
		"{" + canon + "}",
		"urn:uuid:" + canon,
		"URN:UUID:" + canon,
	} {
		u, err := ParseUUID(s)
		if err != nil || u != want {
			t.Errorf("ParseUUID(%q) = %v, %v", s, u, err)
		}
	}
	if got := want.String(); got != canon {
		t.Errorf("String() = %q", got)
	}
	for _, bad := range []string{
		"", canon[:35], canon + "0", "123e4567e89b-12d3-a456-4266141740000",
		"123e4567-e89b-12d3-a456-42661417400g", "{" + canon, "urn:uuid;" + canon,
		"123e4567-e89b-12d3-a456+426614174000",
	} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) accepted", bad)
		}
	}
	b, err := json.Marshal(map[string]UUID{"id": want})
	if err != nil || string(b) != `{"id":"`+canon+`"}` {
		t.Errorf("json: %s, %v", b, err)
	}
	var back map[string]UUID
	if err := json.Unmarshal(b, &back); err != nil || back["id"] != want {
		t.Errorf("json back: %v, %v", back, err)
	}
	var u UUID
	if err := u.UnmarshalText([]byte("nope")); err == nil {
		t.Error("UnmarshalText accepted garbage")
	}
}
