package redisstore

import (
	"testing"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/bot/catalog/catalogtest"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

func TestCatalogContract(t *testing.T) {
	catalogtest.Run(t, func(t *testing.T) catalog.Store {
		rdb, prefix := redistest.New(t)
		s, err := NewCatalog(rdb, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
