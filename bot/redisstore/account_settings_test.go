package redisstore

import (
	"testing"

	"github.com/oabot/oabot/bot/accounts/accountstest"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

func TestAccountSettingsContract(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, err := NewAccountSettings(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	accountstest.SettingsContract(t, s)
}
