package fernet

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/runtime"
)

// vectorDir holds the Fernet spec's test vectors as Debian's
// python3-cryptography-vectors installs them (make deps).
const vectorDir = "/usr/lib/python3/dist-packages/cryptography_vectors/fernet"

type vector struct {
	Desc   string `json:"desc"`
	Token  string `json:"token"`
	Now    string `json:"now"`
	IVInts []int  `json:"iv"`
	Src    string `json:"src"`
	Secret string `json:"secret"`
	TTL    int    `json:"ttl_sec"`
}

func loadVectors(t *testing.T, name string) []vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatalf("the spec's vectors (make deps installs python3-cryptography-vectors): %v", err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatalf("no vectors in %s", name)
	}
	return vs
}

func (v vector) time(t *testing.T) time.Time {
	now, err := time.Parse(time.RFC3339, v.Now)
	if err != nil {
		t.Fatal(err)
	}
	return now
}

func (v vector) keys(t *testing.T) Keys {
	k, err := ParseKey(v.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return Keys{k}
}

func TestSpecVectors(t *testing.T) {
	for _, v := range loadVectors(t, "generate.json") {
		var iv [16]byte
		for i, b := range v.IVInts {
			iv[i] = byte(b)
		}
		if got := seal(v.keys(t)[0], []byte(v.Src), v.time(t), iv); string(got) != v.Token {
			t.Errorf("generate: %s, want %s", got, v.Token)
		}
	}
	for _, v := range loadVectors(t, "verify.json") {
		got, err := v.keys(t).open([]byte(v.Token), time.Duration(v.TTL)*time.Second, v.time(t))
		if err != nil || string(got) != v.Src {
			t.Errorf("verify: %q, %v", got, err)
		}
	}
	for _, v := range loadVectors(t, "invalid.json") {
		if _, err := v.keys(t).open([]byte(v.Token), time.Duration(v.TTL)*time.Second, v.time(t)); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("invalid %q: %v", v.Desc, err)
		}
	}
}

func TestRotationAndTTL(t *testing.T) {
	old, _ := GenerateKey()
	cur, _ := GenerateKey()
	sealedOld, err := Keys{old}.Seal([]byte("from before"))
	if err != nil {
		t.Fatal(err)
	}
	ks := Keys{cur, old}
	if got, err := ks.Open(sealedOld, time.Minute); err != nil || string(got) != "from before" {
		t.Fatalf("old key: %q, %v", got, err)
	}
	sealed, _ := ks.Seal([]byte("now"))
	if _, err := (Keys{old}).Open(sealed, 0); !errors.Is(err, ErrInvalidToken) {
		t.Fatal("sealed with the first key, opened without it")
	}
	now := time.Now()
	if _, err := ks.open(sealed, time.Minute, now.Add(2*time.Minute)); !errors.Is(err, ErrInvalidToken) {
		t.Fatal("expired token opened")
	}
	if _, err := ks.open(sealed, time.Minute, now.Add(-2*time.Minute)); !errors.Is(err, ErrInvalidToken) {
		t.Fatal("token from the future opened")
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 1
		if got, err := ks.Open(bad, 0); err == nil && !bytes.Equal(got, []byte("now")) {
			t.Fatalf("flipped byte %d opened as %q", i, got)
		}
	}
}

func TestSealStruct(t *testing.T) {
	k, _ := GenerateKey()
	ks := Keys{k}
	in := &runtime.ApplicationError{Type: runtime.ExceptionInternalError, Message: "sealed"}
	token, err := ks.SealStruct(in)
	if err != nil {
		t.Fatal(err)
	}
	var out runtime.ApplicationError
	if err := ks.OpenStruct(token, time.Minute, &out, runtime.Limits{}); err != nil || out != *in {
		t.Fatalf("%+v, %v", out, err)
	}
}

func TestParseKeys(t *testing.T) {
	k, _ := GenerateKey()
	ks, err := ParseKeys("# newest first\n" + k.String() + "\n\n" + strings.TrimRight(k.String(), "=") + "\n")
	if err != nil || len(ks) != 2 || ks[0] != k || ks[1] != k {
		t.Fatalf("%v %v", ks, err)
	}
	if _, err := ParseKeys("not a key"); err == nil {
		t.Fatal("accepted a bad key")
	}
	if _, err := ParseKeys("# none\n"); err == nil {
		t.Fatal("accepted no keys")
	}
}

// TestPythonInterop seals in Go and opens with Python's
// cryptography.fernet (Debian's python3-cryptography), and the reverse.
func TestPythonInterop(t *testing.T) {
	k, _ := GenerateKey()
	ks := Keys{k}
	ours, _ := ks.Seal([]byte("from go"))
	script := `
import sys
from cryptography.fernet import Fernet
f = Fernet(sys.argv[1].encode())
print(f.decrypt(sys.argv[2].encode(), ttl=60).decode())
print(f.encrypt(b"from python").decode())
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, k.String(), string(ours)).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || lines[0] != "from go" {
		t.Fatalf("python opened %q", out)
	}
	got, err := ks.Open([]byte(lines[1]), time.Minute)
	if err != nil || string(got) != "from python" {
		t.Fatalf("python's token: %q, %v", got, err)
	}
}

// FuzzOpen: no token makes Open panic, and none opens without the key.
func FuzzOpen(f *testing.F) {
	k, _ := ParseKey("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=")
	f.Add([]byte("gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="))
	f.Add([]byte("gAAAAAAdwJ6x"))
	f.Fuzz(func(t *testing.T, token []byte) {
		got, err := Keys{k}.Open(token, 0)
		if err == nil && got == nil {
			t.Fatal("opened to nil")
		}
	})
}
