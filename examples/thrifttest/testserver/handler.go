package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	tt "github.com/thriftsec/thriftsec/examples/thrifttest/gen/thrifttest"
	"github.com/thriftsec/thriftsec/runtime"
)

// handler implements ThriftTest with the semantics of the IDL's comments,
// answering what Apache's own test servers answer (test/py/TestServer.py,
// test/go/src/common/printing_handler.go).
type handler struct {
	log *slog.Logger
	// echoPeer makes testString answer thing + "@" + the client's
	// address as the handler sees it (--echo-peer).
	echoPeer bool
}

var _ tt.ThriftTest = handler{}

func (h handler) TestVoid(ctx context.Context) error {
	h.log.Debug("testVoid()")
	return nil
}

func (h handler) TestString(ctx context.Context, thing string) (string, error) {
	h.log.Debug("testString", "thing", thing)
	if h.echoPeer {
		if p, ok := runtime.PeerFromContext(ctx); ok && p.Addr != nil {
			return thing + "@" + p.Addr.String(), nil
		}
	}
	return thing, nil
}

func (h handler) TestBool(ctx context.Context, thing bool) (bool, error) {
	h.log.Debug("testBool", "thing", thing)
	return thing, nil
}

func (h handler) TestByte(ctx context.Context, thing int8) (int8, error) {
	h.log.Debug("testByte", "thing", thing)
	return thing, nil
}

func (h handler) TestI32(ctx context.Context, thing int32) (int32, error) {
	h.log.Debug("testI32", "thing", thing)
	return thing, nil
}

func (h handler) TestI64(ctx context.Context, thing int64) (int64, error) {
	h.log.Debug("testI64", "thing", thing)
	return thing, nil
}

func (h handler) TestDouble(ctx context.Context, thing float64) (float64, error) {
	h.log.Debug("testDouble", "thing", thing)
	return thing, nil
}

func (h handler) TestBinary(ctx context.Context, thing []byte) ([]byte, error) {
	h.log.Debug("testBinary", "len", len(thing))
	return thing, nil
}

func (h handler) TestStruct(ctx context.Context, thing *tt.Xtruct) (*tt.Xtruct, error) {
	h.log.Debug("testStruct", "thing", thing)
	return thing, nil
}

func (h handler) TestNest(ctx context.Context, thing *tt.Xtruct2) (*tt.Xtruct2, error) {
	h.log.Debug("testNest", "thing", thing)
	return thing, nil
}

func (h handler) TestMap(ctx context.Context, thing map[int32]int32) (map[int32]int32, error) {
	h.log.Debug("testMap", "thing", thing)
	return thing, nil
}

func (h handler) TestStringMap(ctx context.Context, thing map[string]string) (map[string]string, error) {
	h.log.Debug("testStringMap", "thing", thing)
	return thing, nil
}

func (h handler) TestSet(ctx context.Context, thing []int32) ([]int32, error) {
	h.log.Debug("testSet", "thing", thing)
	return thing, nil
}

func (h handler) TestList(ctx context.Context, thing []int32) ([]int32, error) {
	h.log.Debug("testList", "thing", thing)
	return thing, nil
}

func (h handler) TestEnum(ctx context.Context, thing tt.Numberz) (tt.Numberz, error) {
	h.log.Debug("testEnum", "thing", thing)
	return thing, nil
}

func (h handler) TestTypedef(ctx context.Context, thing tt.UserId) (tt.UserId, error) {
	h.log.Debug("testTypedef", "thing", thing)
	return thing, nil
}

// TestMapMap returns {-4 => {-4 => -4, -3 => -3, -2 => -2, -1 => -1},
// 4 => {1 => 1, 2 => 2, 3 => 3, 4 => 4}}.
func (h handler) TestMapMap(ctx context.Context, hello int32) (map[int32]map[int32]int32, error) {
	h.log.Debug("testMapMap", "hello", hello)
	return map[int32]map[int32]int32{
		-4: {-4: -4, -3: -3, -2: -2, -1: -1},
		4:  {1: 1, 2: 2, 3: 3, 4: 4},
	}, nil
}

// TestInsanity returns {1 => {2 => argument, 3 => argument},
// 2 => {6 => <empty Insanity>}}.
func (h handler) TestInsanity(ctx context.Context, argument *tt.Insanity) (map[tt.UserId]map[tt.Numberz]*tt.Insanity, error) {
	h.log.Debug("testInsanity", "argument", argument)
	return map[tt.UserId]map[tt.Numberz]*tt.Insanity{
		1: {tt.Numberz_TWO: argument, tt.Numberz_THREE: argument},
		2: {tt.Numberz_SIX: tt.NewInsanity()},
	}, nil
}

// TestMulti returns Xtruct{"Hello2", arg0, arg1, arg2}.
func (h handler) TestMulti(ctx context.Context, arg0 int8, arg1 int32, arg2 int64, arg3 map[int16]string, arg4 tt.Numberz, arg5 tt.UserId) (*tt.Xtruct, error) {
	h.log.Debug("testMulti", "arg0", arg0, "arg1", arg1, "arg2", arg2, "arg3", arg3, "arg4", arg4, "arg5", arg5)
	return &tt.Xtruct{StringThing: "Hello2", ByteThing: arg0, I32Thing: arg1, I64Thing: arg2}, nil
}

// TestException throws Xception{1001, arg} for "Xception", fails with an
// application error (Apache's TException; INTERNAL_ERROR on the wire) for
// "TException", and returns normally otherwise.
func (h handler) TestException(ctx context.Context, arg string) error {
	h.log.Debug("testException", "arg", arg)
	switch arg {
	case "Xception":
		return &tt.Xception{ErrorCode: 1001, Message: arg}
	case "TException":
		return errors.New("This is a TException")
	}
	return nil
}

// TestMultiException throws Xception{1001, "This is an Xception"} for
// arg0 "Xception", Xception2{2002, {string_thing: "This is an Xception2"}}
// for "Xception2", and returns Xtruct{string_thing: arg1} otherwise.
func (h handler) TestMultiException(ctx context.Context, arg0 string, arg1 string) (*tt.Xtruct, error) {
	h.log.Debug("testMultiException", "arg0", arg0, "arg1", arg1)
	switch arg0 {
	case "Xception":
		return nil, &tt.Xception{ErrorCode: 1001, Message: "This is an Xception"}
	case "Xception2":
		return nil, &tt.Xception2{ErrorCode: 2002, StructThing: &tt.Xtruct{StringThing: "This is an Xception2"}}
	}
	return &tt.Xtruct{StringThing: arg1}, nil
}

// TestOneway sleeps a third of secondsToSleep seconds, or until the server
// closes: a third, as Apache's Python TestServer does ("be quick"), because
// every cross-test client calls testOneway(1) and then waits for the next
// reply behind it, which made the sleep most of the time of each
// `make interop` row. Clients still tell a oneway call that waited for the
// server (a third of a second) from one that did not.
func (h handler) TestOneway(ctx context.Context, secondsToSleep int32) error {
	h.log.Debug("testOneway: sleeping", "seconds", secondsToSleep)
	t := time.NewTimer(time.Duration(secondsToSleep) * time.Second / 3)
	defer t.Stop()
	select {
	case <-t.C:
		h.log.Debug("testOneway: done sleeping", "seconds", secondsToSleep)
	case <-ctx.Done():
	}
	return nil
}

// secondHandler serves SecondService, as Apache's TestServer does.
type secondHandler struct{}

func (secondHandler) SecondtestString(_ context.Context, thing string) (string, error) {
	return "testString(\"" + thing + "\")", nil
}
