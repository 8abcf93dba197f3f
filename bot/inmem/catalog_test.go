package inmem

import (
	"testing"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/bot/catalog/catalogtest"
)

func TestCatalogContract(t *testing.T) {
	catalogtest.Run(t, func(*testing.T) catalog.Store { return NewCatalog() })
}
