package procedures

import (
	"embed"
	"fmt"
	"io/fs"
)

// builtinFS holds the built-in catalogue, procedures/catalog/*.yaml.
//
// The pattern "catalog*" (rather than "catalog/*.yaml") also matches this package's
// catalog.go, so the package compiles even while the catalog folder is empty or missing;
// Builtin reads only the catalog folder.
//
//go:embed catalog*
var builtinFS embed.FS

// Builtin returns the catalogue embedded in the binary (procedures/catalog/*.yaml),
// validated like any other.
func Builtin() (*Catalog, error) {
	if _, err := fs.Stat(builtinFS, "catalog"); err != nil {
		return nil, fmt.Errorf("built-in catalogue: no catalog folder embedded")
	}
	c, err := LoadFS(builtinFS, "catalog", "procedures")
	if err != nil {
		return nil, fmt.Errorf("built-in catalogue: %w", err)
	}
	return c, nil
}
