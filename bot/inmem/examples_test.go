package inmem

import (
	"testing"

	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/bot/examples/examplestest"
)

func TestExamplesContract(t *testing.T) {
	examplestest.Run(t, func(*testing.T) examples.Store { return NewExamples() })
}
