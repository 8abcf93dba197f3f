package procedures

import (
	"embed"
	"fmt"
)

// builtinFS holds the built-in catalogue, procedures/catalog/*.yaml.
//
//go:embed catalog/*.yaml
var builtinFS embed.FS

// Builtin returns the catalogue embedded in the binary (procedures/catalog/*.yaml),
// validated like any other.
func Builtin() (*Catalog, error) {
	c, err := LoadFS(builtinFS, "catalog", "procedures")
	if err != nil {
		return nil, fmt.Errorf("built-in catalogue: %w", err)
	}
	return c, nil
}
