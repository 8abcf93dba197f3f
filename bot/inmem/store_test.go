package inmem

import (
	"testing"
	"time"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/statetest"
)

func TestStoreContract(t *testing.T) {
	statetest.StateStore(t, func(_ *testing.T, ttl time.Duration) bot.StateStore { return NewStore(ttl) })
}
