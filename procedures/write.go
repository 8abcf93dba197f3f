package procedures

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// WriteCatalog writes records as a catalogue file: JSON when format is "json", YAML
// otherwise. The output loads back with Load.
func WriteCatalog(w io.Writer, records []*Record, format string) error {
	switch strings.ToLower(format) {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(records); err != nil {
			return fmt.Errorf("write catalogue: %w", err)
		}
		return nil
	default:
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(records); err != nil {
			return fmt.Errorf("write catalogue: %w", err)
		}
		return enc.Close()
	}
}

// FormatForPath returns "json" for a .json path and "yaml" otherwise.
func FormatForPath(p string) string {
	if strings.EqualFold(filepath.Ext(p), ".json") {
		return "json"
	}
	return "yaml"
}
