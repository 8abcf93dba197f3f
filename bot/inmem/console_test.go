package inmem

import (
	"testing"

	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/bot/console/consoletest"
)

var _ console.Store = (*ConsoleStore)(nil)

func TestConsoleStoreContract(t *testing.T) {
	consoletest.Store(t, func(t *testing.T) console.Store { return NewConsoleStore(nil) })
}
