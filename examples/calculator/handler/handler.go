// Package handler implements the calculator service of the example: the
// code a user writes against the generated calculator.Calculator interface.
package handler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/thriftsec/thriftsec/examples/calculator/gen/calculator"
	"github.com/thriftsec/thriftsec/examples/calculator/gen/shared"
	"github.com/thriftsec/thriftsec/runtime"
)

// Calculator serves calculator.Calculator (and, through it, the parent
// shared.SharedService). It is safe for concurrent calls.
type Calculator struct {
	Logger *slog.Logger

	mu  sync.Mutex
	log map[int32]*shared.SharedStruct // results of Calculate by log id
	// Zipped receives the oneway zip calls, for tests; nil drops them.
	Zipped chan struct{}
}

// New returns a handler with an empty result log.
func New(logger *slog.Logger) *Calculator {
	return &Calculator{Logger: logger, log: map[int32]*shared.SharedStruct{}}
}

var _ calculator.Calculator = (*Calculator)(nil)

// Ping answers nothing; a reply at all means the server is alive.
func (c *Calculator) Ping(ctx context.Context) error { return nil }

// Add returns num1 + num2.
func (c *Calculator) Add(ctx context.Context, num1, num2 int32) (int32, error) {
	return num1 + num2, nil
}

// Calculate performs w and logs the result under logid. Dividing by zero,
// or an operation it does not know, is the IDL's InvalidOperation.
func (c *Calculator) Calculate(ctx context.Context, logid int32, w *calculator.Work) (int32, error) {
	if w == nil {
		return 0, &calculator.InvalidOperation{Why: "no work given"}
	}
	var v int32
	switch w.Op {
	case calculator.Operation_ADD:
		v = w.Num1 + w.Num2
	case calculator.Operation_SUBTRACT:
		v = w.Num1 - w.Num2
	case calculator.Operation_MULTIPLY:
		v = w.Num1 * w.Num2
	case calculator.Operation_DIVIDE:
		if w.Num2 == 0 {
			return 0, &calculator.InvalidOperation{WhatOp: int32(w.Op), Why: "cannot divide by 0"}
		}
		v = w.Num1 / w.Num2
	default:
		return 0, &calculator.InvalidOperation{WhatOp: int32(w.Op), Why: "invalid operation"}
	}
	c.mu.Lock()
	c.log[logid] = &shared.SharedStruct{Key: logid, Value: fmt.Sprint(v)}
	c.mu.Unlock()
	return v, nil
}

// GetStruct returns the result logged under key, a method of the parent
// service that the Calculator processor serves too.
func (c *Calculator) GetStruct(ctx context.Context, key int32) (*shared.SharedStruct, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.log[key]; ok {
		return s, nil
	}
	return &shared.SharedStruct{Key: key}, nil
}

// Whoami returns the identity mutual TLS verified for the caller: its
// SPIFFE ID when the certificate has one, else its common name.
func (c *Calculator) Whoami(ctx context.Context) (string, error) {
	peer, ok := runtime.PeerFromContext(ctx)
	switch {
	case !ok || peer.Certificate == nil:
		return "anonymous", nil
	case peer.SPIFFEID != "":
		return peer.SPIFFEID, nil
	default:
		return peer.Certificate.Subject.CommonName, nil
	}
}

// Zip is oneway: the client does not wait, and nothing is sent back.
func (c *Calculator) Zip(ctx context.Context) error {
	if c.Logger != nil {
		c.Logger.Info("zip")
	}
	if c.Zipped != nil {
		select {
		case c.Zipped <- struct{}{}:
		default:
		}
	}
	return nil
}
