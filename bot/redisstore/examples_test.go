package redisstore

import (
	"testing"

	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/bot/examples/examplestest"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

func TestExamplesContract(t *testing.T) {
	examplestest.Run(t, func(t *testing.T) examples.Store {
		rdb, prefix := redistest.New(t)
		s, err := NewExamples(rdb, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
