package accounts_test

import (
	"testing"

	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/bot/accounts/accountstest"
)

func TestMemorySettingsContract(t *testing.T) {
	accountstest.SettingsContract(t, accounts.NewMemorySettings())
}
